"""Typed SQLAlchemy models: drafts, screenings, staff, their sessions, decisions, notes, requests
for a new date, audit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, time
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime, stored without zone (SQLite has none) and read back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Store aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def new_token() -> str:
    """An unguessable token for a link a patient keeps (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, so a copy of the database opens no links."""
    return hashlib.sha256(token.encode()).hexdigest()


class Draft(db.Model):
    """A questionnaire in progress, saved at each "Continue" and resumable by its link.

    ``data`` holds what the patient entered, keyed by form field name (identity, visit and
    answers), as JSON values.
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the patient's link stopped working for good (``retention``): the token's hash was
    # replaced, so no copy of the link opens anything any more.
    link_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    screening: Mapped[Screening | None] = relationship(back_populates="draft")


class Status:
    """Where a screening stands for the clinic; derived, never set (``lifecycle.derive_status``)."""

    CLEARED = "cleared"  # every blocking finding has ended: the appointment can go ahead
    RESCHEDULE = "reschedule"  # the visit cannot go ahead on its date: it waits for a new one
    AWAITING_RECHECK = "awaiting_recheck"  # moved; waits for the patient's fresh answers
    NOTE_TO_VERIFY = "note_to_verify"  # a clearance note was uploaded and waits for a nurse
    AWAITING_NOTE = "awaiting_note"  # a provider's or prescriber's note has not arrived
    NEEDS_REVIEW = "needs_review"  # a nurse must follow up or decide
    NOT_ELIGIBLE = "not_eligible"  # a finding nothing ends, acknowledged: not going ahead
    CANCELLED = "cancelled"  # the clinic cancelled the visit

    ALL = (
        CLEARED,
        RESCHEDULE,
        AWAITING_RECHECK,
        NOTE_TO_VERIFY,
        AWAITING_NOTE,
        NEEDS_REVIEW,
        NOT_ELIGIBLE,
        CANCELLED,
    )
    NEEDS_A_PERSON = (RESCHEDULE, AWAITING_RECHECK, NOTE_TO_VERIFY, AWAITING_NOTE, NEEDS_REVIEW)


class Screening(db.Model):
    """A submitted screening: who, which visit, the answers, the result and the signed consent."""

    __tablename__ = "screenings"
    __table_args__ = (
        # No index of status, outcome or treatment alone: the queue's two below lead with the
        # status and hold the others, and exports read in date order; each index is one more
        # page written by every submit (the submit benchmark's goal, bench/submit.py).
        Index("ix_screenings_appointment_date", "appointment_date"),
        Index("ix_screenings_submitted_at", "submitted_at"),
        # The nurse queue: a page in order within each status, read from the index.
        Index("ix_screenings_queue_order", "status", "appointment_date", "submitted_at", "id"),
        # The queue filtered by treatment: its page in order, and the counts by status read from
        # the index alone (the outcome, the other filter, is in it too).
        # Screenings of the same person (``people``), newest first: date of birth and last name,
        # normalised; and those with a blocking finding, all a new screening is compared with.
        Index("ix_screenings_person", "date_of_birth", "last_name_key", "submitted_at", "id"),
        Index(
            "ix_screenings_person_flagged",
            "date_of_birth",
            "last_name_key",
            "submitted_at",
            "id",
            sqlite_where=text("outcome != 'clear'"),
            postgresql_where=text("outcome != 'clear'"),
        ),
        # Questionnaires sent from one address within the submit limit's window
        # (``intake.limits.submit_refusal``).
        Index("ix_screenings_sent_from", "consent_ip", "submitted_at"),
        Index(
            "ix_screenings_queue_filters",
            "status",
            "treatment",
            "appointment_date",
            "submitted_at",
            "id",
            "outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One draft gives at most one screening: a double or concurrent submit hits this constraint.
    # The patient's link is the draft's: the same token resumes, then shows the outcome.
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), unique=True)

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40))
    # Who the person is, for finding their other screenings (``people``): the answer to
    # date_of_birth, and the last name, email and phone as ``people`` normalises them.
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    last_name_key: Mapped[str] = mapped_column(String(100), default="")
    email_key: Mapped[str] = mapped_column(String(254), default="")
    phone_key: Mapped[str] = mapped_column(String(40), default="")

    treatment: Mapped[str] = mapped_column(String(64))
    appointment_date: Mapped[date] = mapped_column(Date)
    appointment_time: Mapped[time | None] = mapped_column(Time)  # known when invited
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    ruleset_id: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(16))
    # Questions of the rule set the patient was never asked: the patient stopped once told the
    # visit cannot go ahead as booked, or the screening was answered under an earlier version
    # and a nurse accepted the later one.
    questions_not_asked: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The rules' findings (the contract's JSON shape) and how each ends ("ends", lifecycle.md).
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Where staff stand on each finding: rule id -> {"state": ..., "decision_id": ...}.
    finding_states: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Earlier screenings of the same person this one must be compared with by a nurse before it
    # can be cleared (lifecycle invariant 6): {"with": [...], "confirmed_by": decision id}, and
    # answers changed after the patient was told they settle the visit: "told_changed",
    # question id -> {"told": answer then, "now": answer sent}.
    comparison: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    instructions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(32))
    earliest_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))

    # No signature, text hash, version or time: the patient stopped once told the visit cannot
    # go ahead as booked, and was never asked to sign (``consent_language`` is then theirs).
    consent_signature: Mapped[str | None] = mapped_column(String(200))
    consent_text_hash: Mapped[str | None] = mapped_column(String(64))
    consent_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the screening was sent from (the submit limit counts by it).
    consent_ip: Mapped[str] = mapped_column(String(64))
    consent_user_agent: Mapped[str] = mapped_column(Text)
    # The consent text signed: its version and language name its released file
    # (rules/treatments/<treatment>/consent.v<version>.<language>.md), consent_text_hash its hash.
    consent_version: Mapped[str | None] = mapped_column(String(8), default="1", server_default="1")
    consent_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    @property
    def consented(self) -> bool:
        """Whether the patient signed the consent (not when they stopped once told the visit
        cannot go ahead as booked)."""
        return self.consent_signature is not None

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on every change: a nurse's form carries the version it was shown, and two nurses
    # acting at once cannot overwrite each other.
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    draft: Mapped[Draft] = relationship(back_populates="screening")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="screening", order_by="Decision.id"
    )
    notes: Mapped[list[Note]] = relationship(back_populates="screening", order_by="Note.id")
    answer_changes: Mapped[list[AnswerChange]] = relationship(
        back_populates="screening", order_by="AnswerChange.id"
    )

    __mapper_args__ = {"version_id_col": row_version}


