"""Black-box, table-driven tests of the screening contract (shared/spec/contract.md).

Only the public Python API is used: ``from rules import evaluate, AnswerError, Outcome``.
Treatment ``pdo_smooth_threads``, rule-set version ``"1"``.
"""

import json
from collections.abc import Mapping
from datetime import date, timedelta

import pytest

from rules import AnswerError, Outcome, evaluate
from tests.contract import (
    AREAS,
    REQUIRED,
    SUBSTANCES,
    YES_NO_ONLY,
    YES_NO_UNSURE,
    no_answers,
    seed_answers,
)

TREATMENT = "pdo_smooth_threads"
VERSION = "1"
TODAY = date(2026, 12, 1)
APPOINTMENT = date(2026, 12, 10)

RESULT_KEYS = {"outcome", "earliest_date", "findings", "instructions", "ruleset"}
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
INSTRUCTION_KEYS = {"text", "from", "until"}
SEVERITY = {"reschedule": 2, "needs_clearance": 1, "clear": 0, "advice": 0}

DROP = object()  # marks an answer to remove


def base_answers():
    """A fresh, complete, all-"no" answer set of version 1 (no bleeding_risk_last_dose key)."""
    return seed_answers()


def answers_with(changes):
    answers = base_answers()
    for key, value in changes.items():
        if value is DROP:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def run(changes=None, *, today=TODAY, appointment=APPOINTMENT, **visit):
    return evaluate(
        treatment=visit.pop("treatment", TREATMENT),
        appointment_date=appointment,
        answers=answers_with(changes or {}),
        today=today,
        version=visit.pop("version", VERSION),
    )


