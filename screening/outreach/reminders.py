"""Reminders timed to the rules' windows, queued by ``flask --app screening reminders send``.

Eight days before the appointment: which bleeding-risk substances to stop, from which date.
The day before: no alcohol or caffeine in the 24 hours before, and no makeup. Each reminder is
queued in the outbox under a unique key, so none goes out twice; the outbox sends it, and voids
it should the visit be cancelled or moved meanwhile. Reminders tell the truth of the visit as it
stands (lifecycle invariant 8): none for a visit cancelled, waiting to be rescheduled or not
going ahead; a visit still waiting for a note, a nurse or the patient's re-check is told that
something is outstanding (call us), never "see you tomorrow". No reminder names an answer or a
finding. Each is written in the language the patient signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from rules.i18n import DEFAULT_LANGUAGE, LANGUAGES

from ..clock import utcnow
from ..extensions import db
from ..i18n import patient_date
from ..models import ReminderSent, Screening, Status
from . import mailer, outbox

STOP_SUBSTANCES = "stop_substances"
DAY_BEFORE = "day_before"
DAYS_AHEAD = {STOP_SUBSTANCES: 8, DAY_BEFORE: 1}
NOT_GOING_AHEAD = (Status.RESCHEDULE, Status.NOT_ELIGIBLE, Status.CANCELLED)
# Visits that may still go ahead once something is done: their reminders say so.
OUTSTANDING = (
    Status.AWAITING_RECHECK,
    Status.NOTE_TO_VERIFY,
    Status.AWAITING_NOTE,
    Status.NEEDS_REVIEW,
)


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
    """The reminder in the language the patient signed in (English for screenings before
    the choice was recorded)."""
    language = screening.consent_language
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    with force_locale(language):
        subject, body = _worded(screening, kind, language)
    return Reminder(screening.id, kind, screening.email, subject, body)


def _worded(screening: Screening, kind: str, language: str) -> tuple[str, str]:
    names = {
        "name": screening.first_name,
        "clinic": current_app.config["CLINIC_NAME"],
        "day": patient_date(screening.appointment_date, language),
        "time": f"{screening.appointment_time:%H:%M}" if screening.appointment_time else "",
    }
    if screening.status in OUTSTANDING:
        return _outstanding(screening, kind, names, language)
    timed = bool(names["time"])
    if kind == STOP_SUBSTANCES:
        when = (
            gettext("Your appointment at %(clinic)s is on %(day)s at %(time)s.", **names)
            if timed
            else gettext("Your appointment at %(clinic)s is on %(day)s.", **names)
        )
        # The seed's list, in full: the message names no substance the patient reported taking.
        advice = gettext(
            "From %(date)s, please do not take aspirin, ibuprofen, naproxen, fish oil, vitamin E, "
            "ginkgo biloba, ginseng, garlic supplements, St. John's wort and kava kava. If a "
            "doctor prescribed one of them, or another blood thinner, keep taking it unless your "
            "prescriber tells you otherwise.",
            date=patient_date(screening.appointment_date - timedelta(days=7), language),
        )
    else:
        when = (
            gettext("Your appointment at %(clinic)s is tomorrow, %(day)s at %(time)s.", **names)
            if timed
            else gettext("Your appointment at %(clinic)s is tomorrow, %(day)s.", **names)
        )
        advice = (
            gettext(
                "Please have no alcohol and no caffeine from %(time)s today, and come without "
                "makeup if you can.",
                **names,
            )
            if timed
            else gettext(
                "Please have no alcohol and no caffeine from 24 hours before it, and come "
                "without makeup if you can."
            )
        )
    call = gettext(
        "If you feel unwell, or need to change the appointment, call us at %(phone)s.",
        phone=current_app.config["CLINIC_PHONE"],
    )
    greeting = gettext("Hello %(name)s,", **names)
    body = f"{greeting}\n\n{when}\n\n{advice}\n\n{call}\n"
    return gettext("Your appointment at %(clinic)s on %(day)s", **names), body


def _outstanding(
    screening: Screening, kind: str, names: dict[str, str], language: str
) -> tuple[str, str]:
    """A reminder for a visit that can go ahead only once something still outstanding is done:
    it says so, and what to do, without naming what it is."""
    outstanding = gettext(
        "Your appointment at %(clinic)s on %(day)s can go ahead only once something still "
        "outstanding is done. Please call us at %(phone)s so that we can sort it out with you.",
        **names,
        phone=current_app.config["CLINIC_PHONE"],
    )
    parts = [gettext("Hello %(name)s,", **names), outstanding]
    if kind == STOP_SUBSTANCES:
        # The seed's list, in full, so that nothing stands in the way once the rest is done.
        parts.append(
            gettext(
                "So that it can go ahead, from %(date)s please do not take aspirin, ibuprofen, "
                "naproxen, fish oil, vitamin E, ginkgo biloba, ginseng, garlic supplements, St. "
                "John's wort and kava kava. If a doctor prescribed one of them, or another blood "
                "thinner, keep taking it unless your prescriber tells you otherwise.",
                date=patient_date(screening.appointment_date - timedelta(days=7), language),
            )
        )
    body = "\n\n".join(parts) + "\n"
    return gettext("Before your appointment at %(clinic)s on %(day)s", **names), body


def queue_due_reminders(today: date) -> int:
    """Queue today's reminders in the outbox, each recorded under its unique key in the same
    transaction, so none is queued twice; returns how many were queued."""
    queued = 0
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
        outbox.enqueue(
            f"reminder_{reminder.kind}",
            reminder.to,
            reminder.subject,
            reminder.body,
            screening=screening,
            # A reminder is worth nothing once its appointment has begun.
            expires_at=outbox.appointment_start(
                screening.appointment_date, screening.appointment_time
            ),
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another run got there first: the key says so
            continue
        queued += 1
    return queued


def queue_move_notice(screening: Screening) -> None:
    """Tell the patient, through the outbox, the visit's new date and time (in the language
    they signed in), in the transaction of the move; nothing when email is not set up."""
    if not (mailer.mail_enabled() and screening.email):
        return
    language = screening.consent_language if screening.consent_language in LANGUAGES else None
    language = language or DEFAULT_LANGUAGE
    with force_locale(language):
        names = {
            "name": screening.first_name,
            "clinic": current_app.config["CLINIC_NAME"],
            "day": patient_date(screening.appointment_date, language),
            "time": f"{screening.appointment_time:%H:%M}" if screening.appointment_time else "",
            "phone": current_app.config["CLINIC_PHONE"],
        }
        when = (
            gettext("Your appointment at %(clinic)s is now on %(day)s at %(time)s.", **names)
            if names["time"]
            else gettext("Your appointment at %(clinic)s is now on %(day)s.", **names)
        )
        body = "\n\n".join(
            [
                gettext("Hello %(name)s,", **names),
                when,
                gettext("If this is not right, call us at %(phone)s.", **names),
            ]
        )
        subject = gettext("Your appointment at %(clinic)s has moved", **names)
    outbox.enqueue("visit_moved", screening.email, subject, body + "\n", screening=screening)
