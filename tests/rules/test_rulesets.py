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

# A released version never changes. When a rule, an option or a window must change, release a
# new version and add its fingerprint here; never edit a line below.
RELEASED_FINGERPRINTS = {
    ("pdo_smooth_threads", "1"): (
        "49624413476fbf8d9772aafe36b6225bc51d8be4ea6842d12eea05357bea130e"
    ),
    ("pdo_smooth_threads", "2"): "c341d2765eb4e4f32cc3403406c031961bacbec6072b64f27ff7ae17f888ff2e",
    ("pdo_barbed_threads", "1"): "cf89210e7b3658318997cae3f820b95372252436958538069102617c18f5fd59",
    ("dermal_filler", "1"): "1e1afcb0ccdea425877ae7a7171916b967959f6de6ae6f2ad5083954636a2e2f",
    ("neurotoxin", "1"): "0380276bed84b10b8491ba1ca0d4bcd35a18d13f29ba93529c7f0916a73105cc",
    ("sculptra", "1"): "50d2c85ac8433f2bdee3e1198b09cc0ed8f61ef156939bfc2fe554e77dc98b83",
    ("microneedling", "1"): "27795c75177d305ec334dcd4ecab4d4a4bdebd71c2b2926261416938531e0eb4",
    ("pdo_barbed_threads", "2"): "680616aebde13c176ca975344a338a2f5c305a92217d4e0d62c7c710fa13a99b",
    ("dermal_filler", "2"): "a6c64d409e188b5c9e9ed725fc22a46f7deb24b2c6c0a089cecf1883efd3e637",
    ("microneedling", "2"): "2702711661d7a6cbfbd6c254f1317105e94bd18f565513b35fa545afeac2fb79",
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
