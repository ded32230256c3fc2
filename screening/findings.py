"""What staff do with a screening's findings, and the status that follows from them.

Findings are stored exactly as the rules returned them; beside them, ``finding_states`` gives
each a state: ``open``, ``resolved`` (by a nurse's decision, or a reschedule acknowledged) or
``acknowledged`` (a finding no one may override, which the clinic has acknowledged). The
screening's status is derived from the findings and notes, never set by hand. Every operation
checks the version of the screening the nurse was shown, adds one ``Decision`` and one audit
row, and commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext

import rules

from . import audit, notes
from .clock import utcnow
from .extensions import db
from .models import Decision, Note, Screening, StaffUser, Status

OPEN = "open"
RESOLVED = "resolved"
ACKNOWLEDGED = "acknowledged"
BLOCKING = ("reschedule", "needs_clearance")
NOTE_KINDS = ("provider_note", "prescriber_note")
MAX_PATIENT_UPLOADS = 10  # files a patient may upload for one screening
# The questions a nurse asks again on the day of the appointment.
CHECK_IN_QUESTIONS = (
    "feeling_unwell",
    "cold_sore",
    "blemish_or_rash",
    "bleeding_risk_substances",
    "bleeding_risk_last_dose",
    "pregnant",
    "breastfeeding",
    # Asked only for the treatments whose rules read them (microneedling, barbed threads).
    "recent_sunburn",
    "active_skin_condition",
)


class DecisionRefused(Exception):
    """The decision is not allowed; the message says why, in plain words."""


class StaleScreening(Exception):
    """The screening changed since the nurse loaded it; nothing was saved."""


def state_of(states: dict[str, Any], finding: dict[str, Any]) -> str:
    """A finding's state; a finding nobody has acted on is open."""
    return states.get(finding["rule_id"], {}).get("state", OPEN)


def is_open_blocker(states: dict[str, Any], finding: dict[str, Any]) -> bool:
    """A reschedule or clearance finding nobody has resolved or acknowledged."""
    return finding["outcome"] in BLOCKING and state_of(states, finding) == OPEN


def derive_status(findings: list[dict[str, Any]], states: dict[str, Any], notes: list[Note]) -> str:
    """The screening's status from its findings, their states and the notes (see ``Status``)."""
    # Once the clinic has acknowledged a finding no one may override, nothing else matters.
    if any(state_of(states, f) == ACKNOWLEDGED for f in findings):
        return Status.NOT_ELIGIBLE
    open_blockers = [f for f in findings if is_open_blocker(states, f)]
    if any(f["outcome"] == "reschedule" for f in open_blockers):
        return Status.RESCHEDULE
    needed_notes = {f["clearance"] for f in open_blockers if f["clearance"] in NOTE_KINDS}
    if needed_notes:
        if any(n.kind in needed_notes and not n.verified for n in notes):
            return Status.NOTE_TO_VERIFY
        verified = {n.kind for n in notes if n.verified}
        if needed_notes - verified:
            return Status.AWAITING_NOTE
    if open_blockers:
        return Status.NEEDS_REVIEW
    return Status.CLEARED


def refresh_status(screening: Screening) -> None:
    """Set the status from the findings and notes as they now stand."""
    screening.status = derive_status(screening.findings, screening.finding_states, screening.notes)


def _check_version(screening: Screening, seen_version: int | None) -> None:
    if seen_version != screening.row_version:
        raise StaleScreening()


def _refuse(screening: Screening, message: str, why: str) -> None:
    audit.record(
        audit.Action.REFUSED,
        result="refused",
        object_type="screening",
        object_id=screening.id,
        detail=why,
    )
    db.session.commit()
    raise DecisionRefused(message)