def jsonish(value):
    """Python-side answer values normalised to their JSON form (dates -> ISO, tuples -> lists)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonish(v) for v in value]
    return value


def iso(value):
    return None if value is None else value.isoformat()


def findings_by_rule(result, rule_id):
    return [f for f in result.findings if f.rule_id == rule_id]


def only_finding(result, rule_id):
    found = findings_by_rule(result, rule_id)
    assert len(found) == 1, f"expected one {rule_id!r} finding, got {result.to_dict()['findings']}"
    return found[0]


def non_advice(result):
    return [f for f in result.findings if f.outcome != "advice"]


def assert_error_messages(errors):
    assert isinstance(errors, Mapping)
    assert errors, "AnswerError.errors must not be empty"
    for key, messages in errors.items():
        assert isinstance(key, str)
        assert isinstance(messages, list), f"{key}: messages must be a list"
        assert messages, f"{key}: at least one message"
        for message in messages:
            assert isinstance(message, str)
            assert message.strip(), f"{key}: empty message"


# ---------------------------------------------------------------------------
# Each core rule: triggers on yes (and unsure where allowed) with the right finding.
# ---------------------------------------------------------------------------

TRIGGER_CASES = [
    pytest.param(
        {"pregnant": "yes"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="pregnancy",
            outcome="reschedule",
            overridable=False,
            clearance=None,
            earliest_date=None,
            seed=True,
            answers={"pregnant": "yes"},
        ),
        id="pregnancy-yes-reschedule-not-overridable",
    ),
    pytest.param(
        {"pregnant": "unsure"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="pregnancy",
            outcome="needs_clearance",
            overridable=True,
            clearance="nurse_review",
            earliest_date=None,
            seed=True,
            answers={"pregnant": "unsure"},
        ),
        id="pregnancy-unsure-nurse-review",
    ),
    pytest.param(
        {"breastfeeding": "yes"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="breastfeeding",
            outcome="reschedule",
            overridable=False,
            clearance=None,
            earliest_date=None,
            seed=True,
            answers={"breastfeeding": "yes"},
        ),
        id="breastfeeding-yes-reschedule-not-overridable",
    ),
    pytest.param(
        {"neuromuscular_disorder": "yes"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="neuromuscular_disorder",
            outcome="needs_clearance",
            overridable=True,
            clearance="provider_note",
            earliest_date=None,
            seed=True,
            answers={"neuromuscular_disorder": "yes"},
        ),
        id="neuromuscular-yes-provider-note",
    ),
    pytest.param(
        {"neuromuscular_disorder": "unsure"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="neuromuscular_disorder",
            outcome="needs_clearance",
            overridable=True,
            clearance="nurse_review",
            earliest_date=None,
            seed=True,
            answers={"neuromuscular_disorder": "unsure"},
        ),
        id="neuromuscular-unsure-nurse-review",
    ),
    pytest.param(
        {"immunosuppressive_disorder": "yes"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="immunosuppressive_disorder",
            outcome="needs_clearance",
            overridable=True,
            clearance="provider_note",
            earliest_date=None,
            seed=True,
            answers={"immunosuppressive_disorder": "yes"},
        ),
        id="immunosuppressive-yes-provider-note",
    ),
    pytest.param(
        {"immunosuppressive_disorder": "unsure"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="immunosuppressive_disorder",
            outcome="needs_clearance",
            overridable=True,
            clearance="nurse_review",
            earliest_date=None,
            seed=True,
            answers={"immunosuppressive_disorder": "unsure"},
        ),
        id="immunosuppressive-unsure-nurse-review",
    ),
    pytest.param(
        {"prescribed_blood_thinner": "yes"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="prescribed_blood_thinner",
            outcome="needs_clearance",
            overridable=True,
            clearance="prescriber_note",
            earliest_date=None,
            seed=True,
            answers={"prescribed_blood_thinner": "yes"},
        ),
        id="blood-thinner-yes-prescriber-note",
    ),
    pytest.param(
        {"prescribed_blood_thinner": "unsure"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="prescribed_blood_thinner",
            outcome="needs_clearance",
            overridable=True,
            clearance="nurse_review",
            earliest_date=None,
            seed=True,
            answers={"prescribed_blood_thinner": "unsure"},
        ),
        id="blood-thinner-unsure-nurse-review",
    ),
    pytest.param(
        {"bleeding_risk_substances": ["ibuprofen"], "bleeding_risk_last_dose": "2026-12-04"},
        date(2026, 12, 4),
        APPOINTMENT,
        dict(
            rule_id="bleeding_risk_7_days",
            outcome="reschedule",
            overridable=True,
            clearance=None,
            earliest_date=date(2026, 12, 11),
            seed=True,
            answers={
                "bleeding_risk_substances": ["ibuprofen"],
                "bleeding_risk_last_dose": "2026-12-04",
            },
        ),
        id="bleeding-dose-6-days-before-reschedule-earliest-plus-7",
    ),
    pytest.param(
        {"bleeding_risk_substances": ["fish_oil"], "bleeding_risk_last_dose": "2026-12-10"},
        date(2026, 12, 10),
        date(2026, 12, 10),
        dict(
            rule_id="bleeding_risk_7_days",
            outcome="reschedule",
            overridable=True,
            clearance=None,
            earliest_date=date(2026, 12, 17),
            seed=True,
            answers={
                "bleeding_risk_substances": ["fish_oil"],
                "bleeding_risk_last_dose": "2026-12-10",
            },
        ),
        id="bleeding-dose-on-appointment-day-reschedule",
    ),
    pytest.param(
        {"bleeding_risk_substances": ["aspirin"], "bleeding_risk_last_dose": "2026-12-01"},
        TODAY,
        date(2026, 12, 5),
        dict(
            rule_id="bleeding_risk_7_days",
            outcome="reschedule",
            overridable=True,
            clearance=None,
            earliest_date=date(2026, 12, 8),
            seed=True,
            answers={
                "bleeding_risk_substances": ["aspirin"],
                "bleeding_risk_last_dose": "2026-12-01",
            },
        ),
        id="bleeding-dose-today-appointment-in-4-days",
    ),
    pytest.param(
        {"bleeding_risk_substances": ["garlic"], "bleeding_risk_last_dose": "2026-12-29"},
        date(2026, 12, 30),
        date(2027, 1, 2),
        dict(
            rule_id="bleeding_risk_7_days",
            outcome="reschedule",
            overridable=True,
            clearance=None,
            earliest_date=date(2027, 1, 5),
            seed=True,
            answers={
                "bleeding_risk_substances": ["garlic"],
                "bleeding_risk_last_dose": "2026-12-29",
            },
        ),
        id="bleeding-earliest-date-crosses-year",
    ),
    pytest.param(
        {"feeling_unwell": "yes"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="feeling_unwell",
            outcome="reschedule",
            overridable=True,
            clearance=None,
            earliest_date=None,
            seed=True,
            answers={"feeling_unwell": "yes"},
        ),
        id="feeling-unwell-yes-reschedule-no-date",
    ),
    pytest.param(
        {"cold_sore": "yes"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="cold_sore",
            outcome="reschedule",
            overridable=True,
            clearance=None,
            earliest_date=None,
            seed=True,
            answers={"cold_sore": "yes"},
        ),
        id="cold-sore-yes-reschedule-no-date",
    ),
    pytest.param(
        {"blemish_or_rash": "yes"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="blemish_or_rash",
            outcome="reschedule",
            overridable=True,
            clearance=None,
            earliest_date=None,
            seed=True,
            answers={"blemish_or_rash": "yes"},
        ),
        id="blemish-or-rash-yes-reschedule-no-date",
    ),
    pytest.param(
        {"date_of_birth": "2008-12-11"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="minor",
            outcome="reschedule",
            overridable=False,
            clearance=None,
            earliest_date=date(2026, 12, 11),
            seed=False,
            answers={"date_of_birth": "2008-12-11"},
        ),
        id="minor-day-before-18th-birthday-earliest-birthday",
    ),
    pytest.param(
        {"date_of_birth": "2010-06-30"},
        TODAY,
        APPOINTMENT,
        dict(
            rule_id="minor",
            outcome="reschedule",
            overridable=False,
            clearance=None,
            earliest_date=date(2028, 6, 30),
            seed=False,
            answers={"date_of_birth": "2010-06-30"},
        ),
        id="minor-16-years-old-earliest-18th-birthday",
    ),
    pytest.param(
        {"date_of_birth": "2008-02-29"},
        date(2026, 2, 1),
        date(2026, 2, 28),
        dict(
            rule_id="minor",
            outcome="reschedule",
            overridable=False,
            clearance=None,
            earliest_date=date(2026, 3, 1),
            seed=False,
            answers={"date_of_birth": "2008-02-29"},
        ),
        id="minor-29-feb-birthday-on-28-feb-earliest-1-mar",
    ),
]


@pytest.mark.parametrize(("changes", "today", "appointment", "expected"), TRIGGER_CASES)
def test_rule_triggers_with_the_contract_finding(changes, today, appointment, expected):
    result = run(changes, today=today, appointment=appointment)
    finding = only_finding(result, expected["rule_id"])

    assert finding.outcome == expected["outcome"]
    assert finding.overridable is expected["overridable"]
    assert finding.clearance == expected["clearance"]
    assert finding.earliest_date == expected["earliest_date"]
    assert isinstance(finding.source, str)
    assert finding.source.strip()
    if expected["seed"]:
        assert finding.source.startswith("seed")
    assert isinstance(finding.patient_text, str)
    assert finding.patient_text.strip()
    assert isinstance(finding.staff_text, str)
    assert finding.staff_text.strip()
    assert {k: jsonish(v) for k, v in dict(finding.answers).items()} == expected["answers"]

    # The same finding in the JSON shape.
    as_json = [f for f in result.to_dict()["findings"] if f["rule_id"] == expected["rule_id"]]
    assert len(as_json) == 1
    assert as_json[0]["outcome"] == expected["outcome"]
    assert as_json[0]["overridable"] is expected["overridable"]
    assert as_json[0]["clearance"] == expected["clearance"]
    assert as_json[0]["earliest_date"] == iso(expected["earliest_date"])
    assert as_json[0]["answers"] == expected["answers"]

    # Only this rule fired, so it alone decides the overall outcome.
    assert result.outcome == expected["outcome"]
    assert [f.rule_id for f in non_advice(result)] == [expected["rule_id"]]
    if expected["outcome"] == "reschedule":
        assert result.earliest_date == expected["earliest_date"]
    else:
        assert result.earliest_date is None


NO_TRIGGER_CASES = [
    pytest.param("pregnancy", {"pregnant": "no"}, TODAY, APPOINTMENT, id="pregnancy-no"),
    pytest.param(
        "breastfeeding", {"breastfeeding": "no"}, TODAY, APPOINTMENT, id="breastfeeding-no"
    ),
    pytest.param(
        "neuromuscular_disorder",
        {"neuromuscular_disorder": "no"},
        TODAY,
        APPOINTMENT,
        id="neuromuscular-no",
    ),
    pytest.param(
        "immunosuppressive_disorder",
        {"immunosuppressive_disorder": "no"},
        TODAY,
        APPOINTMENT,
        id="immunosuppressive-no",
    ),
    pytest.param(
        "prescribed_blood_thinner",
        {"prescribed_blood_thinner": "no"},
        TODAY,
        APPOINTMENT,
        id="blood-thinner-no",
    ),
    pytest.param(
        "bleeding_risk_7_days",
        {"bleeding_risk_substances": []},
        TODAY,
        APPOINTMENT,
        id="bleeding-empty-list-no-last-dose-key",
    ),
    pytest.param(
        "bleeding_risk_7_days",
        {"bleeding_risk_substances": [], "bleeding_risk_last_dose": None},
        TODAY,
        APPOINTMENT,
        id="bleeding-empty-list-null-last-dose",
    ),
    pytest.param(
        "bleeding_risk_7_days",
        {"bleeding_risk_substances": ["ibuprofen"], "bleeding_risk_last_dose": "2026-12-03"},
        date(2026, 12, 4),
        APPOINTMENT,
        id="bleeding-dose-exactly-7-days-before-3-dec-clear",
    ),
    pytest.param(
        "bleeding_risk_7_days",
        {"bleeding_risk_substances": ["ibuprofen"], "bleeding_risk_last_dose": "2026-12-03"},
        date(2026, 12, 10),
        APPOINTMENT,
        id="bleeding-dose-7-days-before-today-is-appointment-clear",
    ),
    pytest.param(
        "bleeding_risk_7_days",
        {"bleeding_risk_substances": ["aspirin"], "bleeding_risk_last_dose": "2026-12-01"},
        TODAY,
        APPOINTMENT,
        id="bleeding-dose-today-9-days-before-clear",
    ),
    pytest.param(
        "bleeding_risk_7_days",
        {
            "bleeding_risk_substances": list(SUBSTANCES),
            "bleeding_risk_last_dose": "2026-10-01",
        },
        TODAY,
        APPOINTMENT,
        id="bleeding-all-substances-long-ago-clear",
    ),
    pytest.param("feeling_unwell", {"feeling_unwell": "no"}, TODAY, APPOINTMENT, id="unwell-no"),
    pytest.param("cold_sore", {"cold_sore": "no"}, TODAY, APPOINTMENT, id="cold-sore-no"),
    pytest.param("blemish_or_rash", {"blemish_or_rash": "no"}, TODAY, APPOINTMENT, id="rash-no"),
    pytest.param("minor", {"date_of_birth": "1990-05-17"}, TODAY, APPOINTMENT, id="minor-adult"),
    pytest.param(
        "minor",
        {"date_of_birth": "2008-12-10"},
        TODAY,
        APPOINTMENT,
        id="minor-18th-birthday-on-appointment-day-clear",
    ),
    pytest.param(
        "minor",
        {"date_of_birth": "2008-12-05"},
        TODAY,
        APPOINTMENT,
        id="minor-17-today-but-18-on-appointment-clear",
    ),
    pytest.param(
        "minor",
        {"date_of_birth": "2008-02-29"},
        date(2026, 2, 1),
        date(2026, 3, 1),
        id="minor-29-feb-birthday-on-1-mar-clear",
    ),
    pytest.param(
        "minor",
        {"date_of_birth": "2010-03-01"},
        date(2028, 2, 1),
        date(2028, 3, 1),
        id="minor-18th-birthday-in-leap-year-on-the-day-clear",
    ),
]


@pytest.mark.parametrize(("rule_id", "changes", "today", "appointment"), NO_TRIGGER_CASES)
def test_rule_does_not_trigger_and_result_is_clear(rule_id, changes, today, appointment):
    result = run(changes, today=today, appointment=appointment)
    assert findings_by_rule(result, rule_id) == []
    assert result.outcome == "clear"
    assert result.outcome is Outcome("clear")
    assert result.earliest_date is None
    assert non_advice(result) == []


@pytest.mark.parametrize("question", YES_NO_UNSURE)
def test_unsure_gives_needs_clearance_by_nurse_review_never_clear(question):
    result = run({question: "unsure"})
    assert result.outcome == "needs_clearance"
    assert result.outcome != "clear"
    assert result.earliest_date is None
    (finding,) = non_advice(result)
    assert finding.outcome == "needs_clearance"
    assert finding.clearance == "nurse_review"


def test_unsure_on_every_question_is_still_not_clear():
    changes = dict.fromkeys(YES_NO_UNSURE, "unsure")
    result = run(changes)
    assert result.outcome == "needs_clearance"
    assert all(f.clearance == "nurse_review" for f in non_advice(result))
    assert len(non_advice(result)) == len(YES_NO_UNSURE)


@pytest.mark.parametrize("code", SUBSTANCES)
def test_every_bleeding_risk_substance_code_is_accepted_and_counts(code):
    old = run({"bleeding_risk_substances": [code], "bleeding_risk_last_dose": "2026-11-01"})
    assert old.outcome == "clear"
    recent = run(
        {"bleeding_risk_substances": [code], "bleeding_risk_last_dose": "2026-12-01"},
        appointment=date(2026, 12, 2),
    )
    finding = only_finding(recent, "bleeding_risk_7_days")
    assert finding.earliest_date == date(2026, 12, 8)
    assert recent.outcome == "reschedule"


@pytest.mark.parametrize("code", AREAS)
def test_every_treatment_area_code_is_accepted(code):
    assert run({"treatment_areas": [code]}).outcome == "clear"


def test_all_treatment_areas_at_once_are_accepted():
    assert run({"treatment_areas": list(AREAS)}).outcome == "clear"


def test_appointment_today_is_allowed():
    result = run(today=TODAY, appointment=TODAY)
    assert result.outcome == "clear"


def test_today_defaults_to_the_real_date():
    appointment = date.today() + timedelta(days=30)
    result = evaluate(
        treatment=TREATMENT, appointment_date=appointment, answers=base_answers(), version=VERSION
    )
    assert result.outcome == "clear"
    with pytest.raises(AnswerError) as excinfo:
        evaluate(
            treatment=TREATMENT,
            appointment_date=date.today() - timedelta(days=1),
            answers=base_answers(),
            version=VERSION,
        )
    assert set(excinfo.value.errors) == {"appointment_date"}


def test_version_defaults_to_a_current_release_of_the_treatment():
    result = evaluate(
        treatment=TREATMENT, appointment_date=APPOINTMENT, answers=no_answers(), today=TODAY
    )
    assert result.ruleset[0] == TREATMENT
    assert isinstance(result.ruleset[1], str)
    assert result.ruleset[1]
    assert result.outcome == "clear"


# ---------------------------------------------------------------------------
# Precedence, ordering and the overall earliest_date.
# ---------------------------------------------------------------------------

PRECEDENCE_CASES = [
    pytest.param({}, TODAY, APPOINTMENT, "clear", None, id="all-no-clear-no-date"),
    pytest.param(
        {"neuromuscular_disorder": "yes", "immunosuppressive_disorder": "unsure"},
        TODAY,
        APPOINTMENT,
        "needs_clearance",
        None,
        id="needs-clearance-only-no-date",
    ),
    pytest.param(
        {"neuromuscular_disorder": "yes", "cold_sore": "yes"},
        TODAY,
        APPOINTMENT,
        "reschedule",
        None,
        id="reschedule-beats-needs-clearance",
    ),
    pytest.param(
        {
            "prescribed_blood_thinner": "yes",
            "pregnant": "unsure",
            "bleeding_risk_substances": ["naproxen"],
            "bleeding_risk_last_dose": "2026-12-01",
        },
        TODAY,
        date(2026, 12, 3),
        "reschedule",
        date(2026, 12, 8),
        id="bleeding-with-clearances-earliest-from-the-only-dated-reschedule",
    ),
    pytest.param(
        {
            "cold_sore": "yes",
            "bleeding_risk_substances": ["ibuprofen"],
            "bleeding_risk_last_dose": "2026-12-04",
        },
        date(2026, 12, 4),
        APPOINTMENT,
        "reschedule",
        None,
        id="cold-sore-plus-bleeding-window-no-overall-date",
    ),
    pytest.param(
        {
            "date_of_birth": "2008-12-15",
            "bleeding_risk_substances": ["vitamin_e"],
            "bleeding_risk_last_dose": "2026-12-01",
        },
        TODAY,
        date(2026, 12, 5),
        "reschedule",
        date(2026, 12, 15),
        id="minor-later-than-bleeding-window-latest-wins",
    ),
    pytest.param(
        {
            "date_of_birth": "2008-12-11",
            "bleeding_risk_substances": ["ginseng"],
            "bleeding_risk_last_dose": "2026-12-10",
        },
        date(2026, 12, 10),
        date(2026, 12, 10),
        "reschedule",
        date(2026, 12, 17),
        id="bleeding-window-later-than-minor-latest-wins",
    ),
    pytest.param(
        {"pregnant": "yes", "date_of_birth": "2008-12-11"},
        TODAY,
        APPOINTMENT,
        "reschedule",
        None,
        id="pregnancy-has-no-date-so-no-overall-date",
    ),
    pytest.param(
        {"feeling_unwell": "yes", "blemish_or_rash": "yes", "breastfeeding": "yes"},
        TODAY,
        APPOINTMENT,
        "reschedule",
        None,
        id="several-undated-reschedules",
    ),
]


@pytest.mark.parametrize(
    ("changes", "today", "appointment", "outcome", "earliest"), PRECEDENCE_CASES
)
def test_overall_outcome_and_earliest_date(changes, today, appointment, outcome, earliest):
    result = run(changes, today=today, appointment=appointment)
    assert result.outcome == outcome
    assert isinstance(result.outcome, Outcome)
    assert result.earliest_date == earliest
    if outcome != "reschedule":
        assert result.earliest_date is None
    # to_dict() outcomes are plain strings, safe as dict keys (an Enum hashes by name).
    severities = [SEVERITY[f["outcome"]] for f in result.to_dict()["findings"]]
    assert severities == sorted(severities, reverse=True), "findings must be most severe first"
    worst = max(severities, default=0)
    assert SEVERITY[outcome] == worst


def test_findings_are_ordered_most_severe_first_with_many_findings():
    result = run(
        {
            "neuromuscular_disorder": "yes",
            "immunosuppressive_disorder": "unsure",
            "prescribed_blood_thinner": "yes",
            "pregnant": "unsure",
            "feeling_unwell": "yes",
            "cold_sore": "yes",
        }
    )
    outcomes = [f["outcome"] for f in result.to_dict()["findings"] if f["outcome"] != "advice"]
    assert outcomes[:2] == ["reschedule", "reschedule"]
    assert outcomes[2:] == ["needs_clearance"] * 4
    assert {f.rule_id for f in result.findings if f.outcome == "reschedule"} == {
        "feeling_unwell",
        "cold_sore",
    }


PREGNANT_YES_COMBINATIONS = [
    pytest.param({}, id="alone"),
    pytest.param({"pregnant": "yes", "neuromuscular_disorder": "unsure"}, id="with-unsure"),
    pytest.param({"cold_sore": "yes", "feeling_unwell": "yes"}, id="with-other-reschedules"),
    pytest.param({"date_of_birth": "2008-12-11"}, id="with-minor"),
    pytest.param(
        {"bleeding_risk_substances": ["kava_kava"], "bleeding_risk_last_dose": "2026-11-01"},
        id="with-old-bleeding-dose",
    ),
    pytest.param({"treatment_areas": list(AREAS)}, id="with-all-areas"),
]


@pytest.mark.parametrize("changes", PREGNANT_YES_COMBINATIONS)
def test_pregnant_yes_is_never_clear_and_never_overridable(changes):
    result = run({**changes, "pregnant": "yes"})
    assert result.outcome == "reschedule"
    assert result.outcome != "clear"
    assert result.earliest_date is None
    finding = only_finding(result, "pregnancy")
    assert finding.overridable is False
    assert finding.outcome == "reschedule"


def test_outcome_is_a_str_enum():
    assert Outcome("clear") == "clear"
    assert Outcome("reschedule") == "reschedule"
    assert Outcome("needs_clearance") == "needs_clearance"
    assert isinstance(Outcome("clear"), str)
    with pytest.raises(ValueError):
        Outcome("maybe")


# ---------------------------------------------------------------------------
# Instructions: on every result, with concrete dates from the appointment date.
# ---------------------------------------------------------------------------

INSTRUCTION_CASES = [
    pytest.param({}, TODAY, APPOINTMENT, id="clear"),
    pytest.param({"cold_sore": "yes"}, TODAY, APPOINTMENT, id="reschedule"),
    pytest.param({"prescribed_blood_thinner": "yes"}, TODAY, APPOINTMENT, id="needs-clearance"),
    pytest.param({"pregnant": "yes"}, TODAY, APPOINTMENT, id="pregnant"),
    pytest.param({}, date(2026, 12, 20), date(2027, 1, 3), id="window-crosses-new-year"),
    pytest.param({}, date(2026, 2, 1), date(2026, 3, 1), id="window-crosses-february"),
    pytest.param({}, date(2028, 2, 1), date(2028, 3, 1), id="alcohol-day-is-29-feb-leap-year"),
    pytest.param({}, TODAY, TODAY, id="appointment-today"),
]


@pytest.mark.parametrize(("changes", "today", "appointment"), INSTRUCTION_CASES)
def test_four_instructions_with_concrete_dates_on_every_result(changes, today, appointment):
    result = run(changes, today=today, appointment=appointment)
    instructions = list(result.instructions)
    assert len(instructions) == 4
    for instruction in instructions:
        assert isinstance(instruction.text, str)
        assert instruction.text.strip()
        for value in (instruction.from_date, instruction.until_date):
            assert value is None or type(value) is date
        assert instruction.from_date is not None or instruction.until_date is not None
        if instruction.from_date and instruction.until_date:
            assert instruction.from_date <= instruction.until_date

    bleeding, alcohol = instructions[0], instructions[1]
    assert bleeding.from_date == appointment - timedelta(days=7)
    assert bleeding.until_date == appointment
    assert alcohol.from_date == appointment - timedelta(days=1)
    assert alcohol.until_date == appointment

    as_json = result.to_dict()["instructions"]
    assert len(as_json) == 4
    for instruction, item in zip(instructions, as_json, strict=True):
        assert set(item) == INSTRUCTION_KEYS
        assert item["text"] == instruction.text
        assert item["from"] == iso(instruction.from_date)
        assert item["until"] == iso(instruction.until_date)


def test_instructions_do_not_depend_on_the_answers():
    clear = run({}).to_dict()["instructions"]
    busy = run(
        {"cold_sore": "yes", "pregnant": "unsure", "prescribed_blood_thinner": "yes"}
    ).to_dict()["instructions"]
    assert [(i["from"], i["until"]) for i in clear] == [(i["from"], i["until"]) for i in busy]


def test_instruction_json_dates_for_10_dec_appointment():
    instructions = run({}).to_dict()["instructions"]
    assert instructions[0]["from"] == "2026-12-03"
    assert instructions[0]["until"] == "2026-12-10"
    assert instructions[1]["from"] == "2026-12-09"
    assert instructions[1]["until"] == "2026-12-10"


# ---------------------------------------------------------------------------
# Ruleset identity and the JSON shape.
# ---------------------------------------------------------------------------


def test_ruleset_identifies_treatment_and_version():
    result = run({})
    assert tuple(result.ruleset) == (TREATMENT, VERSION)
    assert result.ruleset == (TREATMENT, VERSION)
    assert result.to_dict()["ruleset"] == {"id": TREATMENT, "version": VERSION}


def _assert_json_leaves(value, path="$"):
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{path}: key {key!r}"
            _assert_json_leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _assert_json_leaves(item, f"{path}[{index}]")
    else:
        assert value is None or type(value) in (str, bool, int, float), f"{path}: {value!r}"


SHAPE_CASES = [
    pytest.param({}, TODAY, APPOINTMENT, id="clear"),
    pytest.param(
        {"bleeding_risk_substances": ["ibuprofen"], "bleeding_risk_last_dose": "2026-12-04"},
        date(2026, 12, 4),
        APPOINTMENT,
        id="bleeding-window",
    ),
    pytest.param(
        {
            "pregnant": "unsure",
            "neuromuscular_disorder": "yes",
            "prescribed_blood_thinner": "yes",
            "date_of_birth": "2008-12-11",
            "cold_sore": "yes",
        },
        TODAY,
        APPOINTMENT,
        id="many-findings",
    ),
    pytest.param({"immunosuppressive_disorder": "yes"}, TODAY, APPOINTMENT, id="needs-clearance"),
]


@pytest.mark.parametrize(("changes", "today", "appointment"), SHAPE_CASES)
def test_to_dict_has_the_contract_json_shape_and_survives_json(changes, today, appointment):
    result = run(changes, today=today, appointment=appointment)
    data = result.to_dict()

    assert set(data) == RESULT_KEYS
    assert type(data["outcome"]) is str
    assert data["outcome"] == result.outcome
    assert data["earliest_date"] == iso(result.earliest_date)
    assert data["ruleset"] == {"id": TREATMENT, "version": VERSION}

    assert isinstance(data["findings"], list)
    assert len(data["findings"]) == len(result.findings)
    for finding, item in zip(result.findings, data["findings"], strict=True):
        assert set(item) == FINDING_KEYS
        assert type(item["outcome"]) is str
        assert item["rule_id"] == finding.rule_id
        assert item["outcome"] == finding.outcome
        assert item["overridable"] is finding.overridable
        assert item["earliest_date"] == iso(finding.earliest_date)
        assert item["clearance"] is None or type(item["clearance"]) is str
        assert item["clearance"] == finding.clearance
        assert item["patient_text"] == finding.patient_text
        assert item["staff_text"] == finding.staff_text
        assert item["source"] == finding.source
        assert isinstance(item["answers"], dict)
        assert item["answers"] == {k: jsonish(v) for k, v in dict(finding.answers).items()}

    assert isinstance(data["instructions"], list)
    for item in data["instructions"]:
        assert set(item) == INSTRUCTION_KEYS

    _assert_json_leaves(data)
    assert json.loads(json.dumps(data)) == data


def test_to_dict_matches_the_contract_example():
    result = run(
        {"bleeding_risk_substances": ["ibuprofen"], "bleeding_risk_last_dose": "2026-12-04"},
        today=date(2026, 12, 4),
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["outcome"] == "reschedule"
    assert data["earliest_date"] == "2026-12-11"
    assert data["ruleset"] == {"id": "pdo_smooth_threads", "version": "1"}
    (finding,) = data["findings"]
    assert finding["rule_id"] == "bleeding_risk_7_days"
    assert finding["outcome"] == "reschedule"
    assert finding["overridable"] is True
    assert finding["earliest_date"] == "2026-12-11"
    assert finding["clearance"] is None
    assert finding["source"].startswith("seed")
    assert finding["answers"] == {
        "bleeding_risk_substances": ["ibuprofen"],
        "bleeding_risk_last_dose": "2026-12-04",
    }
    assert data["instructions"][0]["from"] == "2026-12-03"
    assert data["instructions"][0]["until"] == "2026-12-10"


# ---------------------------------------------------------------------------
# AnswerError: every invalid or incomplete input names every offending key.
# ---------------------------------------------------------------------------

WITH_DOSE = {"bleeding_risk_substances": ["aspirin"], "bleeding_risk_last_dose": "2026-11-28"}

# (changes to base answers, visit overrides, expected keys, exact: expected == all keys)
ERROR_CASES = [
    *[pytest.param({q: DROP}, {}, {q}, True, id=f"missing-{q}") for q in REQUIRED],
    pytest.param(
        {"bleeding_risk_substances": ["aspirin"]},
        {},
        {"bleeding_risk_last_dose"},
        True,
        id="missing-last-dose-when-list-not-empty",
    ),
    pytest.param(
        {"bleeding_risk_substances": ["aspirin"], "bleeding_risk_last_dose": None},
        {},
        {"bleeding_risk_last_dose"},
        True,
        id="null-last-dose-when-list-not-empty",
    ),
    pytest.param(
        {"favourite_colour": "blue"}, {}, {"favourite_colour"}, True, id="unknown-question"
    ),
    pytest.param(
        {"first_name": "Ada"}, {}, {"first_name"}, True, id="identity-field-inside-answers"
    ),
    # wrong types
    pytest.param({"pregnant": True}, {}, {"pregnant"}, True, id="type-bool-true-for-yes"),
    pytest.param(
        {"breastfeeding": False}, {}, {"breastfeeding"}, True, id="type-bool-false-for-no"
    ),
    pytest.param({"cold_sore": 1}, {}, {"cold_sore"}, True, id="type-number-for-yes-no"),
    pytest.param({"pregnant": None}, {}, {"pregnant"}, True, id="type-null-for-required-yes-no"),
    pytest.param({"pregnant": ["yes"]}, {}, {"pregnant"}, True, id="type-list-for-yes-no"),
    pytest.param(
        {"bleeding_risk_substances": "aspirin"},
        {},
        {"bleeding_risk_substances"},
        False,
        id="type-string-instead-of-substance-list",
    ),
    pytest.param(
        {"bleeding_risk_substances": None},
        {},
        {"bleeding_risk_substances"},
        False,
        id="type-null-substance-list",
    ),
    pytest.param(
        {"treatment_areas": "forehead"},
        {},
        {"treatment_areas"},
        True,
        id="type-string-instead-of-area-list",
    ),
    pytest.param(
        {"treatment_areas": [1]}, {}, {"treatment_areas"}, True, id="type-number-in-area-list"
    ),
    pytest.param(
        {"date_of_birth": 19900517}, {}, {"date_of_birth"}, True, id="type-number-for-date"
    ),
    pytest.param(
        {"date_of_birth": None}, {}, {"date_of_birth"}, True, id="type-null-for-required-date"
    ),
    pytest.param(
        {**WITH_DOSE, "bleeding_risk_last_dose": 20261128},
        {},
        {"bleeding_risk_last_dose"},
        True,
        id="type-number-for-last-dose",
    ),
    # options not offered
    *[
        pytest.param({q: "unsure"}, {}, {q}, True, id=f"option-unsure-not-offered-{q}")
        for q in YES_NO_ONLY
    ],
    pytest.param({"pregnant": "maybe"}, {}, {"pregnant"}, True, id="option-maybe"),
    pytest.param(
        {"neuromuscular_disorder": "maybe"},
        {},
        {"neuromuscular_disorder"},
        True,
        id="option-maybe-neuromuscular",
    ),
    pytest.param({"pregnant": "Yes"}, {}, {"pregnant"}, True, id="option-capitalised-Yes"),
    pytest.param({"feeling_unwell": ""}, {}, {"feeling_unwell"}, True, id="option-empty-string"),
    pytest.param(
        {**WITH_DOSE, "bleeding_risk_substances": ["paracetamol"]},
        {},
        {"bleeding_risk_substances"},
        True,
        id="option-unknown-substance-code",
    ),
    pytest.param(
        {**WITH_DOSE, "bleeding_risk_substances": ["aspirin", "paracetamol"]},
        {},
        {"bleeding_risk_substances"},
        True,
        id="option-unknown-substance-among-known",
    ),
    pytest.param(
        {"treatment_areas": ["elbow"]}, {}, {"treatment_areas"}, True, id="option-unknown-area-code"
    ),
    pytest.param(
        {"treatment_areas": ["forehead", "elbow"]},
        {},
        {"treatment_areas"},
        True,
        id="option-unknown-area-among-known",
    ),
    pytest.param(
        {"treatment_areas": []}, {}, {"treatment_areas"}, True, id="empty-treatment-areas"
    ),
    # impossible or malformed dates
    *[
        pytest.param({"date_of_birth": bad}, {}, {"date_of_birth"}, True, id=f"dob-invalid-{bad!r}")
        for bad in ("1990-02-30", "2026-02-30", "not a date", "1990/05/17", "", "19900517")
    ],
    *[
        pytest.param(
            {**WITH_DOSE, "bleeding_risk_last_dose": bad},
            {},
            {"bleeding_risk_last_dose"},
            True,
            id=f"last-dose-invalid-{bad!r}",
        )
        for bad in ("2026-02-30", "not a date", "2026/12/01", "2026-11-31")
    ],
    # out-of-range dates
    pytest.param({"date_of_birth": "2026-12-02"}, {}, {"date_of_birth"}, True, id="dob-tomorrow"),
    pytest.param({"date_of_birth": "2030-01-01"}, {}, {"date_of_birth"}, True, id="dob-future"),
    pytest.param(
        {"date_of_birth": "1906-12-01"}, {}, {"date_of_birth"}, True, id="dob-exactly-120-years"
    ),
    pytest.param(
        {"date_of_birth": "1900-01-01"}, {}, {"date_of_birth"}, True, id="dob-over-120-years"
    ),
    pytest.param(
        {**WITH_DOSE, "bleeding_risk_last_dose": "2026-12-02"},
        {},
        {"bleeding_risk_last_dose"},
        True,
        id="last-dose-after-today",
    ),
    pytest.param(
        {**WITH_DOSE, "bleeding_risk_last_dose": "2026-12-10"},
        {},
        {"bleeding_risk_last_dose"},
        True,
        id="last-dose-on-appointment-but-after-today",
    ),
    pytest.param(
        {**WITH_DOSE, "bleeding_risk_last_dose": "2026-12-11"},
        {},
        {"bleeding_risk_last_dose"},
        True,
        id="last-dose-after-appointment",
    ),
    pytest.param(
        {"bleeding_risk_last_dose": "2026-11-28"},
        {},
        {"bleeding_risk_last_dose"},
        True,
        id="last-dose-given-with-empty-list-disabled-question",
    ),
    # the visit itself
    pytest.param(
        {},
        {"appointment": date(2026, 11, 30)},
        {"appointment_date"},
        True,
        id="appointment-before-today",
    ),
    pytest.param({}, {"treatment": "botox_deluxe"}, {"treatment"}, True, id="unknown-treatment"),
    pytest.param({}, {"treatment": ""}, {"treatment"}, True, id="empty-treatment"),
    pytest.param({}, {"version": "999"}, {"version"}, True, id="unknown-version"),
    pytest.param({}, {"version": "0"}, {"version"}, True, id="unknown-version-0"),
    # several problems at once: all named in one error
    pytest.param(
        {
            "pregnant": DROP,
            "favourite_colour": "blue",
            "cold_sore": True,
            "date_of_birth": "not a date",
        },
        {},
        {"pregnant", "favourite_colour", "cold_sore", "date_of_birth"},
        True,
        id="several-missing-unknown-wrong-type-bad-date",
    ),
    pytest.param(
        {"breastfeeding": DROP},
        {"appointment": date(2026, 11, 30)},
        {"appointment_date", "breastfeeding"},
        True,
        id="several-appointment-in-past-and-missing-answer",
    ),
    pytest.param(
        {
            "bleeding_risk_substances": ["aspirin"],
            "treatment_areas": [],
            "breastfeeding": "unsure",
            "date_of_birth": "2030-01-01",
        },
        {},
        {"bleeding_risk_last_dose", "treatment_areas", "breastfeeding", "date_of_birth"},
        True,
        id="several-missing-dose-empty-areas-bad-option-future-dob",
    ),
    pytest.param(
        {q: DROP for q in REQUIRED},
        {},
        set(REQUIRED),
        True,
        id="several-no-answers-at-all",
    ),
    pytest.param(
        {"pregnant": "yes", "cold_sore": "maybe"},
        {},
        {"cold_sore"},
        True,
        id="invalid-answer-beside-reschedule-still-errors",
    ),
]


@pytest.mark.parametrize(("changes", "visit", "expected", "exact"), ERROR_CASES)
def test_invalid_answers_raise_answer_error_naming_every_key(changes, visit, expected, exact):
    visit = dict(visit)
    appointment = visit.pop("appointment", APPOINTMENT)
    with pytest.raises(AnswerError) as excinfo:
        run(changes, appointment=appointment, **visit)
    error = excinfo.value
    assert isinstance(error, ValueError)
    assert_error_messages(error.errors)
    keys = set(error.errors)
    assert expected <= keys, f"missing keys {expected - keys}; got {dict(error.errors)}"
    if exact:
        assert keys == expected, f"unexpected keys {keys - expected}; got {dict(error.errors)}"


def test_answer_error_is_a_value_error():
    assert issubclass(AnswerError, ValueError)
    with pytest.raises(ValueError):
        run({"pregnant": DROP})


def test_null_last_dose_with_empty_list_is_fine():
    result = run({"bleeding_risk_substances": [], "bleeding_risk_last_dose": None})
    assert result.outcome == "clear"


def test_valid_dates_at_the_edges_are_accepted():
    # 119 years old today and on the appointment date: under 120.
    assert run({"date_of_birth": "1907-01-01"}).outcome == "clear"
    # A last dose on today (and on the appointment day, when that is today).
    assert run({**WITH_DOSE, "bleeding_risk_last_dose": "2026-12-01"}).outcome == "clear"
    same_day = run(
        {**WITH_DOSE, "bleeding_risk_last_dose": "2026-12-10"},
        today=APPOINTMENT,
        appointment=APPOINTMENT,
    )
    assert same_day.outcome == "reschedule"


def test_the_caller_answers_are_evaluated_not_a_default():
    answers = base_answers()
    answers["cold_sore"] = "yes"
    result = evaluate(
        treatment=TREATMENT,
        appointment_date=APPOINTMENT,
        answers=answers,
        today=TODAY,
        version=VERSION,
    )
    assert result.outcome == "reschedule"
