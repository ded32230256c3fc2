"""The catalog's date windows (shared/spec/catalog.md), on both sides of every boundary.

A window counts as the seed's 7-day rule does: a date the full window or more before the
appointment is fine. Toxin: 90 days; isotretinoin: 6 calendar months, clamped to the end of a
shorter month; vaccine (advice): 14 days before; dental work (advice): 14 days either side.
Optional dates may be left out or null; a last dose or treatment may not be after today, while a
dental date may be planned. Black-box: ``rules.evaluate`` only.
"""

from datetime import date, timedelta

import pytest

from rules import AnswerError, evaluate, get_ruleset
from tests.contract import treatment_answers

TODAY = date(2026, 12, 1)
APPOINTMENT = date(2026, 12, 10)


def run(treatment, *, today=TODAY, appointment=APPOINTMENT, **changes):
    return evaluate(
        treatment=treatment,
        appointment_date=appointment,
        answers=treatment_answers(treatment, **changes),
        today=today,
    )


def findings_of(result, rule_id):
    return [f for f in result.findings if f.rule_id == rule_id]


def errors_of(treatment, **kwargs):
    with pytest.raises(AnswerError) as excinfo:
        run(treatment, **kwargs)
    return excinfo.value.errors


# ---------------------------------------------------------------------------
# Neurotoxin: 90 days since the last toxin treatment.
# ---------------------------------------------------------------------------

TOXIN_CASES = [
    pytest.param("2026-09-11", APPOINTMENT, None, id="90-days-before-clear"),
    pytest.param("2026-09-12", APPOINTMENT, date(2026, 12, 11), id="89-days-before"),
    pytest.param("2026-09-11", date(2026, 12, 9), date(2026, 12, 10), id="89-days-earlier-visit"),
    pytest.param("2026-12-01", APPOINTMENT, date(2027, 3, 1), id="last-treatment-today"),
    pytest.param("2026-10-01", APPOINTMENT, date(2026, 12, 30), id="70-days-before"),
    pytest.param("2025-12-10", APPOINTMENT, None, id="a-year-before-clear"),
    pytest.param("2026-03-02", date(2026, 5, 31), None, id="90-days-across-february"),
    pytest.param("2026-03-03", date(2026, 5, 31), date(2026, 6, 1), id="89-days-across-months"),
]


@pytest.mark.parametrize(("last", "appointment", "earliest"), TOXIN_CASES)
def test_toxin_90_days_both_sides(last, appointment, earliest):
    today = min(TODAY, appointment)
    result = run("neurotoxin", today=today, appointment=appointment, toxin_last_date=last)
    if earliest is None:
        assert result.outcome == "clear"
        assert result.findings == ()
        return
    (finding,) = result.findings
    assert finding.rule_id == "toxin_90_days"
    assert (finding.outcome, finding.clearance, finding.overridable) == ("reschedule", None, True)
    assert finding.earliest_date == earliest == date.fromisoformat(last) + timedelta(days=90)
    assert dict(finding.answers) == {"toxin_last_date": last}
    assert finding.source.startswith("catalog.md 14, 15, 12 (strength S")
    assert (result.outcome, result.earliest_date) == ("reschedule", earliest)


# ---------------------------------------------------------------------------
# Microneedling: 6 calendar months since the last isotretinoin dose.
# ---------------------------------------------------------------------------

ISOTRETINOIN_CASES = [
    pytest.param("2026-06-10", "2026-12-10", None, id="6-months-on-the-day-clear"),
    pytest.param("2026-06-10", "2026-12-09", "2026-12-10", id="a-day-short"),
    pytest.param("2026-06-10", "2026-12-07", "2026-12-10", id="180-days-is-not-6-months"),
    pytest.param("2026-08-31", "2027-02-28", None, id="31-aug-clamped-to-28-feb-clear"),
    pytest.param("2026-08-31", "2027-02-27", "2027-02-28", id="31-aug-day-before-clamped-date"),
    pytest.param("2026-08-28", "2027-02-27", "2027-02-28", id="28-aug-is-28-feb-too"),
    pytest.param("2027-08-31", "2028-02-29", None, id="leap-year-clamped-to-29-feb-clear"),
    pytest.param("2027-08-31", "2028-02-28", "2028-02-29", id="leap-year-day-before-29-feb"),
    pytest.param("2027-08-30", "2028-02-28", "2028-02-29", id="30-aug-in-leap-year"),
    pytest.param("2026-03-31", "2026-09-29", "2026-09-30", id="31-mar-clamped-to-30-sep"),
    pytest.param("2026-03-31", "2026-09-30", None, id="31-mar-on-30-sep-clear"),
    pytest.param("2026-07-15", "2027-01-14", "2027-01-15", id="across-the-new-year"),
    pytest.param("2025-01-01", "2026-12-10", None, id="long-ago-clear"),
]


