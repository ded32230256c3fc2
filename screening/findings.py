"""What staff and patients do to a screening after it is submitted, each path held to
lifecycle.md: a nurse's decision, an acknowledgement, a new date, the day-of check-in, the
patient's re-check, a cancellation, the comparison with the person's earlier screenings.

Findings are stored as the rules returned them, with how each ends (``lifecycle``); the status is
derived from them, never set. Every operation checks the version of the screening it was shown,
adds one ``Decision`` and one audit row, and commits; a refusal changes nothing and is audited
where it was an attempt to end a finding some other way than its own.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import rules
from rules import AnswerError, Ends

from . import audit
from .clock import utcnow
from .extensions import db
from .lifecycle import (
    ACKNOWLEDGED,
    AWAITING_RECHECK,
    ENDED_BY_DECISION,
    FINAL,
    OPEN,
    RESOLVED,
    covering_notes,
    derive_status,
    endings,
    is_open,
    overall,
    rederived,
    refusal,
    state_of,
    stored_findings,
)
from .models import Decision, Screening, StaffUser
from .outreach import reminders
from .validators import BOOKING_YEARS_AHEAD, booked_too_far_ahead

# Every question some rule set asks again at the day-of check-in, from the rule data
# (``RuleSet.check_in_questions``); a screening's own come from its rule set.
CHECK_IN_QUESTIONS = tuple(
    dict.fromkeys(
        qid
        for versions in rules.RULESETS.values()
        for ruleset in versions.values()
        for qid in ruleset.check_in_questions
    )
)


class DecisionRefused(Exception):
    """The decision is not allowed; the message says why, in plain words. ``field`` names the
    form field the message is about, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleScreening(Exception):
    """The screening changed since the nurse loaded it; nothing was saved."""


def comparison_pending(screening: Screening) -> bool:
    """Whether the screening waits for a nurse to compare it with the person's earlier ones."""
    comparison = screening.comparison
    return bool(comparison) and not comparison.get("confirmed_by")


def ends_of(screening: Screening):
    """How each finding of the screening ends, by its rule set version's data."""
    return endings(screening.ruleset_id, screening.ruleset_version)


def refresh_status(screening: Screening) -> None:
    """Set the status from the findings, notes, cancellation and comparison as they now stand."""
    screening.status = derive_status(
        screening.findings,
        screening.finding_states,
        screening.notes,
        ends_of(screening),
        cancelled=screening.cancelled_at is not None,
        comparison_pending=comparison_pending(screening),
        consented=screening.consented,
    )


def find_finding(screening: Screening, rule_id: str) -> dict[str, Any] | None:
    """The screening's finding of ``rule_id``, if it has one."""
    return next((f for f in screening.findings if f["rule_id"] == rule_id), None)


def check_version(screening: Screening, seen_version: int | None) -> None:
    """Raise ``StaleScreening`` unless the form was made from the screening as it stands."""
    if seen_version != screening.row_version:
        raise StaleScreening()


def not_cancelled(screening: Screening, seen_version: int | None = None) -> None:
    """Refuse any decision but undoing it on a cancelled visit (and, given the version the page
    was made from, one made from an old page)."""
    if seen_version is not None:
        check_version(screening, seen_version)
    if screening.cancelled_at is not None:
        raise DecisionRefused("This visit was canceled. Undo the cancellation first.")


def refuse(screening: Screening, message: str, why: str, field: str | None = None) -> None:
    """Refuse (``DecisionRefused``), and audit the attempt."""
    audit.record(
        audit.Action.REFUSED,
        result="refused",
        object_type="screening",
        object_id=screening.id,
        detail=why,
    )
    db.session.commit()
    raise DecisionRefused(message, field)


def required_reason(reason: str, message: str = "Give the reason for your decision.") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DecisionRefused(message, "reason")
    return reason


