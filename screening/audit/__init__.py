"""The audit trail: who did what to which record, when, from where, with what result.

Rows are only ever added. Each row's MAC (HMAC-SHA256 under a key kept outside the database,
``audit.key``) covers its own fields and the previous row's MAC, so no row can be altered,
inserted or re-chained unnoticed without the key; after each commit that added rows, the
chain's head is anchored outside the database too (``audit.anchor``), so removing the last rows
is noticed as well. ``audit.verify`` finds the first row affected. No PHI is written here: the
object of an action is a type and an id, and a detail holds counts, never a name or a search.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..database import take_write_lock
from ..extensions import db
from ..models import AuditEvent, StaffUser
from .anchor import GENESIS_MAC, Anchor, Appended, advance
from .key import EXTENSION, ensure_key

GENESIS_HASH = GENESIS_MAC
# An arbitrary constant: the PostgreSQL advisory lock that serializes appends to the chain.
_CHAIN_LOCK = 7_240_113


class Action:
    """What an audit row records."""

    LOGIN = "login"
    FAILED_LOGIN = "failed_login"
    LOGOUT = "logout"
    TIMEOUT = "timeout"
    VIEW_SCREENING = "view_screening"
    VIEW_NOTE = "view_note"
    UPLOAD_NOTE = "upload_note"
    DECISION = "decision"
    REFUSED = "refused_action"
    EXPORT = "export"
    INVITATION = "invitation"
    ACCOUNT_CHANGE = "account_change"
    PASSWORD_CHANGE = "password_change"  # noqa: S105  (an action name, not a secret)
    SUBMITTED = "submitted"  # a patient sent a screening, from their link
    PURGE = "purge"  # what retention deleted or ended
    LIMITED = "limited"  # refused by a limit: a rate per address, uploads a day, an image's size
    # Views of lists that show patients (the detail holds counts, never a name or a filter).
    VIEW_QUEUE = "view_queue"
    VIEW_TODAY = "view_today"
    VIEW_STATUS_CHANGES = "view_status_changes"
    VIEW_INVITATIONS = "view_invitations"
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_AUDIT = "view_audit"
    VIEW_OUTBOX = "view_outbox"
    # A patient opened their outcome page, or their resume link to a draft (no member of staff).
    VIEW_OUTCOME = "view_outcome"
    VIEW_DRAFT = "view_draft"
    # A used invitation link and the date of birth opened the patient's answers again.
    ANSWERS_REOPENED = "answers_reopened"
    # A patient asked for a new date from a reschedule's outcome page; staff marked it done.
    NEW_DATE_ASKED = "new_date_asked"
    NEW_DATE_DONE = "new_date_done"
    BACKUP = "backup"  # flask backup copied the database
    AUDIT_TRAIL = "audit_trail"  # the trail's key adopted, or its anchor set again


# Built once: every submit, decision and sign-in appends a row (the submit benchmark's goal).
_LAST_HASH = select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
_APPEND = insert(AuditEvent.__table__)
_APPENDED = "preclear_audit_appended"  # Session.info: what this transaction added to the chain


class _PatientLink:
    """``record``'s ``staff`` for a row a patient's own link writes."""


# No member of staff, and none looked for: a patient's request has no sign-in to read (looking
# took a fortieth of the consent POST, the submit benchmark's goal, bench/submit.py).
PATIENT_LINK = _PatientLink()


def record(
    action: str,
    *,
    result: str = "ok",
    object_type: str = "",
    object_id: object = "",
    detail: str = "",
    staff: StaffUser | _PatientLink | None = None,
) -> None:
    """Append one audit row in the current transaction (the caller commits it with its change).

    ``staff`` defaults to the signed-in person (``PATIENT_LINK``: a patient's own link, no
    member of staff); the IP address is the request's. The chain's last row is read, and this
    one written after it, while no one else can append: under SQLite's write lock (taken here,
    at the end of a request's work), or PostgreSQL's advisory lock, so rows written at once by
    several workers still chain one after another. The head is anchored once the transaction
    commits (``_anchor_after_commit``), outside it.
    """
    trail = current_app.extensions[EXTENSION]
    key = trail.key or ensure_key(trail)
    if isinstance(staff, _PatientLink):
        staff = None
    elif staff is None and has_request_context() and current_user.is_authenticated:
        staff = current_user
    session = db.session()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    else:
        take_write_lock(connection)
    values = {
        "previous_hash": connection.execute(_LAST_HASH).scalar() or GENESIS_HASH,
        "at": utcnow(),
        "staff_id": staff.id if staff is not None else None,
        "roles": staff.roles if staff is not None else "",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "ip_address": (request.remote_addr or "")[:64] if has_request_context() else "",
        "result": result,
        "detail": detail[:200],
    }
    values["row_hash"] = _mac(key.secret, values)
    row_id = connection.execute(_APPEND, values).inserted_primary_key[0]
    earlier = session.info.get(_APPENDED)
    session.info[_APPENDED] = _Pending(
        trail.anchor,
        key.key_id,
        connection.engine,
        Appended(
            earlier.appended.previous_mac if earlier else values["previous_hash"],
            earlier.appended.rows + 1 if earlier else 1,
            row_id,
            values["row_hash"],
        ),
    )


def record_view(action: str, *, object_type: str = "", object_id: object = "", **counts: int):
    """One audit row for a page that shows patients' data, committed at once. Its detail holds
    only the counts given (``rows=25 page=2``), never a name or what a filter or search held.

    Called once the page is rendered: committing expires what the page read, which rendering
    would read again.
    """
    record(
        action,
        object_type=object_type,
        object_id=object_id,
        detail=" ".join(f"{name}={int(value)}" for name, value in counts.items()),
    )
    db.session.commit()


@dataclass(frozen=True)
class _Pending:
    """Rows this transaction appended, and where their head goes once it commits."""

    anchor: Anchor
    key_id: str
    engine: Engine
    appended: Appended


@event.listens_for(Session, "after_commit")
def _anchor_after_commit(session: Session) -> None:
    # After the commit, outside any transaction: the file is written under its own lock only.
    pending = session.info.pop(_APPENDED, None)
    if pending is not None:
        advance(pending.anchor, pending.appended, pending.key_id, pending.engine)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_APPENDED, None)


def row_digest(row: AuditEvent) -> str:
    """Plain SHA-256 over the row's fields and the previous row's hash: the rows written
    before audit keys (``audit.key``, legacy rows)."""
    return _digest({name: getattr(row, name) for name in _HASHED})


def row_mac(secret: bytes, row: AuditEvent) -> str:
    """HMAC-SHA256 under the audit key over the row's fields and the previous row's MAC."""
    return _mac(secret, {name: getattr(row, name) for name in _HASHED})


_HASHED = (
    "previous_hash",
    "at",
    "staff_id",
    "roles",
    "action",
    "object_type",
    "object_id",
    "ip_address",
    "result",
    "detail",
)


def _digest(values: dict) -> str:
    return hashlib.sha256(_message(values)).hexdigest()


def _mac(secret: bytes, values: dict) -> str:
    return hmac.new(secret, _message(values), hashlib.sha256).hexdigest()


def _message(values: dict) -> bytes:
    fields = [values[name] for name in _HASHED]
    fields[1] = fields[1].isoformat()
    return json.dumps(fields, separators=(",", ":")).encode()


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("The audit trail is append-only")
