"""The outbox: every email the app sends is first a row, written in the transaction of the change
that causes it, and sent later by ``flask --app screening outbox send`` (once, or ``--watch``).

Nothing is sent inside a request or a transaction, so a slow mail server slows no page. Delivery
is at least once: a sender claims a message for a lease (``OUTBOX_LEASE_SECONDS``) before
sending it, a message whose claim
lapsed (a sender killed) is sent again, with the same Message-ID, and two senders never hold one
message at once. A failure is tried again later, less and less often, and given up on after a
day. Just before sending, the sender checks the message still holds (the visit is not cancelled
or moved, a reminder's appointment has not come) and voids it otherwise. No body is logged.
"""

from __future__ import annotations

import secrets
import smtplib
import threading
import time as clock_time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from ..clock import clinic_zone, utcnow
from ..extensions import db
from ..models import Invitation, OutboxMessage, Screening, Status
from . import mailer

PENDING, SENT, FAILED, VOIDED = "pending", "sent", "failed", "voided"
GIVE_UP_AFTER = timedelta(days=1)
FIRST_RETRY = timedelta(minutes=1)  # then doubled at each failure
LONGEST_WAIT = timedelta(hours=1)
# Reminders say nothing to a visit that is not going ahead (lifecycle invariant 8).
NOT_GOING_AHEAD = (Status.RESCHEDULE, Status.NOT_ELIGIBLE, Status.CANCELLED)
_REMINDERS = ("reminder_stop_substances", "reminder_day_before")
GAVE_UP = "given up after a day of failures"


def enqueue(
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    *,
    screening: Screening | None = None,
    invitation: Invitation | None = None,
    expires_at: datetime | None = None,
) -> OutboxMessage:
    """Queue one email in the current transaction; the caller commits it with its change.

    ``screening`` or ``invitation`` names what the message is about, checked again before it
    goes; a message about a screening is for the visit's date as it is now. ``expires_at``: a
    moment after which it is no longer worth sending.
    """
    now = utcnow()
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
        message_id=make_msgid(idstring=secrets.token_hex(8), domain=_mail_domain()),
        status=PENDING,
        created_at=now,
        send_after=now,
        give_up_at=now + GIVE_UP_AFTER,
        attempts=0,
        last_error="",
        screening_id=screening.id if screening is not None else None,
        invitation_id=invitation.id if invitation is not None else None,
        appointment_date=screening.appointment_date if screening is not None else None,
        expires_at=expires_at,
    )
    db.session.add(message)
    return message


def _mail_domain() -> str:
    sender = current_app.config.get("MAIL_FROM") or ""
    if "@" in sender:
        return sender.rsplit("@", 1)[1].strip("> ")
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"


@dataclass
class Counts:
    """What one run of the sender did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    voided: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        """Messages the run took a decision on."""
        return self.sent + self.retrying + self.failed + self.voided


def send_due(sender: str | None = None, limit: int | None = None) -> Counts:
    """Send every message due now, one at a time; returns what happened.

    Each message is claimed in a transaction of its own, checked, then sent with no
    transaction open, and its result recorded in another short one.
    """
    sender = sender or secrets.token_hex(8)
    counts = Counts()
    while limit is None or counts.handled < limit:
        message_id = _claim_next(sender)
        if message_id is None:
            break
        _deliver(message_id, sender, counts)
    return counts


def _claim_next(sender: str) -> int | None:
    """Claim the next message due for ``sender`` (a conditional update: two senders never
    claim one message); its id, or ``None`` when nothing is due."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    unclaimed = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    candidates = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.send_after <= now, unclaimed)
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
        .limit(20)
    ).all()
    db.session.commit()
    for message_id in candidates:
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING, unclaimed)
            .values(claimed_by=sender, claimed_until=now + lease)
        )
        db.session.commit()
        if claimed.rowcount == 1:
            return message_id
    return None


