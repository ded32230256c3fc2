"""The whole patient journey with the keyboard alone: with JavaScript, without it, and in
Spanish on a phone, for smooth threads and for dermal fillers (other topics: allergies, recent
treatments). Tab, the arrow keys, Space and Enter only; every focus must show."""

from __future__ import annotations

import pytest

from screening.intake.steps import STEPS_BY_ID
from tests.browser.checks import check_page, focus_lands_on, focused
from tests.browser.patient import (
    answer_by_keyboard,
    field_names,
    press,
    sign_by_keyboard,
    step_of,
    tab_to,
)
from tests.intake.patient import ANSWERS

pytestmark = pytest.mark.browser

SPANISH = {"locale": "es-US", "extra_http_headers": {"Accept-Language": "es-US,es;q=0.9"}}


def keyboard_journey(page, lang: str = "en", treatment: str = "pdo_smooth_threads") -> None:
    """From the start page to the outcome: the skip link, an empty page's errors, then every
    page of ``treatment`` answered and sent with the keyboard. Every page is checked and is in
    ``lang``."""

    def arrived(name: str | None = None) -> None:
        assert page.get_attribute("html", "lang") == lang, page.url
        check_page(page, name)

    page.goto("/intake/")
    arrived()
    tab_to(page, ".skip-link")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_to(page, "#main-submit")
    press(page, "Enter")
    assert step_of(page) == "about_you"

    # Continue with nothing answered: the summary has the focus, and its first link leads to
    # the first field.
    tab_to(page, "#main-submit")
    press(page, "Enter")
    focus_lands_on(page, "[data-error-summary]")
    arrived()
    tab_to(page, 'a[href="#first_name"]')
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "first_name"

    while step_of(page) in STEPS_BY_ID:
        step = step_of(page)
        answers = {name: ANSWERS[name] for name in field_names(page) if name in ANSWERS}
        if step == "visit":
            answers["treatment"] = treatment
        answer_by_keyboard(page, answers)
        if step_of(page) == step:
            raise AssertionError(f"{step} was not accepted: {page.inner_text('.error-summary')}")
        arrived()
    assert step_of(page) == "check"
    tab_to(page, "#main-submit")
    press(page, "Enter")
    assert step_of(page) == "consent"
    arrived()
    sign_by_keyboard(page)
    assert step_of(page) == "result"
    arrived(f"outcome-keyboard-{lang}")


@pytest.mark.parametrize("treatment", ["pdo_smooth_threads", "dermal_filler"])
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_whole_journey_with_the_keyboard_alone(new_page, javascript, treatment):
    page = new_page(java_script_enabled=javascript)

    keyboard_journey(page, treatment=treatment)

    assert page.inner_text("h1") == (
        "You're ready for your appointment on Thursday, December 10, 2026"
    )


def test_in_spanish_on_a_phone_with_the_keyboard_alone(new_page):
    page = new_page(**SPANISH)

    keyboard_journey(page, lang="es")

    assert (
        page.inner_text("h1") == "Todo está listo para su cita del jueves 10 de diciembre de 2026"
    )
