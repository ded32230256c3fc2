"""Leaving a page loses nothing: "Finish later" and the language switch are buttons of the
page's own form (no JavaScript needed), so what is on the page is saved on the way; the answers
that are not valid yet are shown again as they were typed, never read as answers. "Finish later"
says in one sentence what the link is, and offers it to open, to copy and to email.

Regressions (issue 18): switching to Español lost what was typed on the page; "Finish later"
showed a long raw link with no way to copy it, did not save the current page, and offered
nothing else without email."""

from __future__ import annotations

import re

from sqlalchemy import select

from screening.extensions import db
from screening.models import Draft
from tests.intake.patient import ABOUT_YOU, PAGES, Patient, as_typed, csrf_token

# A date of birth typed halfway: its year has 3 numbers of 4.
HALF_TYPED_BIRTH = {
    "date_of_birth-month": "3",
    "date_of_birth-day": "27",
    "date_of_birth-year": "199",
}
TYPED = {
    **{name: value for name, value in ABOUT_YOU.items() if name != "date_of_birth"},
    "first_name": "Ana María",
    **HALF_TYPED_BIRTH,
}


def box_value(page: str, box: str) -> str:
    """The value shown in one box of a date of birth."""
    return re.search(rf'name="date_of_birth-{box}"[^>]*\bvalue="([^"]*)"', page).group(1)


def leave(client, step: str, answers: dict, how: str):
    """Fill ``step`` with ``answers`` and press one of its buttons other than Continue."""
    page = client.get(f"/intake/{step}")
    data = {"csrf_token": csrf_token(page.text), "return_to": "", "leave": how}
    data.update(as_typed(page.text, answers))
    return client.post(f"/intake/{step}", data=data)


def draft_data(app) -> dict:
    with app.app_context():
        return db.session.scalars(select(Draft.data)).one()


def test_switching_language_keeps_what_was_typed_on_the_page(app, client):
    Patient(client).start()

    switched = leave(client, "about_you", TYPED, "language:es")

    assert switched.status_code == 303
    assert switched.location == "/intake/about_you"
    page = client.get(switched.location).text
    assert '<html lang="es">' in page
    assert 'value="Ana María"' in page and 'value="ana@example.com"' in page
    # Not a valid date yet: shown again as typed, with no error until Continue is pressed.
    assert [box_value(page, box) for box in ("day", "month", "year")] == ["27", "3", "199"]
    assert "error-summary" not in page
    data = draft_data(app)
    assert data["first_name"] == "Ana María"
    assert "date_of_birth" not in data  # never read as an answer


def test_finish_later_saves_the_page_then_gives_the_link(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", ABOUT_YOU)
    half = {"treatment": "pdo_smooth_threads", "appointment_date": "2026-12-10"}

    later = leave(client, "visit", half, "later")

    assert later.location == "/intake/later?back=visit"
    page = client.get(later.location).text
    # Seven days after the questionnaire was started (the test clock: 1 December 2026).
    assert "This link opens them on any device until Tuesday, December 8, 2026" in page
    assert "anyone who has it can see your answers" in page
    link = re.search(r'<a id="resume-link" href="([^"]+)"', page).group(1)
    assert 'data-copy="resume-link"' in page and " hidden>Copy the link</button>" in page
    assert 'href="/intake/visit">Back to your answers</a>' in page
    assert draft_data(app)["treatment"] == "pdo_smooth_threads"

    # On another device the link opens the questionnaire with the page as it was left.
    other = app.test_client()
    assert other.get(link).status_code == 303
    visit = other.get("/intake/visit").text
    assert 'value="pdo_smooth_threads" checked' in visit
    assert 'value="2026-12-10"' in visit


def test_finish_later_offers_email_when_the_clinic_sends_mail(mail_app):
    client = mail_app.test_client()
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", ABOUT_YOU)
    page = client.get(leave(client, "visit", {}, "later").location).text
    assert 'action="/intake/email-link"' in page
    assert 'name="return_to" value="/intake/later?back=visit"' in page


def test_text_kept_from_a_page_left_halfway_goes_once_the_page_is_sent(app, client):
    Patient(client).start()
    leave(client, "about_you", TYPED, "later")
    # The day, month and year, as typed.
    assert draft_data(app)["_typed"] == {"about_you": {"date_of_birth": ["27", "3", "199"]}}

    sent = Patient(client).answer("about_you", ABOUT_YOU)

    assert sent.status_code == 303
    data = draft_data(app)
    assert "_typed" not in data and data["date_of_birth"] == "1990-05-17"
    page = client.get("/intake/about_you").text
    assert [box_value(page, box) for box in ("day", "month", "year")] == ["17", "5", "1990"]


def test_a_question_page_has_one_language_switch_in_its_form(client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    for step in PAGES:
        page = client.get(f"/intake/{step}").text
        assert page.count('name="leave" value="language:es"') == 1, step
        assert "language-switch" not in page, step  # none in the header to lose the page
        form = page.split('id="page-form"', 1)[1].split("</form>", 1)[0]
        assert 'value="language:es"' in form and 'value="later"' in form
        # Continue stays the form's first button: Enter in a field presses it.
        assert form.index('id="main-submit"') < form.index('name="leave"')


def test_a_changed_answer_left_as_invalid_text_is_never_sent_as_the_old_one(app, client):
    """Text kept from a page left halfway stands for its answer: check your answers says it is
    not answered, and the link leads back to its page, not past it to the old answer."""
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    changed = {
        **ABOUT_YOU,
        "date_of_birth-month": "February",
        "date_of_birth-day": "31",
        "date_of_birth-year": "1990",
    }
    del changed["date_of_birth"]
    leave(client, "about_you", changed, "later")
    assert draft_data(app)["date_of_birth"] == "1990-05-17"  # the old answer, still saved

    check = client.get("/intake/check").text
    assert 'href="#row-date_of_birth"' in check
    assert 'id="main-submit"' not in check  # nothing can be sent
    link = re.search(r'<a id="resume-link" href="([^"]+)"', client.get("/intake/later").text)
    assert app.test_client().get(link.group(1)).location == "/intake/about_you"


def test_a_follow_up_of_an_answer_not_valid_yet_is_kept_as_typed_not_as_an_answer(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    medicines = {"bleeding_risk_substances": ["aspirin", "none"], "bleeding_risk_last_dose": "x"}
    leave(client, "medicines", medicines, "later")

    kept = draft_data(app)["_typed"]["medicines"]
    assert kept["bleeding_risk_last_dose"] == ["x"]
    assert draft_data(app).get("bleeding_risk_last_dose") != "x"


def test_finish_later_from_a_change_link_returns_to_the_change(client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    page = client.get("/intake/health?change=1")
    data = {"csrf_token": csrf_token(page.text), "return_to": "check", "leave": "later"}
    later = client.post("/intake/health", data=data)
    assert later.location == "/intake/later?back=health&change=1"
    assert (
        'href="/intake/health?change=1">Back to your answers</a>' in client.get(later.location).text
    )