class StaffUser(UserMixin, db.Model):
    """A member of staff: one account per person, with one or more roles.

    For Flask-Login the id is the current session's token (``session_token``), not the row id,
    so ending the session on the server signs the browser out.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[str] = mapped_column(String(100))  # space-separated: nurse manager admin
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Two-step verification (screening/auth/mfa.py): the TOTP secret once set up, when, and the
    # last time step whose code was accepted, so that no code is accepted twice.
    mfa_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mfa_last_step: Mapped[int | None] = mapped_column(Integer)

    # Set per request by the session loader; not columns.
    session_token = None
    staff_session = None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_set(self) -> frozenset[str]:
        """The roles this person holds."""
        return frozenset(self.roles.split())

    def has_role(self, *roles: str) -> bool:
        """Whether the person holds any of ``roles``."""
        return not self.role_set.isdisjoint(roles)

    @property
    def has_mfa(self) -> bool:
        """Whether signing in asks for a code from an authenticator app."""
        return self.mfa_enabled_at is not None and self.mfa_secret is not None


class StaffSession(db.Model):
    """A signed-in session. The cookie holds only its token; ending the row ends the session."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # The password was right and the code is still to come: such a session opens only the
    # two-step pages (screening/access.py), and Flask-Login never loads it.
    mfa_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # A secret offered for set-up, shown only to this session until a code from it confirms it.
    mfa_setup_secret: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[StaffUser] = relationship()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is kept (the
    code itself is 80 random bits, shown once)."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Decision(db.Model):
    """A decision on a screening, kept forever: resolve, acknowledge, move, check in, ...

    Made by a member of staff, or by the patient (``staff_id`` empty) for a re-check from their
    link.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    screening: Mapped[Screening] = relationship(back_populates="decisions")
    staff: Mapped[StaffUser | None] = relationship()


class AnswerChange(db.Model):
    """An answer changed after submission (a check-in or a re-check): old and new value, who
    and when. The screening's ``answers`` hold the answers as they now stand; the first change
    of a question keeps what the patient originally said."""

    __tablename__ = "answer_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    # JSON values as answers hold them; null when there was (or is) no answer.
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))  # none: the patient
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    screening: Mapped[Screening] = relationship(back_populates="answer_changes")
    staff: Mapped[StaffUser | None] = relationship()


class StatusChange(db.Model):
    """A screening whose status changed without anyone acting on it (a change to how findings
    end, applied to stored screenings), listed for a nurse until one marks it handled."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), index=True)
    status_before: Mapped[str] = mapped_column(String(32))
    status_after: Mapped[str] = mapped_column(String(32))
    why: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    screening: Mapped[Screening] = relationship()
    handled_by: Mapped[StaffUser | None] = relationship()


