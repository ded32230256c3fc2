"""Today is the clinic's today in every entry point (lifecycle invariant 11), checked at 23:30
and at 00:30 clinic time: the late evening, when the server's UTC date is already tomorrow, and
just after midnight, when yesterday has become the past.

The rules' own command line is checked in ``tests/rules/test_cli_clinic_today.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from rules.dates import format_date
from screening.extensions import db
from screening.models import ReminderSent, Screening
from tests.contract import no_answers
from tests.intake.patient import Patient, csrf_token
from tests.mail_sink import send_outbox
from tests.staff.helpers import post_decision, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")

CLINIC = ZoneInfo("America/Los_Angeles")
# The clinic's wall clock, and the clinic's date then.
MOMENTS = {
    "23:30": (datetime(2026, 12, 1, 23, 30, tzinfo=CLINIC), date(2026, 12, 1)),
    "00:30": (datetime(2026, 12, 2, 0, 30, tzinfo=CLINIC), date(2026, 12, 2)),
}


@pytest.fixture(params=sorted(MOMENTS))
def moment(request, clock):
    """Set the clock to the moment; returns the clinic's date then."""
    at, today = MOMENTS[request.param]
    clock.now = at.astimezone(UTC)
    return today


def submitted(app, appointment: date, **pages) -> tuple[int, str]:
    """A screening sent through the patient's pages now; returns its id and result URL."""
    visit = {"appointment_date": appointment.isoformat(), **pages.pop("visit", {})}
    screening_id, url, _ = submit_screening(app, visit=visit, **pages)
    return screening_id, url


def test_the_questionnaire_takes_an_appointment_today_and_refuses_yesterday(app, moment):
    patient = Patient(app.test_client())
    assert patient.complete(visit={"appointment_date": moment.isoformat()}).status_code == 303

    late = Patient(app.test_client())
    late.start()
    refused = late.answer(
        "visit",
        {
            "treatment": "pdo_smooth_threads",
            "appointment_date": (moment - timedelta(days=1)).isoformat(),
            "treatment_areas": ["neck"],
        },
    )
    assert refused.status_code == 200  # the page again, with its error, not the next page
    assert "Appointment date must be today or in the future" in refused.text


@pytest.mark.parametrize("today_field", ["null", "missing"])
def test_the_api_takes_the_clinics_today(app, moment, today_field):
    client = app.test_client()
    document = {"treatment": "pdo_smooth_threads", "answers": no_answers()}
    if today_field == "null":
        document["today"] = None
    accepted = client.post("/api/v1/evaluate", json={**document, "appointment_date": str(moment)})
    assert accepted.status_code == 200, accepted.text
    yesterday = str(moment - timedelta(days=1))
    refused = client.post("/api/v1/evaluate", json={**document, "appointment_date": yesterday})
    assert refused.status_code == 422
    assert "appointment_date" in refused.json["errors"]


def test_check_in_opens_on_the_clinics_appointment_day(app, clock, moment):
    today_id, _ = submitted(app, moment)
    tomorrow_id, _ = submitted(app, moment + timedelta(days=1))
    nurse = signed_in(app, "nurse@example.com", "nurse")
    answers = {
        **dict.fromkeys(("feeling_unwell", "cold_sore", "blemish_or_rash"), "no"),
        **dict.fromkeys(("pregnant", "breastfeeding"), "no"),
        "bleeding_risk_substances": ["none"],
    }

    assert "Day-of check-in" in nurse.get(f"/staff/screenings/{today_id}").text
    assert post_decision(nurse, today_id, "/check-in", answers).status_code == 303
    assert "Day-of check-in" not in nurse.get(f"/staff/screenings/{tomorrow_id}").text
    assert post_decision(nurse, tomorrow_id, "/check-in", answers).status_code == 403


def test_a_move_to_the_clinics_today_is_taken_and_to_yesterday_refused(app, moment):
    screening_id, _ = submitted(app, moment + timedelta(days=5))
    nurse = signed_in(app, "nurse@example.com", "nurse")
    move = {"new_time": "18:00", "reason": "Earlier slot"}

    yesterday = (moment - timedelta(days=1)).isoformat()
    refused = post_decision(nurse, screening_id, "/move", {**move, "new_date": yesterday})
    assert refused.status_code == 400
    assert "The new appointment date is in the past" in refused.text
    taken = post_decision(nurse, screening_id, "/move", {**move, "new_date": moment.isoformat()})
    assert taken.status_code == 303
    with app.app_context():
        assert db.session.get(Screening, screening_id).appointment_date == moment


