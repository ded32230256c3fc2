"""US English on a phone (issue 18, "A US clinic in British English"): the clinic's name never in
a possessive, errors in the GOV.UK style, and the medicines a patient last took named in lower
case, in a list in words, with their days counted in words."""

from __future__ import annotations

import pytest

from tests.browser.checks import check_page, focus_lands_on
from tests.browser.patient import answer, complete, pages_with, step_of, submit
from tests.intake.patient import ABOUT_YOU

pytestmark = pytest.mark.browser


def test_the_start_page_names_the_clinic_without_a_possessive(new_page):
    page = new_page()
    page.goto("/intake/")
    text = page.inner_text("main")
    assert "the clinical team at Rumi Aesthetics" in text
    assert "Rumi Aesthetics's" not in page.content()


def test_an_unanswered_question_says_select_if(new_page):
    page = new_page()
    page.goto("/intake/")
    submit(page)
    pages = pages_with({})
    for step in ("about_you", "visit"):
        answer(page, pages[step])
    assert step_of(page) == "pregnancy"
    answer(page, {"breastfeeding": "no"})
    summary = focus_lands_on(page, "[data-error-summary]")
    assert "Select if you are pregnant or could be" in summary["text"]
    assert "Select yes, no" not in page.inner_text("main")
    check_page(page, "us-english-error")


def test_you_last_took_ibuprofen_or_fish_oil_on_the_outcome_page(new_page):
    # Someone of her own: the live server's other patients are linked by name and birth date.
    someone = {**ABOUT_YOU, "last_name": "Whitfield", "email": "whitfield@example.com"}
    pages = pages_with(
        {
            "about_you": someone,
            "visit": {"appointment_date": "2026-12-03"},
            "medicines": {
                "bleeding_risk_substances": ["ibuprofen", "fish_oil"],
                "bleeding_risk_last_dose": "2026-11-30",
            },
        }
    )
    page = new_page()
    complete(page, pages)
    text = page.inner_text("main")
    assert "You last took ibuprofen or fish oil on " in text
    assert "less than 7 days before your appointment" in text
    assert "(s)" not in text and "Ibuprofen" not in text
    check_page(page, "us-english-outcome")
