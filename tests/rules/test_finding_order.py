"""How the engine orders findings and words them: most severe first, then those that cannot be
overridden, then in rule order; texts dated for each appointment, in each language; a date answer
checked against each visit."""

from datetime import date, timedelta

import pytest

from rules import RULESETS, engine, evaluate
from tests.contract import no_answers, treatment_answers

TODAY = date(2026, 12, 4)
APPOINTMENT = date(2026, 12, 10)
SMOOTH = "pdo_smooth_threads"


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


def test_texts_follow_the_appointment_date_and_the_language():
    answers = no_answers(cold_sore="yes", pregnant="unsure")
    for _ in range(2):  # the same answers again, on the same days
        for offset in (0, 1, 7):
            appointment = APPOINTMENT + timedelta(days=offset)
            english = evaluate(SMOOTH, appointment, answers, TODAY)
            spanish = evaluate(SMOOTH, appointment, answers, TODAY, language="es")
            day = appointment.day
            unsure = next(f for f in english.findings if f.rule_id == "pregnancy")
            assert f" December {day}, 2026" in unsure.patient_text
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
        assert refused.value.errors == {"date_of_birth": ["Date of birth must be in the past"]}
        later = TODAY + timedelta(days=3)
        result = evaluate(SMOOTH, later + timedelta(days=1), answers, later)
        assert [f.rule_id for f in result.findings] == ["minor"]
