"""Nothing kept past its time: ``flask --app screening purge`` (cron, daily).

- Unsubmitted drafts, the answers in them included, are deleted once their link has expired
  and ``DRAFT_LIFETIME_DAYS`` have passed since their last change.
- A patient's outcome link, and the uploads it takes, stop working ``OUTCOME_LINK_DAYS`` after
  the appointment: the pages refuse it from that day, and purge replaces the stored hash of its
  token, so that no copy of the link opens anything again. The screening stays for staff.
- Emails done with are deleted ``OUTBOX_KEEP_DAYS`` after they finished.

Screenings, notes, decisions and the audit trail are medical records: purge never touches them.
Each run is one audit row with its counts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from rules.dates import add_years

from . import audit
from .clock import clinic_today, utcnow
from .extensions import db
from .models import Draft, Invitation, OutboxMessage, Screening


def outcome_link_ended(screening: Screening, today: date) -> bool:
    """Whether the patient's outcome link no longer works: its appointment was
    ``OUTCOME_LINK_DAYS`` ago or more, or purge has ended it."""
    days = current_app.config["OUTCOME_LINK_DAYS"]
    return today >= screening.appointment_date + timedelta(days=days) or (
        screening.draft.link_ended_at is not None
    )


@dataclass(frozen=True)
class PurgeReport:
    """What one run of purge did, and what it kept."""

    drafts_deleted: int
    links_ended: int
    emails_deleted: int
    records_past_retention: int

    def as_text(self) -> str:
        """The report in words, for the command line."""
        return (
            f"Deleted {self.drafts_deleted} unsubmitted drafts and {self.emails_deleted} old "
            f"emails; ended {self.links_ended} outcome links. Kept every screening: "
            f"{self.records_past_retention} are older than the retention period "
            "(RECORD_RETENTION_YEARS), for the clinic to review."
        )


def purge() -> PurgeReport:
    """Delete or end what has outlived its time; one audit row. Reads first, then writes in
    one short transaction."""
    config = current_app.config
    now = utcnow()
    today = clinic_today()
    stale_drafts = select(Draft.id).where(
        ~Draft.screening.has(),
        Draft.expires_at <= now,
        Draft.updated_at <= now - timedelta(days=config["DRAFT_LIFETIME_DAYS"]),
    )
    draft_ids = db.session.scalars(stale_drafts).all()
    link_cutoff = today - timedelta(days=config["OUTCOME_LINK_DAYS"])
    ended_ids = db.session.scalars(
        select(Draft.id)
        .join(Screening, Screening.draft_id == Draft.id)
        .where(Screening.appointment_date <= link_cutoff, Draft.link_ended_at.is_(None))
    ).all()
    years_ago = add_years(today, -config["RECORD_RETENTION_YEARS"])
    past_retention = db.session.scalar(
        select(func.count()).select_from(Screening).where(Screening.appointment_date < years_ago)
    )
    if draft_ids:
        # An invitation keeps its record; only the draft it started goes.
        db.session.execute(
            update(Invitation).where(Invitation.draft_id.in_(draft_ids)).values(draft_id=None)
        )
        db.session.execute(delete(Draft).where(Draft.id.in_(draft_ids)))
    for draft_id in ended_ids:
        # A new random value, the shape of a hash, that no token hashes to.
        db.session.execute(
            update(Draft)
            .where(Draft.id == draft_id)
            .values(token_hash=secrets.token_hex(32), link_ended_at=now)
        )
    emails = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.finished_at.is_not(None),
            OutboxMessage.finished_at <= now - timedelta(days=config["OUTBOX_KEEP_DAYS"]),
        )
    )
    report = PurgeReport(len(draft_ids), len(ended_ids), emails.rowcount, past_retention)
    audit.record(
        audit.Action.PURGE,
        object_type="retention",
        detail=(
            f"drafts {report.drafts_deleted}, links {report.links_ended}, "
            f"emails {report.emails_deleted}"
        ),
    )
    db.session.commit()
    return report