def record_decision(
    screening: Screening,
    staff: StaffUser | None,
    kind: str,
    *,
    rule_id: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> Decision:
    """A new decision on the screening, by ``staff`` (``None``: the patient), in the session."""
    decision = Decision(
        screening=screening,
        staff=staff,
        kind=kind,
        rule_id=rule_id,
        reason=reason,
        details=details or {},
        created_at=utcnow(),
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def finish(screening: Screening, decision: Decision) -> None:
    """Derive the status, audit the decision and commit."""
    refresh_status(screening)
    screening.updated_at = utcnow()
    audit.record(
        audit.Action.DECISION,
        object_type="screening",
        object_id=screening.id,
        detail=f"{decision.kind} #{decision.id}",
        staff=decision.staff,
    )
    db.session.commit()


def _set_state(screening: Screening, rule_id: str, state: str, decision: Decision) -> None:
    # A new dict, so the JSON column sees the change.
    screening.finding_states = {
        **screening.finding_states,
        rule_id: {"state": state, "decision_id": decision.id},
    }


def evaluate_stored(
    screening: Screening, answers: dict[str, Any], appointment_date: date, today: date
) -> rules.Result:
    """The screening's answers evaluated under its own rule set version.

    Raises ``rules.AnswerError`` when the answers or the date are not acceptable.
    """
    return rules.evaluate(
        treatment=screening.ruleset_id,
        appointment_date=appointment_date,
        answers=answers,
        today=today,
        version=screening.ruleset_version,
        not_asked=screening.questions_not_asked,
    )


def rederive(
    screening: Screening,
    result: rules.Result,
    appointment_date: date,
    asked_again: frozenset[str] = frozenset(),
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The findings and states ``result`` gives the screening, keeping what only ends its own
    way (``lifecycle.rederived``); nothing is stored."""
    return rederived(
        screening.findings,
        screening.finding_states,
        stored_findings(result),
        appointment_date,
        endings(*result.ruleset),
        ends_of(screening),
        asked_again,
    )


def apply_result(
    screening: Screening,
    result: rules.Result,
    answers: dict[str, Any],
    appointment_date: date,
    derived: tuple[list[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Store the answers and date as they now stand and the findings derived from them
    (``derived``, when the caller has it already, else ``rederive``)."""
    findings, states = derived or rederive(screening, result, appointment_date)
    screening.answers = answers
    screening.appointment_date = appointment_date
    screening.findings = findings
    screening.finding_states = states
    screening.instructions = [instruction.to_dict() for instruction in result.instructions]
    screening.outcome, screening.earliest_date = overall(findings)


def open_rule_ids(findings: list[dict[str, Any]], states: dict[str, Any]) -> set[str]:
    """The rule ids of the findings that are open."""
    return {f["rule_id"] for f in findings if is_open(states, f)}


# Decisions on one finding ---------------------------------------------------------------------


def resolvable(screening: Screening, finding: dict[str, Any]) -> bool:
    """Whether a nurse's decision with a reason may end this finding now: an open note or
    nurse finding (a note finding once a note has been verified for it) of a visit that is not
    cancelled."""
    ends = ends_of(screening)(finding)
    return (
        screening.cancelled_at is None
        and is_open(screening.finding_states, finding)
        and ends in ENDED_BY_DECISION
        and (ends is not Ends.NOTE or bool(covering_notes(screening.notes, finding)))
    )


def refuse_resolution(screening: Screening, finding: dict[str, Any]) -> None:
    """Refuse, and audit, a decision on a finding that a decision cannot end."""
    ends = ends_of(screening)
    refuse(screening, refusal(finding, ends), f"{ends(finding)} finding {finding['rule_id']}")


def ensure_resolvable(screening: Screening, rule_id: str, seen_version: int | None) -> None:
    """Refuse (``DecisionRefused``, audited for an attempt to end a finding some other way than
    its own) unless a decision may end this finding now; ``StaleScreening`` for an old page."""
    finding = find_finding(screening, rule_id)
    if finding is not None and refusal(finding, ends_of(screening)) is not None:
        refuse_resolution(screening, finding)
    check_version(screening, seen_version)
    not_cancelled(screening)
    if finding is None or not is_open(screening.finding_states, finding):
        raise DecisionRefused("This finding is not open: it may have been decided already.")
    if ends_of(screening)(finding) is Ends.NOTE and not covering_notes(screening.notes, finding):
        refuse(
            screening,
            "This finding can be resolved only once the note it needs has been verified for it.",
            f"no note verified for {rule_id}",
        )


def resolve_finding(
    screening: Screening, rule_id: str, reason: str, staff: StaffUser, seen_version: int | None
) -> Decision:
    """End one finding with a reason. Only a note or nurse finding ends so, a note finding once a
    note has been verified for it; any other is refused and audited."""
    ensure_resolvable(screening, rule_id, seen_version)
    reason = required_reason(reason)
    decision = record_decision(screening, staff, "resolve", rule_id=rule_id, reason=reason)
    _set_state(screening, rule_id, RESOLVED, decision)
    finish(screening, decision)
    return decision


def acknowledge_reschedule(
    screening: Screening, reason: str, staff: StaffUser, seen_version: int | None
) -> Decision:
    """Record that the patient was told the visit cannot go ahead. It ends nothing: a finding
    nothing ends makes the visit not eligible once acknowledged; the others wait for a new date
    or the patient's fresh answer."""
    check_version(screening, seen_version)
    not_cancelled(screening)
    told = [
        f
        for f in screening.findings
        if is_open(screening.finding_states, f)
        and f["outcome"] == "reschedule"
        and state_of(screening.finding_states, f) == OPEN
    ]
    if not told:
        raise DecisionRefused("There is no reschedule waiting to be acknowledged.")
    decision = record_decision(
        screening,
        staff,
        "acknowledge",
        reason=(reason or "").strip(),
        details={"findings": [f["rule_id"] for f in told]},
    )
    for finding in told:
        _set_state(screening, finding["rule_id"], ACKNOWLEDGED, decision)
    finish(screening, decision)
    return decision


# A new date -------------------------------------------------------------------------------------


def move_appointment(
    screening: Screening,
    new_date: date | None,
    new_time: time | None,
    reason: str,
    staff: StaffUser,
    seen_version: int | None,
    today: date,
) -> Decision:
    """Move the visit to a new date (and time), from any status but cancelled.

    Every date finding is checked against the new date; a date before the earliest date the
    patient can come, the same date, or a date in the past, is refused. Re-check findings stay
    open, now waiting for the patient's fresh answer; nothing else changes (invariant 3).
    """
    check_version(screening, seen_version)
    not_cancelled(screening)
    if new_date is None:
        raise DecisionRefused("Enter the new appointment date.", "new_date")
    if new_date < today:
        raise DecisionRefused("The new appointment date is in the past.", "new_date")
    if booked_too_far_ahead(new_date, today):
        raise DecisionRefused(
            f"The new appointment date is more than {BOOKING_YEARS_AHEAD} years ahead.",
            "new_date",
        )
    if new_date == screening.appointment_date:
        raise DecisionRefused(
            "The new appointment date is the date the appointment already has.", "new_date"
        )
    reason = required_reason(reason, "Give the reason for moving the appointment.")
    answers = dict(screening.answers)
    try:
        result = evaluate_stored(screening, answers, new_date, today)
    except AnswerError as error:
        problems = "; ".join(messages[0] for messages in error.errors.values())
        raise DecisionRefused(
            f"The answers cannot be checked for that date: {problems}.", "new_date"
        ) from None
    states, ends = screening.finding_states, ends_of(screening)
    open_dates = [f for f in screening.findings if is_open(states, f) and ends(f) is Ends.DATE]
    earliest = [f.earliest_date for f in result.findings if f.ends is Ends.DATE]
    earliest += [date.fromisoformat(f["earliest_date"]) for f in open_dates]
    if earliest and new_date < max(earliest):
        raise DecisionRefused(
            f"The new appointment date is before the earliest date this patient can come, "
            f"{max(earliest).isoformat()}.",
            "new_date",
        )
    old_date, old_time = screening.appointment_date, screening.appointment_time
    decision = record_decision(
        screening,
        staff,
        "move",
        reason=reason,
        details={
            "old_appointment_date": old_date.isoformat(),
            "old_appointment_time": old_time.strftime("%H:%M") if old_time else None,
            "new_appointment_date": new_date.isoformat(),
            "new_appointment_time": new_time.strftime("%H:%M") if new_time else None,
            "ended": [f["rule_id"] for f in open_dates],
        },
    )
    apply_result(screening, result, answers, new_date)
    screening.appointment_time = new_time
    reminders.queue_move_notice(screening)  # the patient is told, by email too
    for finding in screening.findings:
        if not is_open(screening.finding_states, finding):
            continue
        if ends(finding) is Ends.RECHECK:
            _set_state(screening, finding["rule_id"], AWAITING_RECHECK, decision)
        elif ends(finding) in FINAL and state_of(screening.finding_states, finding) == OPEN:
            _set_state(screening, finding["rule_id"], ACKNOWLEDGED, decision)
    finish(screening, decision)
    return decision


# The visit as a whole ----------------------------------------------------------------------------


def ensure_cancellable(screening: Screening, seen_version: int | None) -> None:
    """Refuse cancelling a visit already cancelled."""
    check_version(screening, seen_version)
    if screening.cancelled_at is not None:
        raise DecisionRefused("This visit is already canceled.")


def ensure_cancelled(screening: Screening, seen_version: int | None) -> None:
    """Refuse undoing the cancellation of a visit that is not cancelled."""
    check_version(screening, seen_version)
    if screening.cancelled_at is None:
        raise DecisionRefused("This visit is not canceled.")


def cancel_visit(
    screening: Screening, reason: str, staff: StaffUser, seen_version: int | None
) -> Decision:
    """Cancel the visit: no reminders, the patient's link says so; the screening stays in the
    records with its cancellation."""
    ensure_cancellable(screening, seen_version)
    reason = required_reason(reason, "Give the reason for canceling the visit.")
    decision = record_decision(screening, staff, "cancel", reason=reason)
    screening.cancelled_at = utcnow()
    finish(screening, decision)
    return decision


def undo_cancellation(
    screening: Screening, reason: str, staff: StaffUser, seen_version: int | None
) -> Decision:
    """Undo a cancellation: the visit stands as its findings say."""
    ensure_cancelled(screening, seen_version)
    reason = required_reason(reason, "Give the reason for undoing the cancellation.")
    decision = record_decision(screening, staff, "undo_cancel", reason=reason)
    screening.cancelled_at = None
    finish(screening, decision)
    return decision


def ensure_comparison(screening: Screening, seen_version: int | None) -> None:
    """Refuse confirming a comparison when none waits for a nurse."""
    check_version(screening, seen_version)
    not_cancelled(screening)
    if not comparison_pending(screening):
        raise DecisionRefused("There is no comparison waiting for a nurse.")


def confirm_comparison(
    screening: Screening, reason: str, staff: StaffUser, seen_version: int | None
) -> Decision:
    """A nurse compared the screening with the person's earlier ones and confirms it may stand
    on its own findings."""
    ensure_comparison(screening, seen_version)
    reason = required_reason(reason)
    decision = record_decision(
        screening,
        staff,
        "confirm_comparison",
        reason=reason,
        details={"compared_with": [item["id"] for item in screening.comparison["with"]]},
    )
    screening.comparison = {**screening.comparison, "confirmed_by": decision.id}
    finish(screening, decision)
    return decision
