"""Rule sets are data: defined once, consistent, and frozen once released."""

from datetime import date

import pytest

from rules import (
    CURRENT_VERSIONS,
    RULESETS,
    TOPICS,
    AnswerError,
    Ends,
    Kind,
    evaluate,
    get_ruleset,
)
from rules.questions import CORE_QUESTIONS, Condition, ConditionOp, Question
from rules.ruleset import RuleSet
from tests.contract import CORE_QUESTION_IDS, VERSION_2_ADDED, no_answers, seed_answers


def all_rulesets():
    return [rs for versions in RULESETS.values() for rs in versions.values()]


def test_fingerprint_ignores_wording_but_not_judgement():
    base = get_ruleset("pdo_smooth_threads", "1")
    reworded = RuleSet(
        treatment=base.treatment,
        version=base.version,
        title="Reworded",
        questions=tuple(
            Question(**{**_fields(q), "label": q.label + "!", "help": "new help"})
            for q in base.questions
        ),
        rules=base.rules,
        instructions=base.instructions,
    )
    assert reworded.fingerprint() == base.fingerprint()
    first_rule = base.rules[0]
    weakened = RuleSet(
        treatment=base.treatment,
        version=base.version,
        title=base.title,
        questions=base.questions,
        # Overridable, a pregnancy finding would end by a patient's fresh answer (recheck).
        rules=(_replace(first_rule, overridable=True, ends=Ends.RECHECK), *base.rules[1:]),
        instructions=base.instructions,
    )
    assert weakened.fingerprint() != base.fingerprint()


def _fields(question):
    return {
        name: getattr(question, name)
        for name in Question.__dataclass_fields__
        if name != "option_codes"
    }


def _replace(rule, **changes):
    from dataclasses import replace

    return replace(rule, **changes)


def test_core_questions_are_the_contract_ids():
    assert sorted(q.id for q in CORE_QUESTIONS) == sorted(CORE_QUESTION_IDS)


@pytest.mark.parametrize("ruleset", all_rulesets(), ids=lambda rs: "-".join(rs.key))
def test_every_rule_names_its_source_and_reads_real_questions(ruleset):
    for rule in ruleset.rules:
        assert rule.source.strip()
        assert rule.patient_text.strip() and rule.staff_text.strip()
        assert set(rule.reads) <= set(ruleset.questions_by_id)
    for instruction in ruleset.instructions:
        assert instruction.source.strip()


@pytest.mark.parametrize("ruleset", all_rulesets(), ids=lambda rs: "-".join(rs.key))
def test_every_question_is_complete(ruleset):
    topics = [t.id for t in TOPICS]
    for question in ruleset.questions:
        assert question.label.strip()
        if question.required:
            assert question.missing_message.strip()
        else:
            assert question.short_name.strip(), "messages about an optional answer name it"
        assert question.topic in topics
        if question.kind is Kind.DATE:
            assert question.options == ()
        else:
            assert len({o.code for o in question.options}) == len(question.options)


def test_definitions_that_contradict_themselves_are_refused():
    base = get_ruleset("pdo_smooth_threads", "1")
    dependent = Question(
        id="depends_on_later",
        kind=Kind.DATE,
        topic="medicines",
        label="When?",
        missing_message="Enter a date",
        applies_when=Condition("asked_later", ConditionOp.NOT_EMPTY),
    )
    with pytest.raises(ValueError, match="must come before"):
        RuleSet("t", "1", "T", (dependent, *base.questions), base.rules, base.instructions)
    with pytest.raises(ValueError, match="defined twice"):
        RuleSet("t", "1", "T", base.questions * 2, base.rules, base.instructions)
    with pytest.raises(ValueError, match="reads unknown"):
        RuleSet("t", "1", "T", base.questions[:1], base.rules, base.instructions)
    with pytest.raises(ValueError, match="needs options"):
        Question(id="x", kind=Kind.CHOICE, topic="health", label="x", missing_message="x")


def test_unknown_condition_operator_is_a_real_error():
    with pytest.raises(ValueError):
        Condition("bleeding_risk_substances", "is_purple").holds({})  # type: ignore[arg-type]


def test_unknown_treatment_or_version_raises_key_error():
    with pytest.raises(KeyError):
        get_ruleset("botox")
    with pytest.raises(KeyError):
        get_ruleset("pdo_smooth_threads", "0")


def test_smooth_threads_current_version_is_2():
    assert CURRENT_VERSIONS["pdo_smooth_threads"] == "2"
    assert get_ruleset("pdo_smooth_threads").version == "2"


def test_version_1_still_gives_its_own_result_for_seed_answers():
    visit = {
        "treatment": "pdo_smooth_threads",
        "appointment_date": date(2026, 12, 10),
        "today": date(2026, 12, 1),
    }
    answers = seed_answers(cold_sore="yes", neuromuscular_disorder="unsure")
    result = evaluate(**visit, answers=answers, version="1")
    assert result.ruleset == ("pdo_smooth_threads", "1")
    assert result.outcome == "reschedule"
    assert [f.rule_id for f in result.findings] == ["cold_sore", "neuromuscular_disorder"]

    with pytest.raises(AnswerError) as excinfo:
        evaluate(**visit, answers=answers)
    assert set(excinfo.value.errors) == set(VERSION_2_ADDED)

    current = evaluate(**visit, answers=no_answers(**answers))
    assert current.ruleset == ("pdo_smooth_threads", "2")
    assert current.to_dict()["findings"] == result.to_dict()["findings"]