def _decide(
    screening: Screening, staff: StaffUser, kind: str, *, rule_id=None, reason="", details=None
) -> Decision:
    decision = Decision(
        screening=screening,
        staff_id=staff.id,
        kind=kind,
        rule_id=rule_id,
        reason=reason,
        details=details or {},
        created_at=utcnow(),
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def _finish(screening: Screening, decision: Decision) -> None:
    refresh_status(screening)
    screening.updated_at = utcnow()
    audit.record(
        audit.Action.DECISION,
        object_type="screening",
        object_id=screening.id,
        detail=f"{decision.kind} #{decision.id}",
    )
    db.session.commit()


def _set_state(screening: Screening, rule_id: str, state: str, decision: Decision) -> None:
    # A new dict, so the JSON column sees the change.
    screening.finding_states = {
        **screening.finding_states,
        rule_id: {"state": state, "decision_id": decision.id},
    }


def find_finding(screening: Screening, rule_id: str) -> dict[str, Any] | None:
    """The screening's finding of ``rule_id``, if it has one."""
    return next((f for f in screening.findings if f["rule_id"] == rule_id), None)


def refuse_override(screening: Screening) -> None:
    """Refuse, and audit, any attempt to resolve a finding no one may override."""
    _refuse(
        screening,
        "This finding can never be cleared by staff: the clinic does not treat in this case.",
        "not overridable",
    )


def resolve_finding(
    screening: Screening, rule_id: str, reason: str, staff: StaffUser, seen_version: int | None
) -> Decision:
    """Clear one finding with a reason. Refused (and audited) for a finding no one may override,
    and for a note-gated finding without a verified note of its kind."""
    finding = find_finding(screening, rule_id)
    if finding is not None and not finding["overridable"]:
        refuse_override(screening)
    _check_version(screening, seen_version)
    if finding is None or not is_open_blocker(screening.finding_states, finding):
        raise DecisionRefused("This finding is not open: it may have been decided already.")
    if finding["clearance"] in NOTE_KINDS and not any(
        n.kind == finding["clearance"] and n.verified for n in screening.notes
    ):
        _refuse(
            screening,
            "This finding can be resolved only once the note it needs has been verified.",
            "note not verified",
        )
    if not reason.strip():
        raise DecisionRefused("Give the reason for your decision.")
    decision = _decide(screening, staff, "resolve", rule_id=rule_id, reason=reason.strip())
    _set_state(screening, rule_id, RESOLVED, decision)
    _finish(screening, decision)
    return decision


def reevaluate(
    screening: Screening,
    answers: dict[str, Any],
    appointment_date: date,
    today: date,
    asked_again: frozenset[str] = frozenset(),
) -> None:
    """Evaluate again under the screening's own rule set version, keeping earlier decisions on
    findings whose answers did not change and were not asked again.

    Raises ``rules.AnswerError`` when the answers or the date are not acceptable.
    """
    result = rules.evaluate(
        treatment=screening.ruleset_id,
        appointment_date=appointment_date,
        answers=answers,
        today=today,
        version=screening.ruleset_version,
        not_asked=screening.questions_not_asked,
    )
    screening.answers = answers
    screening.appointment_date = appointment_date
    _store_result(screening, result, asked_again)


def _store_result(
    screening: Screening, result: rules.Result, asked_again: frozenset[str] = frozenset()
) -> None:
    """Replace the stored result, keeping decisions on findings that did not change."""
    previous = {f["rule_id"]: f for f in screening.findings}
    findings = [finding.to_dict() for finding in result.findings]
    states = {}
    for fresh in findings:
        earlier = previous.get(fresh["rule_id"])
        unchanged = (
            earlier is not None
            and earlier["answers"] == fresh["answers"]
            and earlier["outcome"] == fresh["outcome"]
            and earlier["clearance"] == fresh["clearance"]
            and not asked_again.intersection(fresh["answers"])
        )
        if unchanged and fresh["rule_id"] in screening.finding_states:
            states[fresh["rule_id"]] = screening.finding_states[fresh["rule_id"]]
    screening.findings = findings
    screening.finding_states = states
    screening.instructions = [i.to_dict() for i in result.instructions]
    screening.outcome = str(result.outcome)
    screening.earliest_date = result.earliest_date


@dataclass(frozen=True)
class FindingChange:
    """One rule whose finding differs between the stored result and the current rules."""

    rule_id: str
    change: str  # "added", "removed" or "changed"
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class RulesComparison:
    """The stored result beside what the treatment's current rules say about the same answers.

    ``result`` is ``None`` when the answers cannot be evaluated under the current rules;
    ``error`` then says why.
    """

    from_version: str
    to_version: str
    not_asked: tuple[str, ...]
    result: rules.Result | None
    changes: tuple[FindingChange, ...]
    outcome_before: str
    outcome_after: str | None
    error: str = ""

    @property
    def differs(self) -> bool:
        """Whether accepting the current rules would change any finding or the outcome."""
        return bool(self.changes) or self.outcome_after != self.outcome_before


_COMPARED = ("outcome", "overridable", "clearance", "earliest_date", "answers")


def compare_with_current_rules(screening: Screening, today: date) -> RulesComparison | None:
    """Evaluate the screening's answers under its treatment's current rules, changing nothing.

    ``None`` when the screening already uses the current version. Questions the current
    version adds were never asked, and are reported as such (never read as "no").
    """
    current = rules.get_ruleset(screening.ruleset_id)
    if current.version == screening.ruleset_version:
        return None
    asked_under = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version)
    not_asked = tuple(
        q.id
        for q in current.questions
        if q.id not in asked_under.questions_by_id or q.id in screening.questions_not_asked
    )
    answers = {k: v for k, v in screening.answers.items() if k in current.questions_by_id}
    try:
        result = rules.evaluate(
            treatment=current.treatment,
            appointment_date=screening.appointment_date,
            answers=answers,
            # A past appointment is judged as on its own day.
            today=min(today, screening.appointment_date),
            version=current.version,
            not_asked=not_asked,
        )
    except rules.AnswerError as error:
        problems = "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in error.errors.items())
        return RulesComparison(
            screening.ruleset_version,
            current.version,
            not_asked,
            None,
            (),
            screening.outcome,
            None,
            error=f"The answers cannot be evaluated under the current rules ({problems}).",
        )
    before = {f["rule_id"]: f for f in screening.findings}
    after = {f.rule_id: f.to_dict() for f in result.findings}
    changes = []
    for rule_id in [*before, *(r for r in after if r not in before)]:
        old, new = before.get(rule_id), after.get(rule_id)
        if old is None:
            changes.append(FindingChange(rule_id, "added", None, new))
        elif new is None:
            changes.append(FindingChange(rule_id, "removed", old, None))
        elif any(old[key] != new[key] for key in _COMPARED):
            changes.append(FindingChange(rule_id, "changed", old, new))
    return RulesComparison(
        screening.ruleset_version,
        current.version,
        not_asked,
        result,
        tuple(changes),
        screening.outcome,
        str(result.outcome),
    )


