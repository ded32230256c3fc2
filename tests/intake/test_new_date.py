"""After a reschedule (issue 18, point 6): the outcome page offers the first date the rules allow
on which the clinic is open, the instructions for it, and a form to ask for a new date that is
stored, audited, emailed to the clinic and shown in the nurse's queue."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from screening.extensions import db
from screening.models import AuditEvent, NewDateRequest, OutboxMessage, Screening
from tests.intake.patient import Patient, csrf_token
from tests.intake.test_walkthrough import visible_text
from tests.staff.helpers import post_decision, signed_in

# Today is Tuesday 1 December 2026. Ibuprofen last taken on Sunday 29 November: the rules allow
# Sunday 6 December at the earliest; the clinic opens Monday to Saturday.
SUNDAY_EARLIEST = {
    "visit": {"appointment_date": "2026-12-05"},
    "medicines": {
        "bleeding_risk_substances": ["ibuprofen"],
        "bleeding_risk_last_dose": "2026-11-29",
    },
}
COLD_SORE = {"feeling": {"cold_sore": "yes"}}
PREFERRED = "Weekday mornings, or Saturday after 2 pm"


def reschedule(client, **overrides) -> str:
    """Complete a questionnaire that ends in a reschedule; the outcome page's path."""
    response = Patient(client).complete(**(overrides or SUNDAY_EARLIEST))
    assert response.status_code == 303
    return response.location


def ask(client, outcome: str, **fields):
    """Send the page's "Ask for a new date" form with ``fields``."""
    page = client.get(outcome)
    data = {"csrf_token": csrf_token(page.text), **fields}
    return client.post(f"{outcome}/new-date", data=data)