def _deliver(message_id: int, sender: str, counts: Counts) -> None:
    message = db.session.get(OutboxMessage, message_id)
    void_reason = why_not_send(message, utcnow())
    if void_reason is not None:
        given_up = void_reason == GAVE_UP
        _finish(message, FAILED if given_up else VOIDED, void_reason)
        if given_up:
            counts.failed += 1
        else:
            counts.voided += 1
        counts.reasons.append(void_reason)
        return
    outgoing = mailer.Outgoing(message.recipient, message.subject, message.body, message.message_id)
    attempts = message.attempts
    db.session.commit()  # no transaction is open while the mail server is talked to
    try:
        mailer.send_message(outgoing)
    except smtplib.SMTPRecipientsRefused:
        _finish(db.session.get(OutboxMessage, message_id), FAILED, "recipient refused")
        counts.failed += 1
        return
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            _finish(
                db.session.get(OutboxMessage, message_id),
                FAILED,
                f"refused by the mail server ({error.smtp_code})",
            )
            counts.failed += 1
            return
        _retry(message_id, attempts, f"mail server said {error.smtp_code}", counts)
        return
    except (OSError, smtplib.SMTPException) as error:
        _retry(message_id, attempts, error.__class__.__name__, counts)
        return
    sent = db.session.get(OutboxMessage, message_id)
    if sent.invitation_id is not None:
        db.session.get(Invitation, sent.invitation_id).emailed_at = utcnow()
    _finish(sent, SENT, "")
    counts.sent += 1


def why_not_send(message: OutboxMessage, now: datetime) -> str | None:
    """Why a message must not go now (the reason it is voided or given up on), or ``None``."""
    if message.attempts and now >= message.give_up_at:
        return GAVE_UP  # never before one try: a sender that was stopped is no failure
    if message.expires_at is not None and now >= message.expires_at:
        return "too late: its moment has passed"
    if message.screening_id is not None:
        screening = db.session.get(Screening, message.screening_id)
        if screening.cancelled_at is not None:
            return "the visit was canceled"
        if screening.appointment_date != message.appointment_date:
            return "the visit was moved"
        if message.kind in _REMINDERS and screening.status in NOT_GOING_AHEAD:
            return "the visit is not going ahead"
    if message.invitation_id is not None:
        invitation = db.session.get(Invitation, message.invitation_id)
        if invitation.cancelled_at is not None:
            return "the visit was canceled"
        if invitation.opened_at is not None:
            return "the link was already used"
        if now >= invitation.expires_at:
            return "the link expired"
    return None


def _finish(message: OutboxMessage, status: str, reason: str) -> None:
    """Record the message's end; its body goes (it may hold a link to a patient's answers)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == PENDING)
        .values(
            status=status,
            body="",
            finished_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
            last_error=reason[:200],
            attempts=OutboxMessage.attempts + (1 if status in (SENT, FAILED) else 0),
        )
    )
    db.session.commit()


def _retry(message_id: int, attempts: int, error: str, counts: Counts) -> None:
    """A failure that may pass: try again later, each wait twice the last, up to an hour."""
    wait = min(FIRST_RETRY * (2**attempts), LONGEST_WAIT)
    now = utcnow()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING)
        .values(
            attempts=attempts + 1,
            send_after=now + wait,
            claimed_by=None,
            claimed_until=None,
            last_error=error[:200],
        )
    )
    db.session.commit()
    current_app.logger.warning(
        "Outbox message %s not sent (%s): tried again later", message_id, error
    )
    counts.retrying += 1


def watch(interval: float, sender: str | None = None, stop=None) -> None:
    """Send what is due every ``interval`` seconds until ``stop()`` says so (a service)."""
    sender = sender or secrets.token_hex(8)
    while stop is None or not stop():
        send_due(sender)
        db.session.remove()
        clock_time.sleep(interval)


def watch_with_threads(app, interval: float, senders: int, stop=None) -> None:
    """``watch`` on ``senders`` threads at once, so that a slow mail server holding one
    message does not hold the others back; each claims its own messages."""

    def one_sender():
        with app.app_context():
            watch(interval, stop=stop)

    threads = [threading.Thread(target=one_sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def failed_or_voided(limit: int = 200) -> list[OutboxMessage]:
    """The latest messages that were not sent, newest first, for the managers' outbox page."""
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_((FAILED, VOIDED)))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()


def waiting(limit: int = 200) -> list[OutboxMessage]:
    """The messages still to be sent, oldest first."""
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == PENDING)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()


def latest_for_invitations(ids: list[int]) -> dict[int, OutboxMessage]:
    """The latest email of each of these invitations, by invitation id."""
    if not ids:
        return {}
    found = {}
    for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.invitation_id.in_(ids)).order_by(OutboxMessage.id)
    ):
        found[message.invitation_id] = message
    return found


def appointment_start(day: date, at: time | None) -> datetime:
    """When an appointment begins (its day's start when no time is booked), in the clinic's
    zone."""
    return datetime.combine(day, at or time.min, clinic_zone())
