"""Reminders timed to the rules' windows: queued once each by ``flask reminders send``, sent by
the outbox sender (``flask outbox send``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

import rules
from screening.extensions import db
from screening.models import ReminderSent, Screening, Status
from screening.outreach import invitations
from tests.intake.patient import Patient, accept_invitation
from tests.mail_sink import free_port, send_outbox
from tests.staff.helpers import submit_screening

CLINIC = ZoneInfo("America/Los_Angeles")
APPOINTMENT = "Thursday, December 10, 2026"
STOP_FROM = "Thursday, December 3, 2026"
BEN = {"first_name": "Ben", "last_name": "Ng", "email": "ben@example.com"}
HEALTH_WORDS = (
    "pregnan",
    "breastfeed",
    "cold sore",
    "rash",
    "neuromuscular",
    "immunosuppress",
    "anticoagul",
    "1990",
    "date of birth",
    "neck",
    "smile",
    "needs_clearance",
    "awaiting_note",
    "clearance",
)


def on(clock, day: date) -> None:
    """Noon at the clinic on ``day``."""
    clock.now = datetime.combine(day, time(12), CLINIC).astimezone(UTC)


def queue(app):
    """``flask reminders send``: queues the day's reminders in the outbox, sends nothing."""
    return app.test_cli_runner().invoke(args=["reminders", "send"])


def send(app):
    """A day's run as cron does it: the reminders queued, then the outbox sender sends them;
    returns the queuing run's result."""
    result = queue(app)
    assert result.exit_code == 0, result.output
    send_outbox(app)
    return result


def sent_rows(app) -> list[tuple[int, str, date]]:
    with app.app_context():
        return [
            (r.screening_id, r.kind, r.appointment_date)
            for r in db.session.scalars(select(ReminderSent).order_by(ReminderSent.id))
        ]


def status_of(app, screening_id: int) -> str:
    with app.app_context():
        return db.session.get(Screening, screening_id).status


def test_the_stop_reminder_goes_eight_days_before_and_the_other_the_day_before(
    mail_app, mail, clock
):
    ana, _, _ = submit_screening(mail_app)  # 10 December
    ben, _, _ = submit_screening(mail_app, about_you=BEN, visit={"appointment_date": "2026-12-20"})

    result = send(mail_app)  # 1 December: nine days before
    assert result.exit_code == 0, result.output
    assert mail.envelopes == []

    on(clock, date(2026, 12, 2))
    result = queue(mail_app)
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminders" in result.output
    assert mail.envelopes == []  # queued: the outbox sender sends it
    assert "Sent 1," in send_outbox(mail_app).output
    assert [e.rcpt_tos for e in mail.envelopes] == [["ana@example.com"]]
    stop = mail.texts()[0]
    assert APPOINTMENT in stop
    assert f"From {STOP_FROM}" in stop
    assert "Ana" in stop
    assert "aspirin" in stop

    result = send(mail_app)  # again the same day: nothing new
    assert result.exit_code == 0, result.output
    assert "Queued 0 reminders" in result.output
    assert len(mail.envelopes) == 1

    on(clock, date(2026, 12, 3))  # the next day: no second stop reminder
    assert send(mail_app).exit_code == 0
    assert len(mail.envelopes) == 1

    on(clock, date(2026, 12, 9))
    assert send(mail_app).exit_code == 0
    assert [e.rcpt_tos for e in mail.envelopes] == [["ana@example.com"]] * 2
    day_before = mail.texts()[1]
    assert "tomorrow" in day_before
    assert APPOINTMENT in day_before
    assert "alcohol" in day_before
    assert send(mail_app).exit_code == 0
    assert len(mail.envelopes) == 2

    on(clock, date(2026, 12, 10))  # the day itself: nothing
    assert send(mail_app).exit_code == 0
    assert len(mail.envelopes) == 2

    on(clock, date(2026, 12, 12))  # eight days before Ben's appointment
    assert send(mail_app).exit_code == 0
    assert [e.rcpt_tos for e in mail.envelopes][2:] == [["ben@example.com"]]
    assert "Sunday, December 20, 2026" in mail.texts()[2]
    assert "From Sunday, December 13, 2026" in mail.texts()[2]

    assert sent_rows(mail_app) == [
        (ana, "stop_substances", date(2026, 12, 10)),
        (ana, "day_before", date(2026, 12, 10)),
        (ben, "stop_substances", date(2026, 12, 20)),
    ]