def stored(app, model) -> list:
    with app.app_context():
        rows = db.session.scalars(select(model).order_by(model.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


# --- the Why: "A reschedule stops short" -------------------------------------------------------


def test_the_earliest_date_offered_is_never_a_day_the_clinic_is_closed(client, app):
    """The Why: "the earliest date offered can be a Sunday whatever the clinic's opening
    days"."""
    text = visible_text(client.get(reschedule(client)).text)

    # The finding still says what the rules allow; the date offered is the next open day.
    assert "The earliest date we could see you is Monday, December 7, 2026" in text
    assert "we could see you is Sunday" not in text
    # Display only: what the rules said is stored and exported as it was.
    (screening,) = stored(app, Screening)
    assert screening.earliest_date == date(2026, 12, 6)


def test_closed_dates_move_the_date_offered_on(make_app):
    app = make_app(CLINIC_CLOSED_DATES=("2026-12-07", "2026-12-08"))
    client = app.test_client()

    text = visible_text(client.get(reschedule(client)).text)

    assert "The earliest date we could see you is Wednesday, December 9, 2026" in text


def test_the_reschedule_page_gives_the_instructions_for_the_date_offered(client):
    """The Why: "no instructions for the new date"."""
    text = visible_text(client.get(reschedule(client)).text)

    assert "If you book Monday, December 7, 2026: before that appointment" in text
    assert "until your appointment on Monday, December 7, 2026" in text
    assert "without makeup" in text
    # Never dated in the past (lifecycle invariant 9): from now, not from 30 November.
    assert "30 November" not in text


def test_the_reschedule_page_has_a_way_to_ask_for_a_new_date(client):
    """The Why: "no way to ask for one"."""
    page = client.get(reschedule(client))

    assert "Ask for a new date" in visible_text(page.text)
    form = re.search(r'<form method="post" action="(/intake/result/[\w-]+/new-date)"', page.text)
    assert form
    # Prefilled from the screening; the patient picks one way.
    assert 'value="909 555 0100"' in page.text
    assert 'value="ana@example.com"' in page.text
    assert 'name="contact_by" value="phone"' in page.text
    assert "checked" not in page.text.split('name="contact_by"')[1].split(">")[0]


def test_a_recheck_only_offers_no_date_but_the_form(client):
    text = visible_text(client.get(reschedule(client, **COLD_SORE)).text)

    assert "earliest" not in text.lower()
    assert "If you book" not in text
    assert "Ask for a new date" in text


def test_no_offer_while_a_finding_only_a_new_questionnaire_ends_is_open(client):
    text = visible_text(client.get(reschedule(client, pregnancy={"pregnant": "yes"})).text)

    assert "Ask for a new date" not in text
    assert "If you book" not in text


# --- asking ------------------------------------------------------------------------------------


def test_a_request_is_stored_audited_and_confirmed(client, app):
    outcome = reschedule(client)

    response = ask(
        client,
        outcome,
        preferred_times=PREFERRED,
        contact_by="phone",
        phone="909 555 0199",
        email="ana@example.com",
    )

    assert (response.status_code, response.location) == (303, outcome)
    page = client.get(outcome)
    assert "We will call you to agree a new date" in visible_text(page.text)
    assert "We have your request for a new date" in visible_text(page.text)
    (screening,) = stored(app, Screening)
    (request,) = stored(app, NewDateRequest)
    assert (request.screening_id, request.preferred_times) == (screening.id, PREFERRED)
    assert (request.contact_by, request.contact, request.done_at) == ("phone", "909 555 0199", None)
    (row,) = [e for e in stored(app, AuditEvent) if e.action == "new_date_asked"]
    assert (row.object_type, row.object_id, row.staff_id) == ("screening", str(screening.id), None)
    # No PHI in the trail: neither what was typed nor the number.
    assert row.detail == f"request #{request.id}, to be reached by phone"


def test_a_second_request_adds_to_the_first(client, app):
    outcome = reschedule(client)
    fields = {"contact_by": "email", "phone": "909 555 0100", "email": "ana@example.com"}
    ask(client, outcome, preferred_times="Mondays", **fields)
    ask(client, outcome, preferred_times="Any Friday", **fields)

    requests = stored(app, NewDateRequest)
    assert [(r.preferred_times, r.contact) for r in requests] == [
        ("Mondays", "ana@example.com"),
        ("Any Friday", "ana@example.com"),
    ]


def test_the_clinic_is_emailed_through_the_outbox_with_no_answers(make_app, mail):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.port, CLINIC_EMAIL="desk@clinic.example")
    client = app.test_client()
    outcome = reschedule(client)

    ask(
        client,
        outcome,
        preferred_times=PREFERRED,
        contact_by="email",
        phone="",
        email="ana.new@example.com",
    )

    (screening,) = stored(app, Screening)
    (message,) = [m for m in stored(app, OutboxMessage) if m.kind == "new_date_asked"]
    assert message.recipient == "desk@clinic.example"
    assert message.screening_id == screening.id
    assert f"/staff/screenings/{screening.id}" in message.body
    for private in ("Ana", "Lopez", "ibuprofen", "Ibuprofen", PREFERRED, "ana.new@", "909"):
        assert private not in message.subject + message.body, private


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        (
            {"preferred_times": "", "contact_by": "phone", "phone": "909 555 0100"},
            "preferred_times",
            "Enter the dates and times that suit you",
        ),
        (
            {"preferred_times": "x" * 501, "contact_by": "phone", "phone": "909 555 0100"},
            "preferred_times",
            "Dates and times must be 500 characters or fewer",
        ),
        (
            {"preferred_times": PREFERRED, "phone": "909 555 0100"},
            "contact_by",
            "Choose how we should contact you",
        ),
        (
            {"preferred_times": PREFERRED, "contact_by": "fax", "phone": "909 555 0100"},
            "contact_by",
            "Choose how we should contact you",
        ),
        (
            {"preferred_times": PREFERRED, "contact_by": "phone", "phone": "call me"},
            "phone",
            "Enter a phone number, like 909 218 3993",
        ),
        (
            {"preferred_times": PREFERRED, "contact_by": "email", "email": ""},
            "email",
            "Enter your email address",
        ),
        (
            {"preferred_times": PREFERRED, "contact_by": "email", "email": "ana@"},
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ),
    ],
)
def test_bad_input_names_the_field_and_keeps_what_was_typed(client, app, fields, field_id, message):
    outcome = reschedule(client)

    response = ask(client, outcome, **fields)

    assert response.status_code == 400
    summary = re.search(r'class="error-summary".*?</div>', response.text, re.S).group(0)
    assert f'href="#{field_id}"' in summary
    assert message in summary
    assert f'id="{field_id}-error"' in response.text
    for name, value in fields.items():
        if name in ("phone", "email") and value:
            assert f'value="{value}"' in response.text
    if fields.get("preferred_times"):
        assert fields["preferred_times"] in response.text
    assert stored(app, NewDateRequest) == []