def test_reminders_go_to_the_clinics_tomorrow(make_app, mail, clock, moment):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.port)
    at = clock.now
    clock.now = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # screened the day before
    ids = {days: submitted(app, moment + timedelta(days=days))[0] for days in (1, 2)}
    clock.now = at

    result = app.test_cli_runner().invoke(args=["reminders", "send"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        day_before = db.session.scalars(
            select(ReminderSent.screening_id).where(ReminderSent.kind == "day_before")
        ).all()
    assert day_before == [ids[1]]
    send_outbox(app)  # the reminder was queued: the outbox sender sends it
    [received] = mail.texts()
    assert f"tomorrow, {format_date(moment + timedelta(days=1))}" in received


def test_an_invitation_takes_an_appointment_later_today(app, moment):
    result = app.test_cli_runner().invoke(
        args=[
            "invite",
            "create",
            "--first-name",
            "Ana",
            "--last-name",
            "Ruiz",
            "--email",
            "ana@example.com",
            "--treatment",
            "pdo_smooth_threads",
            "--date",
            moment.isoformat(),
            "--time",
            "23:59",
        ]  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    refused = app.test_cli_runner().invoke(
        args=[
            "invite",
            "create",
            "--first-name",
            "Ana",
            "--last-name",
            "Ruiz",
            "--email",
            "ana@example.com",
            "--treatment",
            "pdo_smooth_threads",
            "--date",
            (moment - timedelta(days=1)).isoformat(),
            "--time",
            "23:59",
        ]  # fmt: skip
    )
    assert refused.exit_code == 1


def test_staff_read_times_in_the_clinics_zone_and_today_is_the_clinics(app, clock, moment):
    screening_id, _ = submitted(app, moment)
    nurse = signed_in(app, "nurse@example.com", "nurse")

    page = nurse.get(f"/staff/screenings/{screening_id}").text
    signed = clock.now.astimezone(CLINIC)
    assert f"{signed:%Y-%m-%d %H:%M:%S} PST" in page
    today_page = nurse.get("/staff/today").text
    assert f"/staff/screenings/{screening_id}" in today_page
    assert moment.strftime("%B %-d, %Y") in today_page


def test_the_patients_recheck_opens_on_the_clinics_date(app, clock, moment):
    # Moved to four days after the moment's date: the re-check opens the day after it.
    at = clock.now
    clock.now = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    screening_id, url = submitted(app, date(2026, 12, 3), feeling={"cold_sore": "yes"})
    nurse = signed_in(app, "nurse@example.com", "nurse")
    new_date = moment + timedelta(days=4)
    moved = post_decision(
        nurse, screening_id, "/move", {"new_date": new_date.isoformat(), "reason": "Rebooked"}
    )
    assert moved.status_code == 303
    patient = app.test_client()

    clock.now = at  # the day before it opens
    assert "/recheck" not in patient.get(url).text
    clock.now = datetime.combine(moment + timedelta(days=1), time(0, 30), CLINIC).astimezone(UTC)
    page = patient.get(f"{url}/recheck")
    assert page.status_code == 200
    sent = patient.post(
        f"{url}/recheck",
        data={
            "csrf_token": csrf_token(page.text),
            "row_version": _row_version(page.text),
            "feeling_unwell": "no",
            "cold_sore": "no",
            "blemish_or_rash": "no",
        },
    )
    assert sent.status_code == 303
    with app.app_context():
        assert db.session.get(Screening, screening_id).status == "cleared"


def _row_version(html: str) -> str:
    return html.split('name="row_version" value="', 1)[1].split('"', 1)[0]


def test_the_audit_trail_filters_by_the_clinics_days(app, moment):
    nurse = signed_in(app, "nurse@example.com", "nurse")  # a sign-in now, on the clinic's day
    assert nurse.get("/staff/").status_code == 200
    manager = signed_in(app, "manager@example.com", "manager")

    day = moment.isoformat()
    page = manager.get(f"/staff/records/audit?date_from={day}&date_to={day}&action=login")

    assert page.status_code == 200
    assert page.text.count("<td>login</td>") == 2, page.text[-3000:]
