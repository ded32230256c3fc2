"""A screening beside its treatment's current rules: the comparison a nurse reads, and accepting
it. Questions the current version adds were never asked, and are never read as "no"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import rules

from .findings import (
    DecisionRefused,
    apply_result,
    check_version,
    finish,
    not_cancelled,
    record_decision,
)
from .lifecycle import stored_findings
from .models import Decision, Screening, StaffUser


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
    after = {f["rule_id"]: f for f in stored_findings(result)}
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

    Decisions on findings that did not change are kept, and so is every open finding that ends
    only its own way (a finding nothing ends is never ended by newer rules); the move, with every
    difference, is recorded as a decision and audited.
    """
    check_version(screening, seen_version)
    not_cancelled(screening)
    comparison = compare_with_current_rules(screening, today)
    if comparison is None:
        raise DecisionRefused("This screening already uses the current rules.")
    if comparison.result is None:
        raise DecisionRefused(comparison.error)
    if not reason.strip():
        raise DecisionRefused("Give the reason for your decision.")
    decision = record_decision(
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
    apply_result(screening, comparison.result, dict(screening.answers), screening.appointment_date)
    finish(screening, decision)
    return decision