def accept_current_rules(
    screening: Screening, reason: str, staff: StaffUser, seen_version: int | None, today: date
) -> Decision:
    """Move the screening to its treatment's current rules, as the comparison showed them.

    Decisions on findings that did not change are kept; the move, with every difference, is
    recorded as a decision and audited.
    """
    _check_version(screening, seen_version)
    comparison = compare_with_current_rules(screening, today)
    if comparison is None:
        raise DecisionRefused("This screening already uses the current rules.")
    if comparison.result is None:
        raise DecisionRefused(comparison.error)
    if not reason.strip():
        raise DecisionRefused("Give the reason for your decision.")
    decision = _decide(
        screening,
        staff,
        "accept_current_rules",
        reason=reason.strip(),
        details={
            "from_version": comparison.from_version,
            "to_version": comparison.to_version,
            "outcome_before": comparison.outcome_before,
            "outcome_after": comparison.outcome_after,
            "changes": {change.rule_id: change.change for change in comparison.changes},
            "not_asked": list(comparison.not_asked),
        },
    )
    screening.ruleset_version = comparison.to_version
    screening.questions_not_asked = list(comparison.not_asked)
    _store_result(screening, comparison.result)
    _finish(screening, decision)
    return decision


def acknowledge_reschedule(
    screening: Screening,
    new_date: date | None,
    reason: str,
    staff: StaffUser,
    seen_version: int | None,
    today: date,
) -> Decision:
    """Record that the patient was told. With a new appointment date the date-window rules are
    evaluated again; reschedules without a date (illness, cold sore, rash) are resolved by the
    rebooking. Findings no one may override are acknowledged, never resolved."""
    _check_version(screening, seen_version)
    states = screening.finding_states
    if not any(
        is_open_blocker(states, f) and f["outcome"] == "reschedule" for f in screening.findings
    ):
        raise DecisionRefused("There is no reschedule waiting to be acknowledged.")
    old_date = screening.appointment_date
    if new_date is not None:
        reevaluate(screening, dict(screening.answers), new_date, today)
    decision = _decide(
        screening,
        staff,
        "acknowledge",
        reason=reason.strip(),
        details={
            "old_appointment_date": old_date.isoformat(),
            "new_appointment_date": new_date.isoformat() if new_date else None,
        },
    )
    for finding in screening.findings:
        if finding["outcome"] != "reschedule":
            continue
        if not is_open_blocker(screening.finding_states, finding):
            continue
        if not finding["overridable"]:
            _set_state(screening, finding["rule_id"], ACKNOWLEDGED, decision)
        elif new_date is not None and finding["earliest_date"] is None:
            _set_state(screening, finding["rule_id"], RESOLVED, decision)
    _finish(screening, decision)
    return decision


