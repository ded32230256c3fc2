"""How each finding ends (lifecycle.md, "How a finding ends"): every rule of every released rule
set names its way in its own data, consistently with its outcome, clearance and
``overridable``; a "not sure" or never-asked finding ends by a nurse's decision; every finding
the engine returns carries its way, the same one ``ends_of_finding`` gives for it once stored."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rules import (
    RULESETS,
    Clearance,
    Ends,
    Finding,
    Outcome,
    Rule,
    RuleSet,
    ends_of_finding,
    evaluate,
    get_ruleset,
)
from rules.triggers import AnswerIs
from tests.rules.answer_sets import (
    ALL_RULESETS,
    APPOINTMENT,
    TODAY,
    every_no,
    every_unsure,
    every_yes,
    ruleset_id,
)

# lifecycle.md's table, restated per rule id (catalog.md names which rule is which):
# date: a bleeding-risk substance within 7 days, the toxin and isotretinoin windows, under 18;
# recheck: feeling unwell, a cold sore now, a blemish or rash, sunburn, an active skin condition;
# new_screening: pregnancy, breastfeeding; note: a provider's or prescriber's note needed;
# nurse: a nurse's follow-up; never: not suitable for this treatment; advice: none.
ENDS_BY_RULE: dict[str, str | None] = {
    "bleeding_risk_7_days": "date",
    "toxin_90_days": "date",
    "isotretinoin_6_months": "date",
    "minor": "date",
    "feeling_unwell": "recheck",
    "cold_sore": "recheck",
    "blemish_or_rash": "recheck",
    "recent_sunburn": "recheck",
    "active_skin_condition": "recheck",
    "pregnancy": "new_screening",
    "breastfeeding": "new_screening",
    "neuromuscular_disorder": "note",
    "immunosuppressive_disorder": "note",
    "prescribed_blood_thinner": "note",
    "bleeding_disorder": "note",
    "autoimmune_disorder": "note",
    "swallowing_or_breathing": "note",
    "active_cancer_treatment": "note",
    "uncontrolled_diabetes": "note",
    "cold_sore_history_perioral": "note",
    "lidocaine_allergy": "nurse",
    "milk_protein_allergy": "nurse",
    "interacting_medicines": "nurse",
    "permanent_filler_in_area": "nurse",
    "skin_lesions_in_area": "nurse",
    "filler_allergy": "never",
    "toxin_allergy": "never",
    "metal_allergy": "never",
    "vaccine_14_days": None,
    "dental_work_14_days": None,
}
# Rules that mean different things per treatment (catalog.md): anaphylaxis before filler and
# keloids before Sculptra are "not suitable"; elsewhere a nurse reviews them.
ENDS_BY_TREATMENT: dict[tuple[str, str], str] = {
    ("keloid_history", "sculptra"): "never",
    ("severe_allergies", "dermal_filler"): "never",
}
REVIEWED_ELSEWHERE = {"keloid_history": "nurse", "severe_allergies": "nurse"}

FINDING_KEYS = {
    "rule_id",
    "outcome",
    "overridable",
    "earliest_date",
    "clearance",
    "patient_text",
    "staff_text",
    "source",
    "answers",
}


def expected_ends(treatment: str, rule_id: str) -> str | None:
    if (rule_id, treatment) in ENDS_BY_TREATMENT:
        return ENDS_BY_TREATMENT[rule_id, treatment]
    if rule_id in REVIEWED_ELSEWHERE:
        return REVIEWED_ELSEWHERE[rule_id]
    return ENDS_BY_RULE[rule_id]


def run(ruleset: RuleSet, answers: dict, **kwargs):
    return evaluate(
        ruleset.treatment, APPOINTMENT, answers, TODAY, version=ruleset.version, **kwargs
    )


# The rules' data ------------------------------------------------------------------------------


@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_every_rule_ends_as_lifecycle_says(ruleset):
    for rule in ruleset.rules:
        assert rule.ends == expected_ends(ruleset.treatment, rule.id), rule.id


def test_the_table_names_every_rule_of_every_released_rule_set_and_no_other():
    used = {rule.id for ruleset in ALL_RULESETS for rule in ruleset.rules}
    assert used == set(ENDS_BY_RULE) | set(REVIEWED_ELSEWHERE)


@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_every_rule_is_consistent_with_its_way_of_ending(ruleset):
    for rule in ruleset.rules:
        ends = rule.ends
        assert (ends is None) == (rule.outcome is Outcome.ADVICE), rule.id
        if ends is Ends.NOTE:
            assert rule.clearance in (Clearance.PROVIDER_NOTE, Clearance.PRESCRIBER_NOTE)
        if ends is Ends.NURSE:
            assert rule.clearance is Clearance.NURSE_REVIEW, rule.id
        if ends in (Ends.DATE, Ends.RECHECK, Ends.NEW_SCREENING, Ends.NEVER):
            assert rule.outcome is Outcome.RESCHEDULE, rule.id
        # "overridable ... is false exactly for new_screening and never findings (and for under
        # 18, which only a date ends)".
        not_overridable = ends in (Ends.NEW_SCREENING, Ends.NEVER) or rule.id == "minor"
        assert rule.overridable is not not_overridable, rule.id


def _a_rule(**changes) -> Rule:
    fields = {
        "id": "example",
        "source": "catalog.md 1",
        "when": AnswerIs("pregnant"),
        "outcome": Outcome.RESCHEDULE,
        "patient_text": "p",
        "staff_text": "s",
        "ends": Ends.RECHECK,
    }
    return Rule(**{**fields, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"ends": None}, id="blocking-without-ends"),
        pytest.param({"ends": "recheck"}, id="ends-not-an-Ends"),
        pytest.param({"outcome": Outcome.ADVICE}, id="advice-with-ends"),
        pytest.param(
            {
                "outcome": Outcome.NEEDS_CLEARANCE,
                "clearance": Clearance.NURSE_REVIEW,
                "ends": Ends.NOTE,
            },
            id="note-without-a-note",
        ),
        pytest.param(
            {
                "outcome": Outcome.NEEDS_CLEARANCE,
                "clearance": Clearance.PROVIDER_NOTE,
                "ends": Ends.NURSE,
            },
            id="nurse-without-nurse-review",
        ),
        pytest.param({"ends": Ends.NEVER}, id="never-overridable"),
        pytest.param({"ends": Ends.NEW_SCREENING}, id="new-screening-overridable"),
        pytest.param(
            {"outcome": Outcome.NEEDS_CLEARANCE, "overridable": False, "ends": Ends.NEVER},
            id="never-not-reschedule",
        ),
        pytest.param({"overridable": False}, id="recheck-not-overridable"),
        pytest.param(
            {"outcome": Outcome.NEEDS_CLEARANCE, "clearance": Clearance.NURSE_REVIEW},
            id="recheck-not-reschedule",
        ),
        pytest.param(
            {
                "outcome": Outcome.NEEDS_CLEARANCE,
                "clearance": Clearance.NURSE_REVIEW,
                "ends": Ends.DATE,
            },
            id="date-not-reschedule",
        ),
        pytest.param(
            {
                "outcome": Outcome.NEEDS_CLEARANCE,
                "clearance": Clearance.NURSE_REVIEW,
                "overridable": False,
                "ends": Ends.NURSE,
            },
            id="nurse-not-overridable",
        ),
    ],
)
def test_a_rule_contradicting_its_way_of_ending_is_refused(changes):
    with pytest.raises(ValueError, match="example"):
        _a_rule(**changes)


def test_consistent_rules_are_accepted():
    assert _a_rule().ends is Ends.RECHECK
    assert _a_rule(overridable=False, ends=Ends.DATE).ends is Ends.DATE
    assert _a_rule(ends=Ends.DATE).ends is Ends.DATE
    assert _a_rule(overridable=False, ends=Ends.NEVER).ends is Ends.NEVER
    assert _a_rule(outcome=Outcome.ADVICE, ends=None).ends is None


def test_a_rule_ends_its_own_way_on_yes_and_by_nurse_otherwise():
    pregnancy = get_ruleset("pdo_smooth_threads").rule("pregnancy")
    assert pregnancy.ends_for(Outcome.RESCHEDULE, None) is Ends.NEW_SCREENING
    assert pregnancy.ends_for(Outcome.NEEDS_CLEARANCE, Clearance.NURSE_REVIEW) is Ends.NURSE
    vaccine = get_ruleset("dermal_filler").rule("vaccine_14_days")
    assert vaccine.ends_for(Outcome.ADVICE, None) is None


def test_a_rule_id_names_one_rule_of_a_rule_set():
    ruleset = get_ruleset("sculptra")
    assert ruleset.rule("keloid_history").ends is Ends.NEVER
    assert get_ruleset("dermal_filler").rule("keloid_history").ends is Ends.NURSE
    with pytest.raises(KeyError):
        ruleset.rule("toxin_90_days")
    with pytest.raises(ValueError, match="defined twice"):
        RuleSet("t", "1", "T", ruleset.questions, ruleset.rules * 2, ruleset.instructions)


# Fingerprints ---------------------------------------------------------------------------------


def test_every_released_rule_says_how_its_findings_end():
    # Fingerprints stay as released (tests/treatments): naming the ends changed none.
    for ruleset in ALL_RULESETS:
        described = ruleset.describe()["rules"]
        assert [rule["ends"] for rule in described] == [
            expected_ends(ruleset.treatment, rule["id"]) for rule in described
        ]


def test_naming_another_way_of_ending_leaves_the_fingerprint_alone():
    base = get_ruleset("pdo_smooth_threads", "1")
    renamed = tuple(
        replace(rule, ends=Ends.DATE) if rule.ends is Ends.RECHECK else rule for rule in base.rules
    )
    assert renamed != base.rules
    other = RuleSet(base.treatment, base.version, base.title, base.questions, renamed, ())
    same = RuleSet(base.treatment, base.version, base.title, base.questions, base.rules, ())
    assert other.fingerprint() == same.fingerprint()


# Findings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_every_yes_finding_ends_as_its_rule(ruleset):
    findings = run(ruleset, every_yes(ruleset)).findings
    assert {f.rule_id for f in findings} == {rule.id for rule in ruleset.rules}
    for finding in findings:
        assert finding.ends == expected_ends(ruleset.treatment, finding.rule_id), finding.rule_id


@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_every_not_sure_finding_ends_by_nurse(ruleset):
    findings = run(ruleset, every_unsure(ruleset)).findings
    assert findings, "every rule set asks something that offers 'not sure'"
    for finding in findings:
        assert (finding.outcome, finding.clearance) == ("needs_clearance", "nurse_review")
        assert finding.ends is Ends.NURSE, finding.rule_id
    # Whatever the rule's way for "yes": pregnancy's is a new screening.
    assert any(expected_ends(ruleset.treatment, f.rule_id) != "nurse" for f in findings)


@pytest.mark.parametrize(
    "ruleset", [rs for rs in ALL_RULESETS if rs.key != ("pdo_smooth_threads", "1")], ids=ruleset_id
)
def test_every_finding_of_a_question_never_asked_ends_by_nurse(ruleset):
    core = get_ruleset("pdo_smooth_threads", "1").questions_by_id
    added = [q.id for q in ruleset.questions if q.id not in core]
    answers = {qid: a for qid, a in every_no(ruleset).items() if qid not in added}
    result = run(ruleset, answers, not_asked=added)
    blocking = [
        rule.id
        for rule in ruleset.rules
        if rule.outcome is not Outcome.ADVICE and set(rule.reads) & set(added)
    ]
    assert [f.rule_id for f in result.findings] == blocking
    for finding in result.findings:
        assert finding.ends is Ends.NURSE, finding.rule_id
        assert ends_of_finding(*ruleset.key, finding.to_dict()) is Ends.NURSE


@pytest.mark.parametrize("answered", [every_yes, every_unsure], ids=["all-yes", "all-unsure"])
@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_a_stored_finding_ends_as_the_finding_did(ruleset, answered):
    for language in ("en", "es"):
        result = run(ruleset, answered(ruleset), language=language)
        for finding in result.findings:
            stored = finding.to_dict()
            assert ends_of_finding(ruleset.treatment, ruleset.version, stored) == finding.ends


def test_the_contract_json_of_a_finding_is_unchanged():
    ruleset = get_ruleset("microneedling")
    for finding in run(ruleset, every_yes(ruleset)).findings:
        assert set(finding.to_dict()) == FINDING_KEYS
        assert "ends" not in finding.to_dict()


def test_ends_of_finding_for_advice_and_for_an_unknown_rule():
    advice = {"rule_id": "dental_work_14_days", "outcome": "advice", "clearance": None}
    assert ends_of_finding("dermal_filler", "1", advice) is None
    with pytest.raises(KeyError):
        ends_of_finding("neurotoxin", "1", advice)
    assert Finding.__dataclass_fields__["ends"].default is None


def test_every_version_of_every_treatment_is_swept():
    assert {rs.key for rs in ALL_RULESETS} == {
        (treatment, version) for treatment, versions in RULESETS.items() for version in versions
    }
