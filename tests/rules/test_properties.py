"""Property tests of the screening contract (shared/spec/contract.md, catalog.md), black-box.

Valid answer sets are drawn at random for every treatment's current rule set and for smooth
threads version 1; the properties are the contract's promises: fail closed, monotone severity,
determinism, a JSON-safe result, advice never changes the outcome, pregnancy never clear.
"""

import copy
import json
from datetime import date, timedelta
from typing import NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import AnswerError, evaluate
from tests.contract import (
    ADDED_BY_TREATMENT,
    AREAS,
    CATALOG_PAST_DATES,
    CATALOG_YES_NO_ONLY,
    CATALOG_YES_NO_UNSURE,
    REQUIRED,
    SUBSTANCES,
    TREATMENTS,
    YES_NO_ONLY,
    YES_NO_UNSURE,
)

RULESETS = [("pdo_smooth_threads", "1"), *((treatment, None) for treatment in TREATMENTS)]
TRI_STATE = (*YES_NO_UNSURE, *CATALOG_YES_NO_UNSURE)
TWO_STATE = (*YES_NO_ONLY, *CATALOG_YES_NO_ONLY)
ADVICE_DATES = ("vaccine_last_date", "dental_work_date")
PERIORAL = {"lips", "lip_lines", "smile_lines", "marionette_lines"}

SEVERITY = {"clear": 0, "needs_clearance": 1, "reschedule": 2}

SETTINGS = settings(max_examples=200, deadline=None)


class Screening(NamedTuple):
    treatment: str
    version: str | None
    today: date
    appointment: date
    answers: dict


