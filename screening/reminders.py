"""Reminders timed to the rules' windows, sent by ``flask --app screening reminders send``.

Eight days before the appointment: which bleeding-risk substances to stop, from which date.
The day before: no alcohol or caffeine in the 24 hours before, and no make-up. Each reminder is
recorded before it is sent, under a unique key, so none goes out twice; visits waiting to be
rescheduled, or not going ahead, get none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from rules.dates import format_date

from . import mailer
from .clock import utcnow
from .extensions import db
from .models import ReminderSent, Screening, Status

STOP_SUBSTANCES = "stop_substances"
DAY_BEFORE = "day_before"
DAYS_AHEAD = {STOP_SUBSTANCES: 8, DAY_BEFORE: 1}
# The seed's list, in full: the message names no substance the patient reported taking.
SUBSTANCES = (
    "aspirin, ibuprofen, naproxen, fish oil, vitamin E, ginkgo biloba, ginseng, garlic "
    "supplements, St John's wort and kava kava"
)
NOT_GOING_AHEAD = (Status.RESCHEDULE, Status.NOT_ELIGIBLE)


@dataclass(frozen=True)
class Reminder:
    """One message to one patient."""

    screening_id: int
    kind: str
    to: str
    subject: str
    body: str


def due_reminders(today: date) -> list[Reminder]:
    """The reminders whose day is ``today`` and which have not been sent."""
    due = []
    for kind, days in DAYS_AHEAD.items():
        appointment = today + timedelta(days=days)
        already = select(ReminderSent.screening_id).where(
            ReminderSent.kind == kind, ReminderSent.appointment_date == appointment
        )
        screenings = db.session.scalars(
            select(Screening).where(
                Screening.appointment_date == appointment,
                Screening.status.not_in(NOT_GOING_AHEAD),
                Screening.email != "",
                Screening.id.not_in(already),
            )
        )
        due.extend(_message(screening, kind) for screening in screenings)
    return due


def _message(screening: Screening, kind: str) -> Reminder:
    clinic = current_app.config["CLINIC_NAME"]
    phone = current_app.config["CLINIC_PHONE"]
    day = format_date(screening.appointment_date)
    at = f" at {screening.appointment_time:%H:%M}" if screening.appointment_time else ""
    if kind == STOP_SUBSTANCES:
        stop_from = format_date(screening.appointment_date - timedelta(days=7))
        body = (
            f"Hello {screening.first_name},\n\nYour appointment at {clinic} is on {day}{at}.\n\n"
            f"From {stop_from}, please do not take {SUBSTANCES}. If a doctor prescribed one of "
            "them, or another blood thinner, keep taking it unless your prescriber tells you "
            "otherwise.\n\n"
        )
    else:
        since = f"{screening.appointment_time:%H:%M} today" if at else "24 hours before it"
        body = (
            f"Hello {screening.first_name},\n\nYour appointment at {clinic} is tomorrow, "
            f"{day}{at}.\n\nPlease have no alcohol and no caffeine from {since}, and come "
            "without make-up if you can.\n\n"
        )
    body += f"If you feel unwell, or need to change the appointment, call us on {phone}.\n"
    return Reminder(
        screening.id, kind, screening.email, f"Your appointment at {clinic} on {day}", body
    )


def send_due_reminders(today: date) -> tuple[int, int]:
    """Send today's reminders; returns (sent, failed). Needs SMTP settings."""
    sent = failed = 0
    for reminder in due_reminders(today):
        screening = db.session.get(Screening, reminder.screening_id)
        db.session.add(
            ReminderSent(
                screening_id=reminder.screening_id,
                kind=reminder.kind,
                appointment_date=screening.appointment_date,
                sent_at=utcnow(),
            )
        )
        try:
            db.session.flush()  # another run got there first: the key says so
        except IntegrityError:
            db.session.rollback()
            continue
        try:
            mailer.send_mail(reminder.to, reminder.subject, reminder.body)
        except OSError:
            db.session.rollback()  # not recorded, so the next run tries again
            failed += 1
            current_app.logger.warning("Reminder for screening %s not sent", reminder.screening_id)
            continue
        db.session.commit()
        sent += 1
    return sent, failed
