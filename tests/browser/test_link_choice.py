"""A patient answering a questionnaire opens the link of another: the page asking which one to
answer passes every page's checks, with JavaScript and without, and each button does what it
says."""

from __future__ import annotations

import pytest

from tests.browser.checks import check_page
from tests.browser.patient import answer, pages_with, step_of, submit

pytestmark = pytest.mark.browser

ANSWERING = "You are already answering a questionnaire"


def started(page, first_name: str) -> str:
    """Start a questionnaire on ``page`` and answer its first page; returns its link."""
    page.goto("/intake/")
    submit(page)
    answer(page, {**pages_with({})["about_you"], "first_name": first_name})
    assert step_of(page) == "visit"
    submit(page, "button:has-text('Finish later')")
    link = page.get_attribute(".resume__link a", "href")
    submit(page, "a:has-text('Back to your answers')")
    assert step_of(page) == "visit"
    return link


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_link_to_another_questionnaire_asks_which_one_to_answer(new_page, javascript):
    other = started(new_page(), "Ben")
    page = new_page(java_script_enabled=javascript)
    started(page, "Ana")

    page.goto(other)
    assert page.locator("h1").inner_text() == ANSWERING
    check_page(page, "link-choice" if javascript else None)
    with page.expect_navigation():
        page.click("button:has-text('Continue the questionnaire you were answering')")
    assert step_of(page) == "visit"
    page.goto("/intake/about_you")
    assert page.input_value('[name="first_name"]') == "Ana"

    page.goto(other)
    with page.expect_navigation():
        page.click("button:has-text('Open the one from this link')")
    assert step_of(page) == "visit"
    page.goto("/intake/about_you")
    assert page.input_value('[name="first_name"]') == "Ben"
