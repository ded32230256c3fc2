"""Checking the audit trail (``flask audit verify``), and the two deliberate, audited changes
to where it starts or ends: adopting a key for a trail written before keys
(``flask audit adopt-key``), and anchoring the trail again after a restore
(``flask audit reanchor``).

``verify_chain`` reads the rows in id order and checks each row's link to the row before, its
MAC (plain SHA-256 for the rows the key file says came before the key), the count and the last
MAC the anchor holds, and reports the first row affected: a row altered, inserted, removed
(in the middle, at the end, or every row), rewritten with plain hashes or under another key.
Rows after the anchored head whose MACs verify are "not yet anchored" (a crash between a commit
and its anchor), not tampered with.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import AuditEvent
from .anchor import GENESIS_MAC, Head, read_head, write_head
from .key import AuditKey, audit_trail, create_key, ensure_key


class AuditTrailRefused(Exception):
    """``adopt-key`` or ``reanchor`` cannot be done; the message says why."""


@dataclass(frozen=True)
class ChainProblem:
    """The first row where the trail breaks (``None`` when no row can be named), and how."""

    row_id: int | None
    problem: str


@dataclass
class TrailReport:
    """What ``verify_chain`` found."""

    rows: int = 0
    legacy_rows: int = 0  # rows written before the audit key, checked as plain SHA-256
    last_id: int = 0
    last_mac: str = GENESIS_MAC
    problem: ChainProblem | None = None
    anchored: Head | None = None
    unanchored: int = 0  # intact rows after the anchored head
    notes: list[str] = field(default_factory=list)


def verify_chain(
    rows: Iterable[AuditEvent], key: AuditKey | None, anchored: Head | None = None
) -> TrailReport:
    """Check ``rows`` (in id order) under ``key`` (``None``: every row unkeyed) against the
    ``anchored`` head, if any; stops at the first problem."""
    report = TrailReport(anchored=anchored)
    wrong_key = bool(key and anchored and anchored.key_id and anchored.key_id != key.key_id)
    # The anchored row's position once it is reached (no rows anchored: reached at once).
    anchored_at = 0 if anchored is None or anchored.last_id == 0 else None
    for row in rows:
        position = report.rows + 1
        problem = _row_problem(row, position, report, key, wrong_key)
        if problem is None and anchored is not None and anchored_at is None:
            if row.id == anchored.last_id:
                anchored_at = position
                problem = _anchored_row_problem(row, position, anchored)
            elif row.id > anchored.last_id:
                problem = (
                    f"the anchored row {anchored.last_id} (row {anchored.rows} of the trail) is "
                    f"missing: rows after row {report.last_id} were removed, then others written"
                )
        if problem is not None:
            report.problem = ChainProblem(row.id, problem)
            return report
        report.rows, report.last_id, report.last_mac = position, row.id, row.row_hash
        report.legacy_rows += key is None or position <= key.legacy_rows
    report.problem = _end_problem(report, key, anchored, anchored_at, wrong_key)
    if anchored is not None and anchored_at is not None:
        report.unanchored = report.rows - anchored_at
    return report


def _row_problem(
    row: AuditEvent, position: int, report: TrailReport, key: AuditKey | None, wrong_key: bool
) -> str | None:
    if row.previous_hash != report.last_mac:
        return (
            f"its link to the row before is broken: a row after row {report.last_id} was "
            "removed or altered, or this one was inserted"
        )
    if key is None or position <= key.legacy_rows:
        if audit.row_digest(row) != row.row_hash:
            return "the row was altered (its hash, written before the audit key, does not match)"
        if key is not None and position == key.legacy_rows and row.row_hash != key.legacy_head:
            return "it is not the last row written before the key, as the key file records"
        return None
    if hmac.compare_digest(audit.row_mac(key.secret, row), row.row_hash):
        return None
    if wrong_key:
        return (
            f"its MAC does not match: the audit key (id {key.key_id}) is not the key the trail "
            f"was written with (id {report.anchored.key_id}, as the anchor records)"
        )
    if audit.row_digest(row) == row.row_hash:
        return (
            "it carries a plain SHA-256 hash where a MAC under the audit key is due: it was "
            "written or rewritten without the key"
        )
    return "its MAC does not match: the row was altered or written without the key"


def _anchored_row_problem(row: AuditEvent, position: int, anchored: Head) -> str | None:
    if row.row_hash != anchored.mac:
        return (
            "it is not the row anchored under its id: the rows from here on were removed and "
            "others written in their place"
        )
    if position != anchored.rows:
        return (
            f"the anchor counts {anchored.rows} rows up to this one, the trail {position}: rows "
            "before it were removed or added"
        )
    return None


def _end_problem(
    report: TrailReport,
    key: AuditKey | None,
    anchored: Head | None,
    anchored_at: int | None,
    wrong_key: bool,
) -> ChainProblem | None:
    first_missing = report.last_id + 1
    if key is not None and report.rows < key.legacy_rows:
        return ChainProblem(
            first_missing,
            f"the key file records {key.legacy_rows} rows written before the key, the trail has "
            f"{report.rows}: rows after row {report.last_id} were removed",
        )
    if anchored is not None and anchored_at is None:
        if report.rows == 0:
            return ChainProblem(
                None,
                f"the trail has no rows, and the anchor holds {anchored.rows} up to row "
                f"{anchored.last_id}: every row was removed",
            )
        return ChainProblem(
            first_missing,
            f"the trail ends at row {report.last_id} ({report.rows} rows) and the anchor holds "
            f"{anchored.rows} rows up to row {anchored.last_id}: the last "
            f"{anchored.rows - report.rows} rows were removed",
        )
    if wrong_key:
        return ChainProblem(
            None,
            f"the audit key (id {key.key_id}) is not the key the trail was anchored with "
            f"(id {anchored.key_id})",
        )
    return None


def _stored_rows() -> Iterator[AuditEvent]:
    return iter(
        db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
        )
    )


def verify_database() -> TrailReport:
    """Check the whole stored trail against the app's key and anchor."""
    trail = audit_trail()
    key = trail.key
    anchored = None
    notes = []
    problem = None
    if key is None:
        notes.append(trail.missing or f"The audit key {trail.key_path} is missing.")
    if trail.anchor.path is not None:
        try:
            anchored = read_head(trail.anchor.path)
        except (OSError, ValueError) as error:
            problem = ChainProblem(None, f"the anchor {trail.anchor.path} is unreadable: {error}")
        else:
            if anchored is None and key is not None:
                problem = ChainProblem(
                    None,
                    f"the anchor {trail.anchor.path} is missing: restore it, or after restoring "
                    "a backup run flask audit reanchor (README)",
                )
    if trail.anchor.syslog:
        notes.append(
            "Heads are also sent to syslog: compare the last 'preclear-audit: head' line there "
            "with the head below."
        )
    report = verify_chain(_stored_rows(), key, anchored)
    report.notes = notes
    if report.problem is None:
        report.problem = problem
    return report