def test_reminders_carry_no_health_information(mail_app, mail, clock):
    screening_id, _, _ = submit_screening(
        mail_app,
        visit={"treatment_areas": ["smile_lines", "neck"]},
        medicines={"prescribed_blood_thinner": "yes"},
    )
    assert status_of(mail_app, screening_id) == Status.AWAITING_NOTE
    with mail_app.app_context():
        screening = db.session.get(Screening, screening_id)
        findings = list(screening.findings)
    assert findings, "the screening should have a finding to keep out of the messages"
    ruleset = rules.get_ruleset("pdo_smooth_threads")
    rule_ids = [rule.id for rule in ruleset.rules] + [q.id for q in ruleset.questions]

    on(clock, date(2026, 12, 2))
    assert send(mail_app).exit_code == 0
    on(clock, date(2026, 12, 9))
    assert send(mail_app).exit_code == 0
    texts = mail.texts()
    assert len(texts) == 2
    for text in texts:
        lowered = text.lower()
        for word in HEALTH_WORDS:
            assert word not in lowered, word
        for rule_id in rule_ids:
            assert rule_id not in text, rule_id
        for finding in findings:
            assert finding["patient_text"][:30] not in text
            assert finding["staff_text"][:30] not in text


def test_visits_not_going_ahead_get_no_reminders(mail_app, mail, clock):
    rescheduled, _, _ = submit_screening(mail_app, feeling={"cold_sore": "yes"})
    assert status_of(mail_app, rescheduled) == Status.RESCHEDULE
    not_eligible, _, _ = submit_screening(mail_app, about_you=BEN)
    with mail_app.app_context():
        db.session.get(Screening, not_eligible).status = Status.NOT_ELIGIBLE
        db.session.commit()

    for day in (date(2026, 12, 2), date(2026, 12, 9)):
        on(clock, day)
        result = send(mail_app)
        assert result.exit_code == 0, result.output
    assert mail.envelopes == []
    assert sent_rows(mail_app) == []


def test_a_moved_appointment_gets_reminders_for_the_new_date(mail_app, mail, clock):
    screening_id, _, _ = submit_screening(mail_app)
    on(clock, date(2026, 12, 2))
    assert send(mail_app).exit_code == 0
    assert len(mail.envelopes) == 1

    with mail_app.app_context():
        db.session.get(Screening, screening_id).appointment_date = date(2026, 12, 15)
        db.session.commit()

    on(clock, date(2026, 12, 7))  # eight days before the new date
    assert send(mail_app).exit_code == 0
    assert len(mail.envelopes) == 2
    moved = mail.texts()[1]
    assert "Tuesday, December 15, 2026" in moved
    assert "From Tuesday, December 8, 2026" in moved
    assert APPOINTMENT not in moved

    on(clock, date(2026, 12, 9))  # the day before the old date: nothing
    assert send(mail_app).exit_code == 0
    assert len(mail.envelopes) == 2

    on(clock, date(2026, 12, 14))
    assert send(mail_app).exit_code == 0
    assert len(mail.envelopes) == 3
    assert "tomorrow, Tuesday, December 15, 2026" in mail.texts()[2]
    assert send(mail_app).exit_code == 0
    assert len(mail.envelopes) == 3