@pytest.mark.parametrize(("last", "appointment", "earliest"), ISOTRETINOIN_CASES)
def test_isotretinoin_6_calendar_months_both_sides(last, appointment, earliest):
    appointment = date.fromisoformat(appointment)
    today = max(date.fromisoformat(last), appointment - timedelta(days=20))
    result = run("microneedling", today=today, appointment=appointment, isotretinoin_last_dose=last)
    if earliest is None:
        assert result.outcome == "clear"
        assert result.findings == ()
        return
    (finding,) = result.findings
    assert finding.rule_id == "isotretinoin_6_months"
    assert (finding.outcome, finding.clearance, finding.overridable) == ("reschedule", None, True)
    assert finding.earliest_date == date.fromisoformat(earliest)
    assert dict(finding.answers) == {"isotretinoin_last_dose": last}
    assert finding.source.startswith("catalog.md 42, 43 (strength S")
    assert (result.outcome, result.earliest_date) == ("reschedule", date.fromisoformat(earliest))


# ---------------------------------------------------------------------------
# Dermal filler: a vaccine within 14 days before is advice only.
# ---------------------------------------------------------------------------

VACCINE_CASES = [
    pytest.param(APPOINTMENT - timedelta(days=14), APPOINTMENT, False, id="14-days-before"),
    pytest.param(APPOINTMENT - timedelta(days=13), APPOINTMENT, True, id="13-days-before"),
    pytest.param(TODAY, APPOINTMENT, True, id="today-9-days-before"),
    pytest.param(TODAY, TODAY, True, id="on-the-appointment-day"),
    pytest.param(date(2026, 6, 1), APPOINTMENT, False, id="months-before"),
]


@pytest.mark.parametrize(("vaccine", "appointment", "advised"), VACCINE_CASES)
def test_vaccine_within_14_days_is_advice_only(vaccine, appointment, advised):
    today = min(TODAY, appointment)
    result = run(
        "dermal_filler",
        today=today,
        appointment=appointment,
        vaccine_last_date=vaccine.isoformat(),
    )
    assert result.outcome == "clear"
    assert result.earliest_date is None
    if not advised:
        assert result.findings == ()
        return
    (finding,) = result.findings
    assert finding.rule_id == "vaccine_14_days"
    assert (finding.outcome, finding.clearance, finding.earliest_date) == ("advice", None, None)
    assert dict(finding.answers) == {"vaccine_last_date": vaccine.isoformat()}
    assert finding.source.startswith("catalog.md 23, 52, 34 (strength L")
    assert finding.patient_text.strip() and finding.staff_text.strip()


# ---------------------------------------------------------------------------
# Dermal filler and barbed threads: dental work within 14 days either side is advice only.
# ---------------------------------------------------------------------------

DENTAL_TREATMENTS = ("dermal_filler", "pdo_barbed_threads")
DENTAL_OFFSETS = [
    pytest.param(-14, False, id="14-days-before"),
    pytest.param(-13, True, id="13-days-before"),
    pytest.param(-1, True, id="day-before"),
    pytest.param(0, True, id="same-day"),
    pytest.param(1, True, id="day-after"),
    pytest.param(13, True, id="13-days-after"),
    pytest.param(14, False, id="14-days-after"),
    pytest.param(60, False, id="two-months-after"),
]


@pytest.mark.parametrize(("offset", "advised"), DENTAL_OFFSETS)
@pytest.mark.parametrize("treatment", DENTAL_TREATMENTS)
def test_dental_work_within_14_days_either_side_is_advice_only(treatment, offset, advised):
    dental = APPOINTMENT + timedelta(days=offset)
    today = min(TODAY, dental)
    result = run(treatment, today=today, dental_work_date=dental.isoformat())
    assert result.outcome == "clear"
    assert result.earliest_date is None
    if not advised:
        assert result.findings == ()
        return
    (finding,) = result.findings
    assert finding.rule_id == "dental_work_14_days"
    assert (finding.outcome, finding.clearance, finding.earliest_date) == ("advice", None, None)
    assert dict(finding.answers) == {"dental_work_date": dental.isoformat()}
    assert finding.source.startswith("catalog.md 23, 24, 7, 64 (strength L")


