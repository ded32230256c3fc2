"""The audit trail: who did what to which record, when, from where, with what result.

Rows are only ever added. Each row's hash covers its own fields and the previous row's hash, so
``verify_chain`` finds the first row that was altered or removed. No PHI is written here: the
object of an action is a type and an id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from .clock import utcnow
from .database import take_write_lock
from .extensions import db
from .models import AuditEvent, StaffUser

GENESIS_HASH = "0" * 64
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


# Built once: every submit, decision and sign-in appends a row (the submit benchmark's goal).
_LAST_HASH = select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
_APPEND = insert(AuditEvent.__table__)


def record(
    action: str,
    *,
    result: str = "ok",
    object_type: str = "",
    object_id: object = "",
    detail: str = "",
    staff: StaffUser | None = None,
) -> None:
    """Append one audit row in the current transaction (the caller commits it with its change).

    ``staff`` defaults to the signed-in person; the IP address is the request's. The chain's
    last row is read, and this one written after it, while no one else can append: under
    SQLite's write lock (taken here, at the end of a request's work), or PostgreSQL's advisory
    lock, so rows written at once by several workers still chain one after another.
    """
    if staff is None and has_request_context() and current_user.is_authenticated:
        staff = current_user
    connection = db.session.connection()
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
    values["row_hash"] = _digest(values)
    connection.execute(_APPEND, values)


def row_digest(row: AuditEvent) -> str:
    """SHA-256 over the row's fields and the previous row's hash."""
    return _digest({name: getattr(row, name) for name in _HASHED})


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
    fields = [values[name] for name in _HASHED]
    fields[1] = fields[1].isoformat()
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """The first row where the chain breaks, and how."""

    row_id: int
    problem: str


def verify_chain(rows: Iterable[AuditEvent]) -> ChainProblem | None:
    """The first altered or removed row in ``rows`` (in id order), or ``None`` when intact."""
    expected_previous = GENESIS_HASH
    for row in rows:
        if row.previous_hash != expected_previous:
            return ChainProblem(row.id, "the row before it was removed or altered")
        if row_digest(row) != row.row_hash:
            return ChainProblem(row.id, "the row was altered")
        expected_previous = row.row_hash
    return None


def verify_database() -> tuple[int, ChainProblem | None]:
    """Check the whole stored chain; returns the number of rows read and the first problem."""
    count = 0

    def rows():
        nonlocal count
        for row in db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
        ):
            count += 1
            yield row

    problem = verify_chain(rows())
    return count, problem


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("The audit trail is append-only")