def check_in(
    screening: Screening,
    confirmed: dict[str, Any],
    staff: StaffUser,
    seen_version: int | None,
    today: date,
) -> Decision:
    """Record the patient's answers again on the day; any change is evaluated at once.

    ``confirmed`` holds the check-in questions' answers. Raises ``rules.AnswerError`` for
    answers that are not acceptable and ``DecisionRefused`` on any other day.
    """
    _check_version(screening, seen_version)
    if today != screening.appointment_date:
        raise DecisionRefused("Check-in is recorded on the day of the appointment.")
    answers = {k: v for k, v in screening.answers.items() if k not in CHECK_IN_QUESTIONS}
    answers.update({k: v for k, v in confirmed.items() if v is not None})
    changed = sorted(
        qid for qid in CHECK_IN_QUESTIONS if screening.answers.get(qid) != answers.get(qid)
    )
    reevaluate(screening, answers, screening.appointment_date, today, frozenset(confirmed))
    screening.checked_in_at = utcnow()
    decision = _decide(screening, staff, "check_in", details={"changed": changed})
    _finish(screening, decision)
    return decision


def verify_note(screening: Screening, note: Note, staff: StaffUser, seen_version: int | None):
    """A nurse has read an uploaded note and confirms it is what the finding needs."""
    _check_version(screening, seen_version)
    if note.verified:
        raise DecisionRefused("This note has already been verified.")
    note.verified_at = utcnow()
    note.verified_by_id = staff.id
    decision = _decide(screening, staff, "verify_note", details={"note_id": note.id})
    _finish(screening, decision)
    return decision


def record_paper_note(
    screening: Screening, kind: str, staff: StaffUser, seen_version: int | None
) -> Decision:
    """A note received on paper, checked by the nurse recording it."""
    _check_version(screening, seen_version)
    if kind not in NOTE_KINDS:
        raise DecisionRefused("Choose the kind of note.")
    now = utcnow()
    note = Note(
        screening=screening,
        kind=kind,
        on_paper=True,
        uploaded_by_id=staff.id,
        uploaded_at=now,
        verified_by_id=staff.id,
        verified_at=now,
    )
    db.session.add(note)
    db.session.flush()
    decision = _decide(screening, staff, "paper_note", details={"note_id": note.id, "kind": kind})
    _finish(screening, decision)
    return decision


def notes_needed(screening: Screening) -> list[str]:
    """The note kinds open findings of this screening wait for."""
    states = screening.finding_states
    kinds = {f["clearance"] for f in screening.findings if is_open_blocker(states, f)}
    return [kind for kind in NOTE_KINDS if kind in kinds]


def save_uploaded_note(screening: Screening, kind: str, upload, staff) -> Note:
    """Check, store and record an uploaded note (by the patient when ``staff`` is ``None``).

    Raises ``notes.NoteRejected`` with a plain message; nothing is stored then.
    """
    if kind not in NOTE_KINDS:
        raise notes.NoteRejected(gettext("Choose the kind of note"))
    if upload is None or not upload.filename:
        raise notes.NoteRejected(gettext("Choose a file to upload"))
    if staff is None and sum(not n.on_paper for n in screening.notes) >= MAX_PATIENT_UPLOADS:
        # A patient's link must not be a way to fill the clinic's disk.
        raise notes.NoteRejected(
            gettext(
                "We already have %(count)d files from you. Please call the clinic to send more.",
                count=MAX_PATIENT_UPLOADS,
            )
        )
    checked = notes.check_upload(upload.filename, upload.stream)
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


def notes_dir():
    """Where uploaded notes are kept: ``instance/uploads`` unless configured."""
    return Path(
        current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    )
