"""The questions asked again before the visit come from the rules' data (lifecycle.md): those a
finding ending by ``recheck``, ``new_screening`` or ``date`` reads and whose answers can change
before the visit, with the questions depending on them; never a date of birth."""

from __future__ import annotations

import pytest

from rules import RULESETS, get_ruleset
from rules.triggers import (
    AgeUnder,
    AnswerIs,
    AnswerIsWithAny,
    DateNear,
    RecentDate,
    TakenWithinDays,
)
from tests.rules.answer_sets import ALL_RULESETS, ruleset_id

# Every treatment asks these again (pregnancy and breastfeeding end only by a new screening; the
# bleeding-risk window by a date; feeling unwell, a cold sore and a blemish by a fresh answer).
CORE_CHECK_IN = (
    "pregnant",
    "breastfeeding",
    "bleeding_risk_substances",
    "bleeding_risk_last_dose",
    "feeling_unwell",
    "cold_sore",
    "blemish_or_rash",
)
CORE_RECHECK = ("feeling_unwell", "cold_sore", "blemish_or_rash")
CHECK_IN = {
    "pdo_smooth_threads": CORE_CHECK_IN,
    "pdo_barbed_threads": (*CORE_CHECK_IN, "active_skin_condition"),
    "dermal_filler": CORE_CHECK_IN,
    "neurotoxin": (*CORE_CHECK_IN, "toxin_last_date"),
    "sculptra": CORE_CHECK_IN,
    "microneedling": (
        *CORE_CHECK_IN,
        "isotretinoin_last_dose",
        "active_skin_condition",
        "recent_sunburn",
    ),
}
RECHECK = {
    "pdo_barbed_threads": (*CORE_RECHECK, "active_skin_condition"),
    "microneedling": (*CORE_RECHECK, "active_skin_condition", "recent_sunburn"),
}


@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_check_in_questions_per_treatment(ruleset):
    assert ruleset.check_in_questions == CHECK_IN[ruleset.treatment]


@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_recheck_questions_per_treatment(ruleset):
    assert ruleset.recheck_questions == RECHECK.get(ruleset.treatment, CORE_RECHECK)


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


def test_every_treatment_is_listed():
    assert set(CHECK_IN) == set(RULESETS)


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
