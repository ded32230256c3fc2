"""On a phone, in English and Spanish: a pregnant patient is told on the very next page that the
visit cannot go ahead as booked, with what to do next, and sends her answers without a consent;
the page and the outcome pass ``check_page`` (axe, reflow, size), with and without JavaScript.

Regression (issue 18): a pregnant patient answered 6 to 8 more pages and signed "I consent to
this treatment" before learning it could not go ahead."""

from __future__ import annotations

import pytest

from tests.browser.checks import check_page
from tests.browser.patient import answer, pages_with, step_of, submit
from tests.intake.patient import ABOUT_YOU

pytestmark = pytest.mark.browser

SPANISH = {"locale": "es-US", "extra_http_headers": {"Accept-Language": "es-US,es;q=0.9"}}
TOLD = {
    "en": ("Your treatment can't go ahead as booked", "Send my answers to the clinic"),
    "es": (
        "Su tratamiento no puede hacerse como está reservado",
        "Enviar mis respuestas a la clínica",
    ),
}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_pregnant_patient_is_told_at_once_and_sends_her_answers(new_page, language, javascript):
    page = new_page(java_script_enabled=javascript, **(SPANISH if language == "es" else {}))
    # Someone of her own: the live server's other patients are linked by name and birth date.
    someone = {**ABOUT_YOU, "last_name": f"Told-{language}-{javascript}", "email": "t@example.com"}
    pages = pages_with({"about_you": someone, "pregnancy": {"pregnant": "yes"}})
    page.goto("/intake/")
    submit(page)
    for step in ("about_you", "visit", "pregnancy"):
        assert step_of(page) == step
        answer(page, pages[step])

    assert step_of(page) == "cannot-go-ahead"
    heading, button = TOLD[language]
    assert page.inner_text("h1") == heading
    assert page.inner_text("#main-submit") == button
    shot = "told-early" if language == "en" and javascript else None
    check_page(page, shot)

    submit(page)  # Send my answers to the clinic
    assert step_of(page) == "result"
    assert page.locator("input[name='signature']").count() == 0
    check_page(page, "told-early-sent" if shot else None)
