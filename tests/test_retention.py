"""Nothing kept past its time (issue 15): ``flask purge`` deletes unsubmitted drafts once their
link expired and their lifetime after the last change passed, ends patients' outcome links 30
days after the appointment (the pages refuse them from that day), deletes old finished emails,
never touches a medical record, and writes one audit row a run."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from screening.extensions import db
from screening.models import (
    AuditEvent,
    Decision,
    Draft,
    Invitation,
    Note,
    OutboxMessage,
    Screening,
)
from tests.intake.patient import Patient, accept_invitation, csrf_token
from tests.mail_sink import send_outbox
from tests.staff.helpers import post_decision, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")

CLINIC = ZoneInfo("America/Los_Angeles")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def on(clock, day: date) -> None:
    clock.now = datetime.combine(day, time(12), CLINIC).astimezone(UTC)


def purge(app) -> str:
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    return result.output


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_abandoned_draft_and_its_answers_are_deleted_after_its_time(app, clock):
    patient = Patient(app.test_client())
    patient.start()
    patient.answer_all()  # every answer saved, never sent
    finished = Patient(app.test_client())
    assert finished.complete().status_code == 303
    assert count(app, Draft) == 2

    on(clock, date(2026, 12, 7))  # six days after its last change: it may still be resumed
    assert "Deleted 0 unsubmitted drafts" in purge(app)
    on(clock, date(2026, 12, 8))
    output = purge(app)

    assert "Deleted 1 unsubmitted drafts" in output
    assert count(app, Draft) == 1  # the submitted one stays: it is the patient's link
    assert count(app, Screening) == 1
    with app.app_context():
        row = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (row.action, row.detail) == ("purge", "drafts 1, links 0, emails 0")


def test_an_invited_draft_goes_and_the_invitation_stays(app, clock):
    result = app.test_cli_runner().invoke(
        args=[
            "invite",
            "create",
            "--first-name",
            "Ida",
            "--last-name",
            "Vance",
            "--email",
            "ida@example.com",
            "--treatment",
            "pdo_smooth_threads",
            "--date",
            "2026-12-10",
            "--time",
            "10:00",
        ]  # fmt: skip
    )
    link = result.output.strip().splitlines()[0]
    client = app.test_client()
    assert accept_invitation(client, link.split("clinic.test", 1)[-1]).status_code == 303
    on(clock, date(2026, 12, 20))
    purge(app)
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        assert invitation.draft_id is None
    assert count(app, Draft) == 0


def test_an_outcome_link_stops_working_thirty_days_after_the_appointment(app, clock):
    sid, url, patient = submit_screening(app, health={"neuromuscular_disorder": "yes"})
    on(clock, date(2027, 1, 8))  # 29 days after the appointment of 10 December
    page = patient.get(url)
    assert page.status_code == 200
    on(clock, date(2027, 1, 9))

    ended = patient.get(url)
    assert ended.status_code == 410
    assert "This link no longer works" in ended.text
    upload = patient.post(
        f"{url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "n.pdf")},
    )
    assert upload.status_code == 410
    assert count(app, Note) == 0

    output = purge(app)
    assert "ended 1 outcome links" in output
    assert patient.get(url).status_code == 404  # no copy of the link opens anything now
    on(clock, date(2027, 1, 10))
    assert "ended 0 outcome links" in purge(app)
    # The record stays, for staff.
    nurse = signed_in(app, "nurse@example.com", "nurse")
    assert nurse.get(f"/staff/screenings/{sid}").status_code == 200


def test_old_finished_emails_go_and_records_are_never_touched(mail_app, mail, clock):
    sid, _, _ = submit_screening(mail_app)
    nurse = signed_in(mail_app, "nurse@example.com", "nurse")
    post_decision(nurse, sid, "/move", {"new_date": "2026-12-12", "reason": "Asked"})
    send_outbox(mail_app)
    assert count(mail_app, OutboxMessage) == 1
    before = {model: count(mail_app, model) for model in (Screening, Decision, AuditEvent)}

    on(clock, date(2027, 3, 2))  # 90 days after the email went
    output = purge(mail_app)

    assert "and 1 old emails" in output
    assert count(mail_app, OutboxMessage) == 0
    assert count(mail_app, Screening) == before[Screening]
    assert count(mail_app, Decision) == before[Decision]
    assert count(mail_app, AuditEvent) == before[AuditEvent] + 1  # its own row
    assert "Kept every screening: 0 are older than the retention period" in output