class NewDateRequest(db.Model):
    """A patient's request for a new appointment date, sent from the outcome page of a
    reschedule: in the nurse's queue until staff mark it done. Each request is kept; a second
    one adds to the first."""

    __tablename__ = "new_date_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), index=True)
    preferred_times: Mapped[str] = mapped_column(Text)
    contact_by: Mapped[str] = mapped_column(String(8))  # "phone" or "email"
    contact: Mapped[str] = mapped_column(String(254))  # the number or address to use
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    screening: Mapped[Screening] = relationship()
    done_by: Mapped[StaffUser | None] = relationship()


class Note(db.Model):
    """A clearance note (provider's or prescriber's), uploaded or recorded as received on paper."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # provider_note or prescriber_note
    on_paper: Mapped[bool] = mapped_column(Boolean, default=False)
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The rule ids of the findings a nurse verified this note for: it ends only those.
    covers: Mapped[list[str]] = mapped_column(JSON, default=list)

    screening: Mapped[Screening] = relationship(back_populates="notes")
    uploaded_by: Mapped[StaffUser | None] = relationship(foreign_keys=[uploaded_by_id])
    verified_by: Mapped[StaffUser | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def verified(self) -> bool:
        """Checked by a nurse (an uploaded file) or recorded as received on paper."""
        return self.verified_at is not None


class AuditEvent(db.Model):
    """One row of the append-only audit trail; each row's hash covers the previous row's.

    Holds no PHI: the object is a type and an id, never a name or an answer.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    roles: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200), default="")
    previous_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class Invitation(db.Model):
    """An invitation to screen for a booked appointment; its link works once.

    Opening the link swaps the token for a session and a draft with the visit filled in and
    locked; the token itself is stored only as a hash.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    treatment: Mapped[str] = mapped_column(String(64))
    appointment_date: Mapped[date] = mapped_column(Date, index=True)
    appointment_time: Mapped[time] = mapped_column(Time)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_via: Mapped[str] = mapped_column(String(16))  # staff, cli or api
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), unique=True)

    draft: Mapped[Draft | None] = relationship()
    created_by: Mapped[StaffUser | None] = relationship()


class ApiToken(db.Model):
    """A booking system's credential for the API; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderSent(db.Model):
    """A reminder that went out: the unique key makes sending it twice impossible."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("screening_id", "kind", "appointment_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"))
    kind: Mapped[str] = mapped_column(String(32))
    appointment_date: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(db.Model):
    """An email to send, written in the transaction of the change that causes it, and sent
    later by the outbox sender (``outbox``), never inside a request or a transaction.

    ``body`` is kept only until the message is sent, voided or given up on: it may hold a link
    that opens a patient's answers. ``message_id`` is set when the message is queued, so a
    message sent twice (a sender killed mid-send) reads as one to the mail client.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending, sent, failed or voided
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A sender's claim: no other sender takes the message until it lapses.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    # What the message is about, checked again just before it is sent.
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), index=True)
    appointment_date: Mapped[date | None] = mapped_column(Date)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