# ---------------------------------------------------------------------------
# Optional dates: left out or null; a past date may not be after today.
# ---------------------------------------------------------------------------

OPTIONAL_DATES = [
    pytest.param("neurotoxin", "toxin_last_date", id="toxin"),
    pytest.param("microneedling", "isotretinoin_last_dose", id="isotretinoin"),
    pytest.param("dermal_filler", "vaccine_last_date", id="vaccine"),
    pytest.param("dermal_filler", "dental_work_date", id="dental-filler"),
    pytest.param("pdo_barbed_threads", "dental_work_date", id="dental-barbed"),
]

PAST_ONLY_DATES = OPTIONAL_DATES[:3]


@pytest.mark.parametrize(("treatment", "question"), OPTIONAL_DATES)
def test_an_optional_date_may_be_left_out(treatment, question):
    answers = treatment_answers(treatment)
    assert question not in answers
    result = evaluate(treatment, APPOINTMENT, answers, today=TODAY)
    assert (result.outcome, result.findings) == ("clear", ())


@pytest.mark.parametrize(("treatment", "question"), OPTIONAL_DATES)
def test_an_optional_date_may_be_null(treatment, question):
    result = run(treatment, **{question: None})
    assert (result.outcome, result.findings) == ("clear", ())


@pytest.mark.parametrize(("treatment", "question"), PAST_ONLY_DATES)
@pytest.mark.parametrize("after_today", [1, 9, 400], ids=["tomorrow", "appointment-day", "later"])
def test_a_last_dose_or_treatment_after_today_is_an_answer_error(treatment, question, after_today):
    later = (TODAY + timedelta(days=after_today)).isoformat()
    errors = errors_of(treatment, **{question: later})
    assert set(errors) == {question}
    short_name = get_ruleset(treatment).questions_by_id[question].short_name
    assert errors[question] == [f"{short_name} must be today or in the past"]


@pytest.mark.parametrize(
    ("treatment", "question", "outcome", "rule_id"),
    [
        pytest.param("neurotoxin", "toxin_last_date", "reschedule", "toxin_90_days", id="toxin"),
        pytest.param(
            "microneedling",
            "isotretinoin_last_dose",
            "reschedule",
            "isotretinoin_6_months",
            id="isotretinoin",
        ),
        pytest.param(
            "dermal_filler", "vaccine_last_date", "clear", "vaccine_14_days", id="vaccine"
        ),
    ],
)
def test_a_last_dose_or_treatment_today_is_accepted(treatment, question, outcome, rule_id):
    result = run(treatment, **{question: TODAY.isoformat()})
    assert result.outcome == outcome
    assert [f.rule_id for f in result.findings] == [rule_id]


@pytest.mark.parametrize(("treatment", "question"), OPTIONAL_DATES)
@pytest.mark.parametrize(
    "bad", ["2026-02-30", "not a date", "2026/11/01", 20261101, ["2026-11-01"]]
)
def test_an_impossible_optional_date_is_an_answer_error(treatment, question, bad):
    assert set(errors_of(treatment, **{question: bad})) == {question}


@pytest.mark.parametrize("treatment", DENTAL_TREATMENTS)
@pytest.mark.parametrize(
    "planned", [date(2026, 12, 2), date(2026, 12, 20), date(2027, 6, 1)], ids=str
)
def test_a_planned_dental_date_after_today_is_accepted(treatment, planned):
    result = run(treatment, dental_work_date=planned.isoformat())
    assert result.outcome == "clear"


# ---------------------------------------------------------------------------
# Advice never changes the outcome; the overall earliest date is the latest reschedule date.
# ---------------------------------------------------------------------------

VACCINE_9_DAYS_BEFORE = {"vaccine_last_date": "2026-12-01"}
DENTAL_NEXT_WEEK = {"dental_work_date": "2026-12-15"}
BLEEDING_WINDOW = {"bleeding_risk_substances": ["garlic"], "bleeding_risk_last_dose": "2026-12-05"}

