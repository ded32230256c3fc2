"""Clearance notes on a screening: uploaded by the patient or a nurse, or received on paper, and
verified by a nurse for the findings they cover. A note ends only the findings it was verified
for (lifecycle invariant 5), and only once a nurse then decides, with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext

from rules import Ends

from . import audit, notes
from .clock import utcnow
from .extensions import db
from .findings import (
    DecisionRefused,
    check_version,
    ends_of,
    finish,
    not_cancelled,
    record_decision,
    refresh_status,
)
from .lifecycle import NOTE_KINDS, covering_notes, is_open, needs_note
from .models import Decision, Note, Screening, StaffUser

MAX_PATIENT_UPLOADS = 10  # files a patient may upload for one screening


class UploadsLimited(notes.NoteRejected):
    """A patient's upload refused for now: the screening's uploads of the last 24 hours."""


def note_findings(screening: Screening, kind: str) -> list[dict[str, Any]]:
    """The screening's open findings a note of ``kind`` may be verified for."""
    ends = ends_of(screening)
    return [
        f
        for f in screening.findings
        if is_open(screening.finding_states, f) and ends(f) is Ends.NOTE and f["clearance"] == kind
    ]


def notes_needed(screening: Screening) -> list[str]:
    """The note kinds the screening's open findings still wait for (no note verified for
    them)."""
    if screening.cancelled_at is not None:
        return []
    kinds = {
        f["clearance"]
        for f in screening.findings
        if needs_note(screening.finding_states, f, screening.notes, ends_of(screening))
    }
    return [kind for kind in NOTE_KINDS if kind in kinds]


def ensure_note_findings(screening: Screening, kind: str | None, note: Note | None) -> None:
    """Refuse verifying or recording a note when no open finding waits for one (of ``kind``,
    not already covered by ``note``), or for a cancelled visit."""
    not_cancelled(screening)
    kinds = [kind] if kind in NOTE_KINDS else list(NOTE_KINDS)
    waiting = {f["rule_id"] for k in kinds for f in note_findings(screening, k)}
    if note is not None:
        waiting -= set(note.covers or ())
    if not waiting:
        raise DecisionRefused("No open finding waits for a note this one could be verified for.")


def _covered(screening: Screening, kind: str, covers: Iterable[str], note: Note | None) -> list:
    """The rule ids a nurse chose, checked: each an open finding this kind of note is for, and
    not one this note already covers."""
    chosen = list(dict.fromkeys(covers))
    allowed = {f["rule_id"] for f in note_findings(screening, kind)}
    if note is not None:
        allowed -= set(note.covers or ())
    if not chosen:
        raise DecisionRefused("Choose the findings this note is for.", "covers")
    if any(rule_id not in allowed for rule_id in chosen):
        raise DecisionRefused(
            "A note can be verified only for open findings that need a note of its kind.",
            "covers",
        )
    return chosen


def verify_note(
    screening: Screening,
    note: Note,
    covers: Iterable[str],
    staff: StaffUser,
    seen_version: int | None,
) -> Decision:
    """A nurse has read the note and confirms it is what the chosen findings need. A note
    already verified can be verified for further findings."""
    check_version(screening, seen_version)
    not_cancelled(screening)
    chosen = _covered(screening, note.kind, covers, note)
    if not note.verified:
        note.verified_at = utcnow()
        note.verified_by_id = staff.id
    note.covers = [*(note.covers or ()), *chosen]  # a new list, so the JSON column sees it
    decision = record_decision(
        screening, staff, "verify_note", details={"note_id": note.id, "covers": chosen}
    )
    finish(screening, decision)
    return decision


def record_paper_note(
    screening: Screening,
    kind: str,
    covers: Iterable[str],
    staff: StaffUser,
    seen_version: int | None,
) -> Decision:
    """A note received on paper, checked by the nurse recording it for the chosen findings."""
    check_version(screening, seen_version)
    not_cancelled(screening)
    if kind not in NOTE_KINDS:
        raise DecisionRefused("Choose the kind of note.", "kind")
    chosen = _covered(screening, kind, covers, None)
    now = utcnow()
    note = Note(
        screening=screening,
        kind=kind,
        on_paper=True,
        uploaded_by_id=staff.id,
        uploaded_at=now,
        verified_by_id=staff.id,
        verified_at=now,
        covers=chosen,
    )
    db.session.add(note)
    db.session.flush()
    decision = record_decision(
        screening,
        staff,
        "paper_note",
        details={"note_id": note.id, "kind": kind, "covers": chosen},
    )
    finish(screening, decision)
    return decision


