"""Rule sets are data: defined once, consistent, and frozen once released."""

import pytest

from rules import RULESETS, TOPICS, Kind, get_ruleset
from rules.questions import CORE_QUESTIONS, Condition, ConditionOp, Question
from rules.ruleset import RuleSet
from tests.contract import CORE_QUESTION_IDS

# A released version never changes. When a rule, an option or a window must change, release a
# new version and add its fingerprint here; never edit a line below.
RELEASED_FINGERPRINTS = {
    ("pdo_smooth_threads", "1"): (
        "49624413476fbf8d9772aafe36b6225bc51d8be4ea6842d12eea05357bea130e"
    ),
}


def all_rulesets():
    return [rs for versions in RULESETS.values() for rs in versions.values()]


@pytest.mark.parametrize("key", sorted(RELEASED_FINGERPRINTS), ids="-".join)
def test_released_versions_never_change(key):
    assert get_ruleset(*key).fingerprint() == RELEASED_FINGERPRINTS[key]


def test_every_released_version_is_pinned():
    assert {rs.key for rs in all_rulesets()} == set(RELEASED_FINGERPRINTS)


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
        rules=(_replace(first_rule, overridable=True), *base.rules[1:]),
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
        assert question.label.strip() and question.missing_message.strip()
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
