"""Answers given again after submission: the day-of check-in and the patient's re-check from
their link. Each changed answer is kept with its old value, who and when; the findings are
derived again from the answers as they now stand (lifecycle invariant 4).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import rules

from .clock import utcnow
from .extensions import db
from .findings import (
    DecisionRefused,
    apply_result,
    check_version,
    ends_of,
    evaluate_stored,
    finish,
    not_cancelled,
    open_rule_ids,
    record_decision,
    rederive,
    refuse,
    required_reason,
)
from .lifecycle import (
    AWAITING_RECHECK,
    FINAL,
    is_open,
    state_of,
)
from .models import AnswerChange, Decision, Screening, StaffUser

RECHECK_DAYS_BEFORE = 3  # the patient's re-check opens this many days before the new date


def _record_changes(
    screening: Screening,
    before: dict[str, Any],
    after: dict[str, Any],
    asked: tuple[str, ...],
    decision: Decision,
    staff: StaffUser | None,
) -> list[str]:
    """One ``AnswerChange`` per asked question whose answer changed; returns their ids."""
    changed = [qid for qid in asked if before.get(qid) != after.get(qid)]
    now = utcnow()
    for qid in changed:
        db.session.add(
            AnswerChange(
                screening=screening,
                decision_id=decision.id,
                question_id=qid,
                old_value=before.get(qid),
                new_value=after.get(qid),
                staff_id=staff.id if staff is not None else None,
                changed_at=now,
            )
        )
    return changed


def original_answers(screening: Screening) -> dict[str, Any]:
    """The answers as the patient submitted them: each changed one as it was first."""
    original = dict(screening.answers)
    for change in reversed(screening.answer_changes):
        if change.old_value is None:
            original.pop(change.question_id, None)
        else:
            original[change.question_id] = change.old_value
    return original


def final_answers(screening: Screening) -> dict[str, str]:
    """Question id -> rule id, for the answers behind an open finding that nothing the clinic
    does ends (a pregnancy, an allergy that rules the treatment out): no check-in changes them."""
    states, ends = screening.finding_states, ends_of(screening)
    return {
        qid: finding["rule_id"]
        for finding in screening.findings
        if is_open(states, finding) and ends(finding) in FINAL
        for qid in finding["answers"]
    }


def ensure_check_in(screening: Screening, seen_version: int | None, today: date) -> None:
    """Refuse a check-in on any day but the appointment's, or of a cancelled visit."""
    check_version(screening, seen_version)
    not_cancelled(screening)
    if today != screening.appointment_date:
        raise DecisionRefused("Check-in is recorded on the day of the appointment.")


def check_in(
    screening: Screening,
    confirmed: dict[str, Any],
    reason: str,
    staff: StaffUser,
    seen_version: int | None,
    today: date,
) -> Decision:
    """Record the patient's answers again on the day of the appointment.

    ``confirmed`` holds the answers to the rule set's check-in questions. A changed answer is
    kept with its old value, needs a reason, and the findings are derived again; it never turns
    an answer behind a finding nothing ends into another (a new questionnaire is needed), which
    is refused and audited. Raises ``rules.AnswerError`` for answers that are not acceptable and
    ``DecisionRefused`` on any other day.
    """
    ensure_check_in(screening, seen_version, today)
    asked = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version).check_in_questions
    before = dict(screening.answers)
    answers = dict(before)
    for qid in asked:
        if qid not in confirmed:
            continue  # not asked today: it stands as given
        if confirmed[qid] is None:
            answers.pop(qid, None)  # a question that no longer applies (a last-dose date)
        else:
            answers[qid] = confirmed[qid]
    changed = [qid for qid in asked if before.get(qid) != answers.get(qid)]
    locked = final_answers(screening)
    for qid in changed:
        if qid in locked:
            refuse(
                screening,
                "The patient's answer behind a finding that no check-in can end was changed. "
                "A new questionnaire is needed, for a new visit.",
                f"check-in changed the answer behind {locked[qid]}",
                field=qid,
            )
    result = evaluate_stored(screening, answers, screening.appointment_date, today)
    derived = rederive(screening, result, screening.appointment_date, frozenset(asked))
    ended = open_rule_ids(screening.findings, screening.finding_states) - open_rule_ids(*derived)
    if ended:
        # A changed answer that ends a finding is the nurse's decision: it needs its reason.
        reason = required_reason(reason, "Give the reason: say what the patient told you.")
    decision = record_decision(
        screening,
        staff,
        "check_in",
        reason=(reason or "").strip(),
        details={"changed": changed, "ended": sorted(ended)},
    )
    _record_changes(screening, before, answers, asked, decision, staff)
    apply_result(screening, result, answers, screening.appointment_date, derived)
    screening.checked_in_at = utcnow()
    finish(screening, decision)
    return decision


def recheck_opens(screening: Screening) -> date | None:
    """The first day the patient may answer the re-check from their link, or ``None`` when
    none is waiting (the visit was not moved after a re-check finding, or it is cancelled)."""
    if screening.cancelled_at is not None:
        return None
    states = screening.finding_states
    if not any(
        is_open(states, f) and state_of(states, f) == AWAITING_RECHECK for f in screening.findings
    ):
        return None
    return date.fromordinal(screening.appointment_date.toordinal() - RECHECK_DAYS_BEFORE)


def recheck_offered(screening: Screening, today: date) -> bool:
    """Whether the patient may answer the re-check today: from a few days before the new date
    until the appointment day."""
    opens = recheck_opens(screening)
    return opens is not None and opens <= today <= screening.appointment_date


def record_recheck(
    screening: Screening, fresh: dict[str, Any], seen_version: int | None, today: date
) -> Decision:
    """The patient's fresh answers to the re-check questions, from their link.

    A fresh "no" ends the re-check finding it answers; a "yes" keeps it open (the visit
    cannot go ahead on the new date either). Every changed answer is kept with its old value.
    """
    check_version(screening, seen_version)
    if not recheck_offered(screening, today):
        raise DecisionRefused("There is nothing to re-check today.")
    asked = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version).recheck_questions
    before = dict(screening.answers)
    answers = {**before, **{qid: fresh[qid] for qid in asked}}
    result = evaluate_stored(screening, answers, screening.appointment_date, today)
    derived = rederive(screening, result, screening.appointment_date, frozenset(asked))
    ended = open_rule_ids(screening.findings, screening.finding_states) - open_rule_ids(*derived)
    decision = record_decision(screening, None, "recheck")
    changed = _record_changes(screening, before, answers, asked, decision, None)
    decision.details = {"changed": changed, "ended": sorted(ended)}
    apply_result(screening, result, answers, screening.appointment_date, derived)
    finish(screening, decision)
    return decision
