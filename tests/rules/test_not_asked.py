"""``evaluate(..., not_asked=[...])``: a screening answered under an earlier version, evaluated
under a later one. A question never asked is not read as "no": each blocking rule that reads a
missing one needs a nurse to ask it; advice waits for an answer; answers given are used."""

from datetime import date

import pytest

from rules import AnswerError, evaluate
from tests.contract import VERSION_2_ADDED, no_answers, seed_answers, treatment_answers

TODAY = date(2026, 12, 1)
APPOINTMENT = date(2026, 12, 10)
SMOOTH = "pdo_smooth_threads"


def run(answers, treatment=SMOOTH, **kwargs):
    return evaluate(
        treatment=treatment, appointment_date=APPOINTMENT, answers=answers, today=TODAY, **kwargs
    )


def test_seed_answers_under_version_2_need_a_nurse_for_each_new_question():
    result = run(seed_answers(), not_asked=VERSION_2_ADDED)
    assert result.ruleset == (SMOOTH, "2")
    assert result.outcome == "needs_clearance"
    assert result.earliest_date is None
    assert [f.rule_id for f in result.findings] == list(VERSION_2_ADDED)
    for finding, question in zip(result.findings, VERSION_2_ADDED, strict=True):
        assert finding.outcome == "needs_clearance"
        assert finding.clearance == "nurse_review"
        assert finding.overridable is True
        assert finding.earliest_date is None
        assert dict(finding.answers) == {question: None}
        assert finding.source.startswith("catalog.md")
        assert finding.patient_text.strip() and finding.staff_text.strip()
    as_json = result.to_dict()["findings"]
    assert [f["answers"] for f in as_json] == [{q: None} for q in VERSION_2_ADDED]


def test_seed_answers_under_version_2_without_not_asked_are_an_error():
    with pytest.raises(AnswerError) as excinfo:
        run(seed_answers())
    assert set(excinfo.value.errors) == set(VERSION_2_ADDED)


def test_only_the_questions_named_not_asked_may_be_missing():
    with pytest.raises(AnswerError) as excinfo:
        run(seed_answers(), not_asked=["keloid_history"])
    assert set(excinfo.value.errors) == {"bleeding_disorder", "autoimmune_disorder"}


def test_not_asked_does_not_excuse_a_missing_core_answer():
    answers = seed_answers()
    del answers["cold_sore"]
    with pytest.raises(AnswerError) as excinfo:
        run(answers, not_asked=VERSION_2_ADDED)
    assert set(excinfo.value.errors) == {"cold_sore"}


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        pytest.param("bleeding_disorder", "no", None, id="no-gives-nothing"),
        pytest.param(
            "bleeding_disorder",
            "yes",
            ("needs_clearance", "provider_note"),
            id="yes-gives-the-provider-note",
        ),
        pytest.param(
            "autoimmune_disorder",
            "unsure",
            ("needs_clearance", "nurse_review"),
            id="unsure-gives-the-unsure-finding",
        ),
        pytest.param("keloid_history", "yes", ("needs_clearance", "nurse_review"), id="keloid-yes"),
    ],
)
def test_an_answer_to_a_not_asked_question_is_used_normally(question, answer, expected):
    result = run(seed_answers(**{question: answer}), not_asked=VERSION_2_ADDED)
    by_rule = {f.rule_id: f for f in result.findings}
    if expected is None:
        assert question not in by_rule
    else:
        finding = by_rule[question]
        assert (finding.outcome, finding.clearance) == expected
        assert dict(finding.answers) == {question: answer}
        assert finding == run(no_answers(**{question: answer})).findings[0]
    for other in VERSION_2_ADDED:
        if other != question:
            assert dict(by_rule[other].answers) == {other: None}
            assert by_rule[other].clearance == "nurse_review"


def test_all_new_questions_answered_no_with_not_asked_is_clear():
    result = run(no_answers(), not_asked=VERSION_2_ADDED)
    assert (result.outcome, result.findings) == ("clear", ())


def test_an_invalid_answer_to_a_not_asked_question_is_still_an_error():
    with pytest.raises(AnswerError) as excinfo:
        run(seed_answers(keloid_history="unsure"), not_asked=VERSION_2_ADDED)
    assert set(excinfo.value.errors) == {"keloid_history"}


def test_seed_findings_keep_their_severity_beside_the_not_asked_ones():
    answers = seed_answers(cold_sore="yes", prescribed_blood_thinner="yes")
    result = run(answers, not_asked=VERSION_2_ADDED)
    assert result.outcome == "reschedule"
    assert result.earliest_date is None
    assert [(f.rule_id, f.clearance) for f in result.findings] == [
        ("cold_sore", None),
        ("prescribed_blood_thinner", "prescriber_note"),
        ("bleeding_disorder", "nurse_review"),
        ("autoimmune_disorder", "nurse_review"),
        ("keloid_history", "nurse_review"),
    ]


def test_version_1_needs_no_not_asked():
    result = run(seed_answers(), version="1")
    assert (result.ruleset, result.outcome, result.findings) == ((SMOOTH, "1"), "clear", ())


def test_a_not_asked_date_read_by_a_blocking_rule_needs_a_nurse():
    answers = treatment_answers("neurotoxin")
    result = run(answers, treatment="neurotoxin", not_asked=["toxin_last_date"])
    (finding,) = result.findings
    assert finding.rule_id == "toxin_90_days"
    assert (finding.outcome, finding.clearance) == ("needs_clearance", "nurse_review")
    assert dict(finding.answers) == {"toxin_last_date": None}


def test_a_not_asked_date_read_only_by_advice_gives_nothing():
    answers = treatment_answers("dermal_filler")
    result = run(
        answers,
        treatment="dermal_filler",
        not_asked=["vaccine_last_date", "dental_work_date"],
    )
    assert (result.outcome, result.findings) == ("clear", ())
