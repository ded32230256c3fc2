"""The questions asked again before the visit come from the rules' data (lifecycle.md): those a
finding ending by ``recheck``, ``new_screening`` or ``date`` reads and whose answers can change
before the visit, with the questions depending on them; never a date of birth."""

from __future__ import annotations

import pytest

from rules import get_ruleset
from rules.triggers import (
    AgeUnder,
    AnswerIs,
    AnswerIsWithAny,
    DateNear,
    RecentDate,
    TakenWithinDays,
)
from tests.rules.answer_sets import ALL_RULESETS, ruleset_id


@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_both_lists_are_in_question_order_and_never_hold_a_birth_date(ruleset):
    order = [q.id for q in ruleset.questions]
    for listed in (ruleset.check_in_questions, ruleset.recheck_questions):
        assert list(listed) == sorted(listed, key=order.index)
        assert "date_of_birth" not in listed
    assert set(ruleset.recheck_questions) <= set(ruleset.check_in_questions)


def test_a_question_depending_on_one_asked_again_is_asked_again():
    ruleset = get_ruleset("pdo_smooth_threads")
    last_dose = ruleset.questions_by_id["bleeding_risk_last_dose"]
    assert last_dose.applies_when.question == "bleeding_risk_substances"
    assert "bleeding_risk_last_dose" in ruleset.check_in_questions


@pytest.mark.parametrize(
    ("trigger", "current"),
    [
        (AnswerIs("pregnant"), ("pregnant",)),
        (TakenWithinDays("bleeding_risk_substances", "bleeding_risk_last_dose", 7), None),
        (AnswerIsWithAny("cold_sore_history", "treatment_areas", ("lips",)), None),
        (RecentDate("toxin_last_date", days=90), None),
        (DateNear("dental_work_date", days=14), None),
        (AgeUnder("date_of_birth", 18), ()),
    ],
    ids=["answer_is", "taken_within_days", "answer_is_with_any", "recent_date", "date_near", "age"],
)
def test_current_reads_are_the_reads_but_a_birth_date(trigger, current):
    assert trigger.current_reads == (trigger.reads if current is None else current)