def years_before(day, years):
    """The same calendar day `years` earlier; 29 Feb falls back to 28 Feb."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def added_questions(treatment, version):
    return () if version == "1" else ADDED_BY_TREATMENT[treatment]


def required_for(screening):
    """The questions that must be answered for this screening."""
    answers = screening.answers
    required = list(REQUIRED)
    required += [q for q in (*TRI_STATE, *TWO_STATE) if q in answers and q not in required]
    if answers.get("bleeding_risk_substances"):
        required.append("bleeding_risk_last_dose")
    return required


@st.composite
def screenings(draw, rulesets=RULESETS):
    """A complete and valid screening for one of ``rulesets``."""
    treatment, version = draw(st.sampled_from(rulesets), label="ruleset")
    today = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31)))
    appointment = today + timedelta(days=draw(st.integers(min_value=0, max_value=60)))
    # 18 to 100 years old today.
    oldest = years_before(today, 100) + timedelta(days=1)
    youngest = years_before(today, 18)
    date_of_birth = draw(st.dates(min_value=oldest, max_value=youngest))

    # "no" is listed several times so that clear and near-clear sets are common.
    tri = st.sampled_from(["no", "no", "no", "yes", "unsure"])
    yes_no = st.sampled_from(["no", "no", "no", "yes"])
    answers = {"date_of_birth": date_of_birth.isoformat()}
    added = added_questions(treatment, version)
    for question in TRI_STATE:
        if question in YES_NO_UNSURE or question in added:
            answers[question] = draw(tri)
    for question in TWO_STATE:
        if question in YES_NO_ONLY or question in added:
            answers[question] = draw(yes_no)

    substances = draw(st.lists(st.sampled_from(SUBSTANCES), unique=True, max_size=4))
    answers["bleeding_risk_substances"] = substances
    if substances:
        last_dose = today - timedelta(days=draw(st.integers(min_value=0, max_value=30)))
        answers["bleeding_risk_last_dose"] = last_dose.isoformat()
    elif draw(st.booleans()):
        answers["bleeding_risk_last_dose"] = None  # optional: null is allowed

    answers["treatment_areas"] = draw(
        st.lists(st.sampled_from(AREAS), unique=True, min_size=1, max_size=5)
    )

    for question in added:
        if question in CATALOG_PAST_DATES:
            past = today - timedelta(days=draw(st.integers(min_value=0, max_value=400)))
            kind = draw(st.sampled_from(["date", "date", "null", "omitted"]))
        elif question == "dental_work_date":
            past = appointment + timedelta(days=draw(st.integers(min_value=-40, max_value=40)))
            kind = draw(st.sampled_from(["date", "date", "null", "omitted"]))
        else:
            continue
        if kind != "omitted":
            answers[question] = past.isoformat() if kind == "date" else None
    return Screening(treatment, version, today, appointment, answers)


def run(screening, answers=None):
    return evaluate(
        treatment=screening.treatment,
        appointment_date=screening.appointment,
        answers=screening.answers if answers is None else answers,
        today=screening.today,
        version=screening.version,
    )


def severity(result):
    return SEVERITY[result.to_dict()["outcome"]]


@SETTINGS
@given(screening=screenings())
def test_a_valid_screening_always_evaluates(screening):
    result = run(screening)
    assert result.to_dict()["outcome"] in SEVERITY
    assert result.ruleset[0] == screening.treatment


@SETTINGS
@given(screening=screenings(), data=st.data())
def test_removing_any_required_answer_fails_closed_naming_it(screening, data):
    question = data.draw(st.sampled_from(required_for(screening)), label="removed")
    del screening.answers[question]
    try:
        result = run(screening)
    except AnswerError as error:
        assert isinstance(error, ValueError)
        assert question in error.errors
        assert error.errors[question]
        assert all(isinstance(m, str) and m.strip() for m in error.errors[question])
    else:
        raise AssertionError(f"missing {question!r} evaluated to {result.to_dict()['outcome']!r}")


@SETTINGS
@given(screening=screenings(), data=st.data())
def test_removing_several_required_answers_names_them_all(screening, data):
    candidates = [q for q in required_for(screening) if q != "bleeding_risk_last_dose"]
    removed = data.draw(
        st.lists(st.sampled_from(candidates), unique=True, min_size=2), label="removed"
    )
    for question in removed:
        del screening.answers[question]
    try:
        result = run(screening)
    except AnswerError as error:
        assert set(removed) <= set(error.errors)
    else:
        raise AssertionError(f"missing {removed!r} evaluated to {result.to_dict()['outcome']!r}")


@SETTINGS
@given(screening=screenings())
def test_turning_no_into_yes_or_unsure_never_lowers_severity(screening):
    answers = screening.answers
    before = severity(run(screening))
    perioral = bool(PERIORAL & set(answers["treatment_areas"]))
    for question in (*TRI_STATE, *TWO_STATE):
        if answers.get(question) != "no":
            continue
        changes = ["yes", "unsure"] if question in TRI_STATE else ["yes"]
        for value in changes:
            after = severity(run(screening, {**answers, question: value}))
            assert after >= before, f"{question}: no -> {value} lowered the outcome"
            if question != "cold_sore_history" or perioral:
                assert after >= 1, f"{question} = {value} gave clear"


@SETTINGS
@given(screening=screenings(), extra=st.sampled_from(SUBSTANCES))
def test_adding_a_substance_never_lowers_severity(screening, extra):
    answers = screening.answers
    before = severity(run(screening))
    substances = answers["bleeding_risk_substances"]
    if extra not in substances:
        answers["bleeding_risk_substances"] = [*substances, extra]
    if not substances:
        answers["bleeding_risk_last_dose"] = screening.today.isoformat()
    assert severity(run(screening)) >= before


@SETTINGS
@given(screening=screenings())
def test_evaluate_is_deterministic(screening):
    first = run(screening, copy.deepcopy(screening.answers)).to_dict()
    second = run(screening, copy.deepcopy(screening.answers)).to_dict()
    assert first == second
    same_object = copy.deepcopy(screening.answers)
    assert run(screening, same_object).to_dict() == run(screening, same_object).to_dict()
    assert run(screening, same_object).to_dict() == first


@SETTINGS
@given(screening=screenings())
def test_to_dict_survives_a_json_round_trip(screening):
    data = run(screening).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert type(data["outcome"]) is str
    for finding in data["findings"]:
        assert type(finding["outcome"]) is str


@SETTINGS
@given(screening=screenings())
def test_outcome_is_the_most_severe_blocking_finding_and_advice_never_counts(screening):
    result = run(screening).to_dict()
    blocking = [f for f in result["findings"] if f["outcome"] != "advice"]
    assert SEVERITY[result["outcome"]] == max((SEVERITY[f["outcome"]] for f in blocking), default=0)
    without_advice_dates = {q: v for q, v in screening.answers.items() if q not in ADVICE_DATES}
    plain = run(screening, without_advice_dates).to_dict()
    assert (plain["outcome"], plain["earliest_date"]) == (
        result["outcome"],
        result["earliest_date"],
    )
    assert [f for f in plain["findings"] if f["outcome"] != "advice"] == blocking


@SETTINGS
@given(screening=screenings())
def test_overall_earliest_date_is_the_latest_reschedule_date_when_all_have_one(screening):
    result = run(screening)
    dates = [f.earliest_date for f in result.findings if f.outcome == "reschedule"]
    if result.outcome != "reschedule" or None in dates:
        assert result.earliest_date is None
    else:
        assert result.earliest_date == max(dates)
        assert result.earliest_date > screening.appointment


@SETTINGS
@given(screening=screenings())
def test_pregnant_yes_is_never_clear_for_any_treatment(screening):
    screening.answers["pregnant"] = "yes"
    result = run(screening)
    assert result.outcome != "clear"
    assert result.to_dict()["outcome"] == "reschedule"
    pregnancy = [f for f in result.findings if f.rule_id == "pregnancy"]
    assert len(pregnancy) == 1
    assert pregnancy[0].overridable is False