def adopt_key() -> TrailReport:
    """Make the audit key for a trail written before keys: its rows must verify as plain
    SHA-256; they stay so, the key file records how many, and the first keyed row says so."""
    trail = audit_trail()
    if trail.key is not None:
        raise AuditTrailRefused(f"The audit trail has its key already ({trail.key_path}).")
    if trail.key_path.exists():
        raise AuditTrailRefused(f"{trail.key_path} exists but is not a key file: {trail.missing}")
    report = verify_chain(_stored_rows(), None)
    if report.problem is not None:
        raise AuditTrailRefused(
            f"Row {report.problem.row_id} does not verify as a row written before audit keys "
            f"({report.problem.problem}). If this trail was written with a key, restore its key "
            "file. Nothing was changed."
        )
    key = create_key(trail.key_path, report.rows, report.last_mac)
    if trail.anchor.path is not None:
        head = Head(report.rows, report.last_id, report.last_mac, key.key_id)
        write_head(trail.anchor.path, head, replace=True)
    trail.key, trail.missing = key, None
    audit.record(
        audit.Action.AUDIT_TRAIL,
        object_type="audit_trail",
        detail=f"key adopted: the {report.rows} rows before this one are unkeyed",
    )
    db.session.commit()
    return report


def reanchor() -> tuple[Head | None, TrailReport]:
    """Anchor the trail at its stored head, whatever the anchor held (after restoring a
    backup, or moving the anchor): the chain must verify; returns the old head and the
    report."""
    trail = audit_trail()
    key = ensure_key(trail)
    if trail.anchor.path is None:
        raise AuditTrailRefused("AUDIT_ANCHOR names no file: there is nothing to set.")
    try:
        old = read_head(trail.anchor.path)
    except (OSError, ValueError):
        old = None
    report = verify_chain(_stored_rows(), key)
    if report.problem is not None:
        raise AuditTrailRefused(
            f"The chain is broken at row {report.problem.row_id}: {report.problem.problem}. "
            "Nothing was changed."
        )
    write_head(
        trail.anchor.path,
        Head(report.rows, report.last_id, report.last_mac, key.key_id),
        replace=True,
    )
    audit.record(
        audit.Action.AUDIT_TRAIL,
        object_type="audit_trail",
        detail=f"anchored again at {report.rows} rows (it held "
        f"{'nothing readable' if old is None else f'{old.rows} rows'})",
    )
    db.session.commit()
    return old, report
