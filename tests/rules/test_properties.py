"""Property tests of the screening contract (shared/spec/contract.md), black-box.

Valid answer sets are drawn at random; the properties are the contract's promises:
fail closed, monotone severity, determinism, a JSON-safe result, pregnancy never clear.
"""

import copy
import json
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import AnswerError, evaluate
from tests.contract import AREAS, REQUIRED, SUBSTANCES, YES_NO_ONLY, YES_NO_UNSURE

TREATMENT = "pdo_smooth_threads"
VERSION = "1"

SEVERITY = {"clear": 0, "needs_clearance": 1, "reschedule": 2}

SETTINGS = settings(max_examples=200, deadline=None)


def years_before(day, years):
    """The same calendar day `years` earlier; 29 Feb falls back to 28 Feb."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def required_for(answers):
    """The questions that must be answered for this answer set."""
    required = list(REQUIRED)
    if answers.get("bleeding_risk_substances"):
        required.append("bleeding_risk_last_dose")
    return required


@st.composite
def screenings(draw):
    """(today, appointment_date, answers): a complete and valid screening."""
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
    for question in YES_NO_UNSURE:
        answers[question] = draw(tri)
    for question in YES_NO_ONLY:
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
    return today, appointment, answers


def run(today, appointment, answers):
    return evaluate(
        treatment=TREATMENT,
        appointment_date=appointment,
        answers=answers,
        today=today,
        version=VERSION,
    )


def severity(result):
    return SEVERITY[result.to_dict()["outcome"]]


@SETTINGS
@given(screening=screenings())
def test_a_valid_screening_always_evaluates(screening):
    today, appointment, answers = screening
    result = run(today, appointment, answers)
    assert result.to_dict()["outcome"] in SEVERITY


@SETTINGS
@given(screening=screenings(), data=st.data())
def test_removing_any_required_answer_fails_closed_naming_it(screening, data):
    today, appointment, answers = screening
    question = data.draw(st.sampled_from(required_for(answers)), label="removed")
    del answers[question]
    try:
        result = run(today, appointment, answers)
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
    today, appointment, answers = screening
    removed = data.draw(
        st.lists(st.sampled_from(REQUIRED), unique=True, min_size=2), label="removed"
    )
    for question in removed:
        del answers[question]
    try:
        result = run(today, appointment, answers)
    except AnswerError as error:
        assert set(removed) <= set(error.errors)
    else:
        raise AssertionError(f"missing {removed!r} evaluated to {result.to_dict()['outcome']!r}")


@SETTINGS
@given(screening=screenings())
def test_turning_no_into_yes_or_unsure_never_lowers_severity(screening):
    today, appointment, answers = screening
    before = severity(run(today, appointment, answers))
    for question in YES_NO_UNSURE + YES_NO_ONLY:
        if answers[question] != "no":
            continue
        changes = ["yes", "unsure"] if question in YES_NO_UNSURE else ["yes"]
        for value in changes:
            changed = {**answers, question: value}
            after = severity(run(today, appointment, changed))
            assert after >= before, f"{question}: no -> {value} lowered the outcome"
            assert after >= 1, f"{question} = {value} gave clear"


@SETTINGS
@given(screening=screenings(), extra=st.sampled_from(SUBSTANCES))
def test_adding_a_substance_never_lowers_severity(screening, extra):
    today, appointment, answers = screening
    before = severity(run(today, appointment, answers))
    substances = answers["bleeding_risk_substances"]
    if extra not in substances:
        answers["bleeding_risk_substances"] = [*substances, extra]
    if not substances:
        answers["bleeding_risk_last_dose"] = today.isoformat()
    assert severity(run(today, appointment, answers)) >= before


@SETTINGS
@given(screening=screenings())
def test_evaluate_is_deterministic(screening):
    today, appointment, answers = screening
    first = run(today, appointment, copy.deepcopy(answers)).to_dict()
    second = run(today, appointment, copy.deepcopy(answers)).to_dict()
    assert first == second
    same_object = copy.deepcopy(answers)
    assert (
        run(today, appointment, same_object).to_dict()
        == run(today, appointment, same_object).to_dict()
    )
    assert run(today, appointment, same_object).to_dict() == first


@SETTINGS
@given(screening=screenings())
def test_to_dict_survives_a_json_round_trip(screening):
    today, appointment, answers = screening
    data = run(today, appointment, answers).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert type(data["outcome"]) is str
    for finding in data["findings"]:
        assert type(finding["outcome"]) is str


@SETTINGS
@given(screening=screenings())
def test_pregnant_yes_is_never_clear(screening):
    today, appointment, answers = screening
    answers["pregnant"] = "yes"
    result = run(today, appointment, answers)
    assert result.outcome != "clear"
    assert result.to_dict()["outcome"] == "reschedule"
    pregnancy = [f for f in result.findings if f.rule_id == "pregnancy"]
    assert len(pregnancy) == 1
    assert pregnancy[0].overridable is False