def screen_invited(app, first_name: str, last_name: str, email: str, **headers) -> None:
    """An invitation for 10 December at 14:30, answered and signed by the invited patient
    (whose browser sends ``headers``)."""
    with app.app_context():
        _, token = invitations.create_invitation(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone="909 555 0199",
            treatment="pdo_smooth_threads",
            appointment_date="2026-12-10",
            appointment_time="14:30",
        )
    patient = Patient(app.test_client())
    patient.client.environ_base.update(headers)
    assert accept_invitation(patient.client, token).status_code == 303
    patient.answer_all(about_you={"first_name": first_name, "last_name": last_name, "email": email})
    assert patient.sign(f"{first_name} {last_name}").status_code == 303


def test_an_invited_patients_reminder_gives_the_time(mail_app, mail, clock):
    screen_invited(mail_app, "Maya", "Okafor", "maya@example.com")

    on(clock, date(2026, 12, 9))
    assert send(mail_app).exit_code == 0
    assert [e.rcpt_tos for e in mail.envelopes] == [["maya@example.com"]]
    text = mail.texts()[0]
    assert f"{APPOINTMENT} at 14:30" in text
    assert "from 14:30 today" in text


def test_a_patient_who_answered_in_spanish_gets_reminders_in_spanish(mail_app, mail, clock):
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"}
    screen_invited(mail_app, "Lucía", "Ramos", "lucia@example.com", **spanish)
    submit_screening(mail_app)  # Ana, the same appointment, in English

    on(clock, date(2026, 12, 2))
    assert send(mail_app).exit_code == 0
    on(clock, date(2026, 12, 9))
    assert send(mail_app).exit_code == 0
    by_address = {}
    for envelope, text in zip(mail.envelopes, mail.texts(), strict=True):
        by_address.setdefault(envelope.rcpt_tos[0], []).append(text)

    stop, day_before = by_address["lucia@example.com"]
    assert stop.startswith("Su cita en ") and " el jueves 10 de diciembre de 2026\n" in stop
    assert "Hola, Lucía:" in stop
    assert "es el jueves 10 de diciembre de 2026 a las 14:30." in stop
    assert "A partir del jueves 3 de diciembre de 2026, por favor no tome aspirina" in stop
    assert "es mañana, jueves 10 de diciembre de 2026, a las 14:30." in day_before
    assert "a partir de hoy a las 14:30" in day_before
    for text in (stop, day_before):
        assert "appointment" not in text and "Hello" not in text
    # The patient who answered in English still reads English.
    assert all("Your appointment at" in text for text in by_address["ana@example.com"])


def test_without_a_mail_server_the_command_exits_with_a_plain_message(app, clock):
    submit_screening(app)
    on(clock, date(2026, 12, 2))
    result = queue(app)
    assert result.exit_code == 1
    assert "MAIL_SERVER" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert sent_rows(app) == []


def test_when_the_mail_server_is_down_the_outbox_sends_the_reminder_later_and_once(
    make_app, mail, clock
):
    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    screening_id, _, _ = submit_screening(down)
    on(clock, date(2026, 12, 2))
    result = queue(down)
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminders" in result.output
    # Its key is written with the queued message: no later run queues it again.
    assert sent_rows(down) == [(screening_id, "stop_substances", date(2026, 12, 10))]
    tried = send_outbox(down)
    assert "Sent 0" in tried.output
    assert "1 to try again later" in tried.output
    assert "Traceback" not in tried.output
    assert "Queued 0 reminders" in queue(down).output

    up = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.port)
    assert "Sent 0" in send_outbox(up).output  # not before its back-off
    assert mail.envelopes == []
    clock.advance(minutes=1)
    assert "Sent 1," in send_outbox(up).output
    assert [e.rcpt_tos for e in mail.envelopes] == [["ana@example.com"]]
    assert f"From {STOP_FROM}" in mail.texts()[0]
    with up.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 1
    assert send(up).exit_code == 0
    assert len(mail.envelopes) == 1
