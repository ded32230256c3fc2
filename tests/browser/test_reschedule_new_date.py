"""After a reschedule a new date ends (issue 18, point 6): on a phone, in English and in Spanish,
with and without JavaScript, the outcome page offers the first date the clinic is open, the
instructions for it and the "Ask for a new date" form; errors lead to each field; a request
sent is confirmed. axe finds nothing on the page, its error state included."""

from __future__ import annotations

import pytest

from tests.browser.checks import SCREENSHOTS, check_page, focus_lands_on, focused
from tests.browser.patient import answer, pages_with, sign, step_of, submit
from tests.browser.test_staff import sign_in
from tests.intake.patient import ABOUT_YOU, csrf_token
from tests.staff.helpers import make_staff, submit_screening

pytestmark = pytest.mark.browser

# Today is Tuesday 1 December 2026; ibuprofen last taken on Sunday 29 November: the rules allow
# Sunday 6 December, a day the clinic is closed (Monday to Saturday).
SUNDAY_EARLIEST = pages_with(
    {
        "visit": {"appointment_date": "2026-12-05"},
        "medicines": {
            "bleeding_risk_substances": ["ibuprofen"],
            "bleeding_risk_last_dose": "2026-11-29",
        },
    }
)

LANGUAGES = [
    pytest.param(
        "en-US",
        True,
        {
            "offered": "The earliest date we could see you is Monday, December 7, 2026",
            "instructions": "If you book Monday, December 7, 2026: before that appointment",
            "form": "Ask for a new date",
            "sent": "Thank you: we have your request. We will call you to agree a new date.",
        },
        id="english",
    ),
    pytest.param(
        "es-MX",
        False,
        {
            "offered": "lunes 7 de diciembre de 2026",
            "instructions": "Si reserva el lunes 7 de diciembre de 2026: antes de esa cita",
            "form": "Pedir una nueva fecha",
            "sent": "Nos comunicaremos con usted por teléfono para acordar una nueva fecha.",
        },
        id="spanish-no-javascript",
    ),
]


def keep_screenshot(page) -> None:
    """The whole page, in ``screenshots/`` (git-ignored; a test run changes no file of the
    repository: the one in ``docs/screenshots/`` is copied from it by hand)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "reschedule-ask-new-date.png", full_page=True)


def reach_the_outcome(page) -> None:
    page.goto("/intake/")
    submit(page)
    while step_of(page) in SUNDAY_EARLIEST:
        answer(page, SUNDAY_EARLIEST[step_of(page)])
    assert step_of(page) == "check"
    submit(page)
    sign(page)
    assert step_of(page) == "result"


@pytest.mark.parametrize(("locale", "javascript", "words"), LANGUAGES)
def test_the_reschedule_page_offers_a_date_and_asks_for_a_new_one(
    new_page, locale, javascript, words
):
    page = new_page(locale=locale, java_script_enabled=javascript)
    reach_the_outcome(page)

    text = page.inner_text("main")
    assert words["offered"] in text
    assert "Sunday" not in page.inner_text("main p strong")
    assert words["instructions"] in text
    assert page.inner_text("#new-date-title") == words["form"]
    assert page.input_value("#phone") == "909 555 0100"
    assert page.input_value("#email") == "ana@example.com"
    check_page(page)
    if locale == "en-US":
        keep_screenshot(page)

    # Sent empty: the summary leads to each field, and nothing else on the page is lost.
    page.click("#new-date-submit")
    assert page.title().startswith("Error: ")
    if javascript:
        assert focus_lands_on(page, "[data-error-summary]")["matches"]
    links = page.locator(".error-summary__list a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "#preferred_times",
        "#contact_by",
    ]
    check_page(page)
    if javascript:
        links.nth(1).click()
        assert focused(page)["id"] == "contact_by"
    assert page.input_value("#phone") == "909 555 0100"

    page.fill("#preferred_times", "Weekday mornings, or Saturday after 2 pm")
    page.check('input[name="contact_by"][value="phone"]')
    page.click("#new-date-submit")

    assert step_of(page) == "result"
    assert words["sent"] in page.inner_text("main")
    check_page(page)


def test_the_request_is_in_the_queue_and_the_front_desk_marks_it_done(new_page, live_app):
    _, outcome, patient = submit_screening(
        live_app,
        about_you={**ABOUT_YOU, "first_name": "Rita", "last_name": "Newdate"},
        visit=SUNDAY_EARLIEST["visit"],
        medicines=SUNDAY_EARLIEST["medicines"],
    )
    token = csrf_token(patient.get(outcome).text)
    sent = patient.post(
        f"{outcome}/new-date",
        data={
            "csrf_token": token,
            "preferred_times": "Tuesday or Thursday afternoons",
            "contact_by": "email",
            "email": "rita@example.com",
        },
    )
    assert sent.status_code == 303
    make_staff(live_app, "desk@clinic.example", "nurse", name="Dana Desk")
    page = new_page()
    page.goto("/staff/login")
    sign_in(page, "desk@clinic.example")

    row = page.locator("tr", has_text="Newdate, Rita")
    assert "New date asked for" in row.inner_text()
    check_page(page, patient=False)
    submit(page, "a:text('Newdate, Rita')")
    section = page.locator("section[aria-labelledby='new-date-title']")
    assert "Tuesday or Thursday afternoons" in section.inner_text()
    assert "Email: rita@example.com" in section.inner_text()
    check_page(page, patient=False)

    submit(page, "button:has-text('Mark as done')")
    assert "Request for a new date marked as done." in page.inner_text("body")
    assert "Dana Desk" in page.locator("section[aria-labelledby='new-date-title']").inner_text()
    page.goto("/staff/")
    assert "New date asked for" not in page.locator("tr", has_text="Newdate, Rita").inner_text()
