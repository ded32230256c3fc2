"""Every patient page of every treatment, in English and Spanish, passes ``check_page`` (axe,
reflow at 320 px, under 100 KB): each question page as first shown and with the errors of an
empty Continue, check your answers, consent with its errors, "Finish later" and the outcome.

Regression (issue 18): axe ran on the smooth threads pages only; other treatments' pages
(allergies, recent treatments) and their error states were never checked."""

from __future__ import annotations

import pytest

import rules
from screening.intake.steps import STEPS_BY_ID, steps_for
from tests.browser.checks import check_page
from tests.browser.patient import answer, field_names, sign, step_of, submit
from tests.intake.patient import ANSWERS

pytestmark = pytest.mark.browser

SPANISH = {"locale": "es-US", "extra_http_headers": {"Accept-Language": "es-US,es;q=0.9"}}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("treatment", list(rules.TREATMENTS))
def test_every_page_of_a_treatments_questionnaire_in_each_language(new_page, treatment, language):
    page = new_page(**(SPANISH if language == "es" else {}))

    def checked(where: str) -> None:
        assert page.get_attribute("html", "lang") == language, where
        check_page(page)

    page.goto("/intake/")
    checked("start")
    submit(page)
    seen = []
    while step_of(page) in STEPS_BY_ID:
        step = step_of(page)
        seen.append(step)
        checked(step)
        submit(page)  # Continue with nothing answered
        if step_of(page) == step:
            assert page.locator(".error-summary").count() == 1, step
            checked(f"{step}, with errors")
        else:  # nothing on it is required: back to answer it all the same
            page.goto(f"/intake/{step}")
        answers = {name: ANSWERS[name] for name in field_names(page) if name in ANSWERS}
        if step == "visit":
            answers["treatment"] = treatment
        answer(page, answers)
        assert step_of(page) != step, f"{step} was not accepted"
    assert seen == [step.id for step in steps_for(rules.get_ruleset(treatment))]
    assert step_of(page) == "check"
    checked("check your answers")
    page.goto("/intake/later?back=check")
    checked("finish later")
    page.goto("/intake/consent")
    checked("consent")
    submit(page)
    checked("consent, with errors")
    sign(page)
    assert step_of(page) == "result"
    checked("outcome")
