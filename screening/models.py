"""Typed SQLAlchemy models: drafts in progress and submitted screenings."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, TypeDecorator
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

    screening: Mapped[Screening | None] = relationship(back_populates="draft")


class Status:
    """Where a screening stands for the clinic."""

    READY = "ready"  # clear: nothing for staff to do
    NEEDS_ACTION = "needs_action"  # a finding waits for a nurse or for the patient to rebook


class Screening(db.Model):
    """A submitted screening: who, which visit, the answers, the result and the signed consent."""

    __tablename__ = "screenings"
    __table_args__ = (
        Index("ix_screenings_outcome", "outcome"),
        Index("ix_screenings_status", "status"),
        Index("ix_screenings_appointment_date", "appointment_date"),
        Index("ix_screenings_treatment", "treatment"),
        Index("ix_screenings_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One draft gives at most one screening: a double or concurrent submit hits this constraint.
    # The patient's link is the draft's: the same token resumes, then shows the outcome.
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), unique=True)

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40))

    treatment: Mapped[str] = mapped_column(String(64))
    appointment_date: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    ruleset_id: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(16))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    instructions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(32))
    earliest_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))

    consent_signature: Mapped[str] = mapped_column(String(200))
    consent_text_hash: Mapped[str] = mapped_column(String(64))
    consent_signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_ip: Mapped[str] = mapped_column(String(64))
    consent_user_agent: Mapped[str] = mapped_column(Text)

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    draft: Mapped[Draft] = relationship(back_populates="screening")