def test_a_request_sent_after_its_page_timed_out_keeps_what_was_typed(client, app):
    outcome = reschedule(client)

    response = client.post(
        f"{outcome}/new-date",
        data={"csrf_token": "stale", "preferred_times": PREFERRED, "contact_by": "email"},
    )

    assert response.status_code == 400
    assert 'href="#new-date-submit"' in response.text
    assert "This page timed out before it was sent" in response.text
    assert PREFERRED in response.text
    assert 'value="email" checked' in response.text
    assert stored(app, NewDateRequest) == []


def test_refused_once_the_page_no_longer_offers_it(client, app):
    outcome = reschedule(client)
    page = client.get(outcome)
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    (screening,) = stored(app, Screening)
    moved = post_decision(
        nurse,
        screening.id,
        "/move",
        {"new_date": "12/07/2026", "new_time": "", "reason": "Called the patient"},
    )
    assert moved.status_code == 303

    response = client.post(
        f"{outcome}/new-date",
        data={
            "csrf_token": csrf_token(page.text),
            "preferred_times": PREFERRED,
            "contact_by": "phone",
            "phone": "909 555 0100",
        },
    )

    assert (response.status_code, response.location) == (303, outcome)
    assert "Your request was not sent" in visible_text(client.get(outcome).text)
    assert stored(app, NewDateRequest) == []


def test_requests_are_limited_per_link(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    outcome = reschedule(client)
    fields = {"preferred_times": "Mondays", "contact_by": "phone", "phone": "909 555 0100"}

    answered = [ask(client, outcome, **fields).status_code for _ in range(6)]

    assert answered == [303] * 5 + [429]
    assert len(stored(app, NewDateRequest)) == 5


# --- the nurse's queue -------------------------------------------------------------------------


def test_the_request_lands_in_the_queue_and_can_be_marked_done(client, app):
    outcome = reschedule(client)
    ask(client, outcome, preferred_times=PREFERRED, contact_by="phone", phone="909 555 0199")
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    (screening,) = stored(app, Screening)

    queue = nurse.get("/staff/")
    row = re.search(
        rf"<tr>\s*<td>[^<]*</td>\s*<td><a href=\"/staff/screenings/{screening.id}\".*?</tr>",
        queue.text,
        re.S,
    )
    assert "New date asked for" in row.group(0)
    page = nurse.get(f"/staff/screenings/{screening.id}")
    shown = visible_text(page.text)
    assert "New date asked for" in shown
    assert PREFERRED in shown
    assert "Phone: 909 555 0199" in shown
    assert "2026-12-01 12:00 PST" in shown  # when asked, in the clinic's time

    done = nurse.post(
        f"/staff/screenings/{screening.id}/new-date-done",
        data={"csrf_token": csrf_token(page.text)},
    )

    assert done.status_code == 303
    assert "New date asked for" not in nurse.get("/staff/").text
    (request,) = stored(app, NewDateRequest)
    assert request.done_at is not None and request.done_by_id is not None
    (row,) = [e for e in stored(app, AuditEvent) if e.action == "new_date_done"]
    assert (row.object_id, row.detail) == (str(screening.id), f"requests #{request.id} done")