ADVICE_CASES = [
    pytest.param("dermal_filler", {}, "clear", None, id="filler-all-no"),
    pytest.param("pdo_barbed_threads", {}, "clear", None, id="barbed-all-no"),
    pytest.param(
        "dermal_filler", {"bleeding_disorder": "yes"}, "needs_clearance", None, id="filler-note"
    ),
    pytest.param(
        "pdo_barbed_threads",
        {"lidocaine_allergy": "unsure"},
        "needs_clearance",
        None,
        id="barbed-unsure",
    ),
    pytest.param("dermal_filler", {"cold_sore": "yes"}, "reschedule", None, id="filler-undated"),
    pytest.param(
        "dermal_filler", BLEEDING_WINDOW, "reschedule", date(2026, 12, 12), id="filler-dated"
    ),
    pytest.param(
        "pdo_barbed_threads",
        {"active_skin_condition": "yes"},
        "reschedule",
        None,
        id="barbed-flare",
    ),
    pytest.param(
        "pdo_barbed_threads", BLEEDING_WINDOW, "reschedule", date(2026, 12, 12), id="barbed-dated"
    ),
]


@pytest.mark.parametrize(("treatment", "changes", "outcome", "earliest"), ADVICE_CASES)
def test_advice_never_changes_the_outcome(treatment, changes, outcome, earliest):
    advice = {**DENTAL_NEXT_WEEK}
    if treatment == "dermal_filler":
        advice.update(VACCINE_9_DAYS_BEFORE)
    today = date(2026, 12, 5)
    without = run(treatment, today=today, **changes)
    advised = run(treatment, today=today, **changes, **advice)
    assert (without.outcome, without.earliest_date) == (outcome, earliest)
    assert (advised.outcome, advised.earliest_date) == (outcome, earliest)
    extra = [f for f in advised.findings if f not in without.findings]
    assert {f.outcome for f in extra} == {"advice"}
    assert len(extra) == len(advice)
    assert list(advised.findings[: len(without.findings)]) == list(without.findings)


EARLIEST_CASES = [
    pytest.param(
        "neurotoxin",
        {"toxin_last_date": "2026-10-01", **BLEEDING_WINDOW},
        date(2026, 12, 30),
        id="toxin-later-than-bleeding-window",
    ),
    pytest.param(
        "neurotoxin",
        {
            "toxin_last_date": "2026-09-12",
            "bleeding_risk_substances": ["aspirin"],
            "bleeding_risk_last_dose": "2026-12-05",
        },
        date(2026, 12, 12),
        id="bleeding-window-later-than-toxin",
    ),
    pytest.param(
        "neurotoxin",
        {"toxin_last_date": "2026-10-01", "bleeding_disorder": "yes", "pregnant": "unsure"},
        date(2026, 12, 30),
        id="clearances-do-not-remove-the-date",
    ),
    pytest.param(
        "neurotoxin",
        {"toxin_last_date": "2026-10-01", "pregnant": "yes"},
        None,
        id="toxin-and-pregnancy-no-date",
    ),
    pytest.param(
        "neurotoxin",
        {"toxin_last_date": "2026-10-01", "toxin_allergy": "yes"},
        None,
        id="toxin-and-allergy-no-date",
    ),
    pytest.param(
        "microneedling",
        {"isotretinoin_last_dose": "2026-08-31", "date_of_birth": "2009-03-15"},
        date(2027, 3, 15),
        id="minor-later-than-isotretinoin",
    ),
    pytest.param(
        "microneedling",
        {"isotretinoin_last_dose": "2026-08-31", "date_of_birth": "2009-01-20"},
        date(2027, 2, 28),
        id="clamped-isotretinoin-later-than-minor",
    ),
    pytest.param(
        "microneedling",
        {"isotretinoin_last_dose": "2026-08-31", "recent_sunburn": "yes"},
        None,
        id="isotretinoin-and-sunburn-no-date",
    ),
    pytest.param(
        "microneedling",
        {"isotretinoin_last_dose": "2026-08-31", "metal_allergy": "yes"},
        None,
        id="isotretinoin-and-metal-allergy-no-date",
    ),
]


@pytest.mark.parametrize(("treatment", "changes", "earliest"), EARLIEST_CASES)
def test_overall_earliest_date_is_the_latest_when_every_reschedule_has_one(
    treatment, changes, earliest
):
    result = run(treatment, today=date(2026, 12, 5), **changes)
    assert result.outcome == "reschedule"
    assert result.earliest_date == earliest