def findings_covered(screening: Screening, note: Note) -> list[dict[str, Any]]:
    """The findings a note was verified for."""
    return [f for f in screening.findings if note in covering_notes([note], f)]


def save_uploaded_note(screening: Screening, kind: str, upload, staff) -> Note:
    """Check, store and record an uploaded note (by the patient when ``staff`` is ``None``).

    Raises ``notes.NoteRejected`` with a plain message; nothing is stored then.
    """
    if kind not in NOTE_KINDS:
        raise notes.NoteRejected(gettext("Choose the kind of note"))
    if upload is None or not upload.filename:
        raise notes.NoteRejected(gettext("Choose a file to upload"))
    if staff is None:
        _within_patient_limits(screening)
    # No transaction stays open while the file is read and decoded (the reads above end here).
    db.session.commit()
    try:
        checked = notes.check_upload(upload.filename, upload.stream)
    except notes.NoteRejected as rejected:
        if rejected.limit:
            _record_limited(screening, rejected.limit, staff)
        raise
    upload_dir = notes_dir()
    stored_name, digest = notes.store_note(upload_dir, checked)
    try:
        note = Note(
            screening=screening,
            kind=kind,
            on_paper=False,
            stored_name=stored_name,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=digest,
            uploaded_by_id=staff.id if staff is not None else None,
            uploaded_at=utcnow(),
            covers=[],
        )
        db.session.add(note)
        db.session.flush()
        refresh_status(screening)
        screening.updated_at = utcnow()
        audit.record(
            audit.Action.UPLOAD_NOTE,
            object_type="note",
            object_id=note.id,
            detail=f"screening {screening.id}",
            staff=staff,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        notes.delete_stored(upload_dir, stored_name)
        raise
    return note


def _within_patient_limits(screening: Screening) -> None:
    """Refuse (``notes.NoteRejected``, audited) a patient's upload over the screening's limits:
    ``MAX_PATIENT_UPLOADS`` in all, ``PATIENT_UPLOADS_PER_SCREENING_PER_DAY`` in 24 hours.

    Counted per screening from the notes themselves, so every worker agrees and no one's
    uploads use up anyone else's (the per-address limits are the limiter's, ``intake.limits``).
    """
    # A patient's link must not be a way to fill the clinic's disk.
    if sum(not n.on_paper for n in screening.notes) >= MAX_PATIENT_UPLOADS:
        _record_limited(screening, f"uploads per screening, {MAX_PATIENT_UPLOADS} in all", None)
        raise notes.NoteRejected(
            gettext(
                "We already have %(count)d files from you. Please call the clinic to send more.",
                count=MAX_PATIENT_UPLOADS,
            )
        )
    per_day = current_app.config["PATIENT_UPLOADS_PER_SCREENING_PER_DAY"]
    since = utcnow() - timedelta(days=1)
    today = [
        n
        for n in screening.notes
        if not n.on_paper and n.uploaded_by_id is None and n.uploaded_at > since
    ]
    if len(today) >= per_day:
        _record_limited(screening, f"uploads per screening, {per_day} per day", None)
        raise UploadsLimited(
            gettext(
                "You have sent %(count)d files in the last 24 hours, the most we accept in a "
                "day. Please send the rest tomorrow, or bring the paper note to your appointment.",
                count=per_day,
            )
        )


def _record_limited(screening: Screening, limit: str, staff: StaffUser | None) -> None:
    """One audit row for an upload refused by a limit, committed at once (nothing is stored)."""
    audit.record(
        audit.Action.LIMITED,
        result="refused",
        object_type="screening",
        object_id=screening.id,
        detail=f"note upload: {limit}",
        staff=staff,
    )
    db.session.commit()


def notes_dir() -> Path:
    """Where uploaded notes are kept: ``instance/uploads`` unless configured."""
    return Path(
        current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    )
