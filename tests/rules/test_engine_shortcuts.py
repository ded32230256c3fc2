"""The engine's shortcuts give exactly what the plain way gives: findings and results built
without their ``__init__``, ``AnswerIs`` rules looked up by answer, findings ranked by one number,
texts kept per appointment day, and date answers checked once per visit."""

import copy
import dataclasses
import pickle
from datetime import date, timedelta

import pytest

from rules import RULESETS, Clearance, Ends, Finding, Outcome, Result, engine, evaluate
from rules.model import new_finding, new_result
from rules.triggers import AnswerIs
from tests.contract import no_answers, treatment_answers

TODAY = date(2026, 12, 4)
APPOINTMENT = date(2026, 12, 10)
SMOOTH = "pdo_smooth_threads"
ALL_RULESETS = [ruleset for versions in RULESETS.values() for ruleset in versions.values()]

FINDING_FIELDS = {
    "rule_id": "pregnancy",
    "outcome": Outcome.RESCHEDULE,
    "overridable": False,
    "earliest_date": date(2027, 1, 2),
    "clearance": Clearance.NURSE_REVIEW,
    "patient_text": "patient words",
    "staff_text": "staff words",
    "source": "catalog.md 1",
    "answers": {"pregnant": "yes"},
    "ends": Ends.NEW_SCREENING,
}


def _same_object(built, plain):
    assert type(built) is type(plain)
    assert built == plain
    assert repr(built) == repr(plain)
    assert dataclasses.asdict(built) == dataclasses.asdict(plain)
    assert built.to_dict() == plain.to_dict()
    assert pickle.loads(pickle.dumps(built)) == plain
    assert copy.deepcopy(built) == plain


def test_new_finding_is_a_plain_frozen_finding():
    built = new_finding(**FINDING_FIELDS)
    _same_object(built, Finding(**FINDING_FIELDS))
    for field in dataclasses.fields(Finding):
        assert getattr(built, field.name) is FINDING_FIELDS[field.name]
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.patient_text = "changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del built.rule_id


def test_new_result_is_a_plain_frozen_result():
    finding = Finding(**FINDING_FIELDS)
    fields = {
        "outcome": Outcome.RESCHEDULE,
        "earliest_date": date(2027, 1, 2),
        "findings": (finding,),
        "instructions": (),
        "ruleset": (SMOOTH, "2"),
    }
    built = new_result(**fields)
    _same_object(built, Result(**fields))
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.outcome = Outcome.CLEAR


def _answer_is_rules():
    for ruleset in ALL_RULESETS:
        for rule in ruleset.rules:
            if isinstance(rule.when, AnswerIs):
                yield ruleset, rule


@pytest.mark.parametrize("trigger", [AnswerIs("pregnant"), AnswerIs("pregnant", "unsure")])
def test_an_answer_is_table_agrees_with_its_match(trigger):
    table = trigger.match_by_answer()
    for answer in ("yes", "no", "unsure", "maybe", None, ("yes",), date(2026, 1, 1)):
        answers = {} if answer is None else {"pregnant": answer}
        assert table.get(answer) == trigger.match(answers, None, {})


def test_every_answer_is_rule_agrees_with_its_table_for_every_answer_offered():
    checked = 0
    for ruleset, rule in _answer_is_rules():
        question = ruleset.questions_by_id[rule.when.question]
        table = rule.when.match_by_answer()
        for answer in (*question.option_codes, None):
            answers = {} if answer is None else {question.id: answer}
            assert table.get(answer) == rule.when.match(answers, None, ruleset.questions_by_id)
            checked += 1
    assert checked > 100


def test_ranks_order_findings_as_severity_then_overridable_then_rule_order():
    for ruleset in ALL_RULESETS:
        verdicts = []
        for order, step in enumerate(engine._rule_plan(ruleset)):
            for verdict in (step.if_fired, step.if_unsure):
                plain = (-verdict.outcome.severity, verdict.overridable, order)
                verdicts.append((verdict.rank, plain))
            not_asked = (-Outcome.NEEDS_CLEARANCE.severity, True, order)
            verdicts.append((step.not_asked_rank, not_asked))
        by_rank = [plain for _, plain in sorted(verdicts, key=lambda pair: pair[0])]
        assert by_rank == sorted(plain for _, plain in verdicts)


def test_every_rule_of_every_answer_fires_in_rule_order_within_a_rank():
    # Every "yes" at once: the widest set of findings, each table look-up hit.
    for treatment in RULESETS:
        answers = {
            qid: "yes" if value == "no" else value
            for qid, value in treatment_answers(treatment).items()
        }
        findings = evaluate(treatment, APPOINTMENT, answers, TODAY).findings
        keys = [(-f.outcome.severity, f.overridable) for f in findings]
        assert keys == sorted(keys)
        order = [rule.id for rule in RULESETS[treatment][list(RULESETS[treatment])[-1]].rules]
        for key in set(keys):
            ids = [f.rule_id for f, k in zip(findings, keys, strict=True) if k == key]
            assert ids == sorted(ids, key=order.index)


def test_texts_kept_per_day_follow_the_appointment_date_and_the_language():
    answers = no_answers(cold_sore="yes", pregnant="unsure")
    for _ in range(2):  # the second time from what was kept
        for offset in (0, 1, 7):
            appointment = APPOINTMENT + timedelta(days=offset)
            english = evaluate(SMOOTH, appointment, answers, TODAY)
            spanish = evaluate(SMOOTH, appointment, answers, TODAY, language="es")
            day = appointment.day
            unsure = next(f for f in english.findings if f.rule_id == "pregnancy")
            assert f" {day} December 2026" in unsure.patient_text
            unsure_es = next(f for f in spanish.findings if f.rule_id == "pregnancy")
            assert f" {day} de diciembre de 2026" in unsure_es.patient_text
            assert [f.staff_text for f in english.findings] == [
                f.staff_text for f in spanish.findings
            ]


def test_a_date_answer_is_checked_against_each_visit():
    born = "2026-12-06"  # a date of birth after today is refused, before today accepted
    answers = no_answers(date_of_birth=born)
    for _ in range(2):
        with pytest.raises(engine.AnswerError) as refused:
            evaluate(SMOOTH, APPOINTMENT, answers, TODAY)
        assert refused.value.errors == {"date_of_birth": ["The date must be in the past"]}
        later = TODAY + timedelta(days=3)
        result = evaluate(SMOOTH, later + timedelta(days=1), answers, later)
        assert [f.rule_id for f in result.findings] == ["minor"]
