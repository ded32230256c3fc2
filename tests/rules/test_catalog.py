"""The catalog's rules per treatment (shared/spec/catalog.md), restated row by row.

Each row gives the treatments a rule belongs to, its finding on "yes", and the references and
strength of evidence it cites; "unsure" (where the question offers it) must give a nurse's
review. Date windows are in ``test_catalog_windows.py``. Black-box: ``rules.evaluate`` only.
"""

import re
from dataclasses import dataclass
from datetime import date

import pytest

from rules import AnswerError, evaluate, get_ruleset
from tests.contract import (
    ADDED_BY_TREATMENT,
    AREAS,
    CATALOG_YES_NO_ONLY,
    CATALOG_YES_NO_UNSURE,
    CORE_QUESTION_IDS,
    TREATMENTS,
    seed_answers,
    treatment_answers,
)
from tests.treatments.checks import CORE_RULE_IDS

TODAY = date(2026, 12, 1)
APPOINTMENT = date(2026, 12, 10)

SMOOTH = "pdo_smooth_threads"
BARBED = "pdo_barbed_threads"
FILLER = "dermal_filler"
TOXIN = "neurotoxin"
SCULPTRA = "sculptra"
MICRO = "microneedling"

PERIORAL = ("lips", "lip_lines", "smile_lines", "marionette_lines")


@dataclass(frozen=True)
class AnswerRule:
    """A catalog row whose rule fires on a "yes" to one question."""

    rule_id: str
    question: str
    treatments: tuple[str, ...]
    outcome: str
    clearance: str | None
    overridable: bool
    strength: str
    sources: tuple[int, ...]

    @property
    def offers_unsure(self):
        return self.question in CATALOG_YES_NO_UNSURE


NEVER = False

ANSWER_RULES = (
    AnswerRule(
        "bleeding_disorder",
        "bleeding_disorder",
        (SMOOTH, BARBED, FILLER, TOXIN, SCULPTRA, MICRO),
        "needs_clearance",
        "provider_note",
        True,
        "M",
        (40, 46, 1, 2, 3),
    ),
    AnswerRule(
        "autoimmune_disorder",
        "autoimmune_disorder",
        (SMOOTH, BARBED, FILLER, SCULPTRA, MICRO),
        "needs_clearance",
        "provider_note",
        True,
        "M",
        (1, 2, 9, 28, 24),
    ),
    AnswerRule(
        "keloid_history",
        "keloid_history",
        (SCULPTRA,),
        "reschedule",
        None,
        NEVER,
        "S",
        (38, 39),
    ),
    AnswerRule(
        "keloid_history",
        "keloid_history",
        (SMOOTH, BARBED, MICRO, FILLER),
        "needs_clearance",
        "nurse_review",
        True,
        "M",
        (1, 2, 3, 46, 51, 29),
    ),
    AnswerRule(
        "severe_allergies",
        "severe_allergies",
        (FILLER,),
        "reschedule",
        None,
        NEVER,
        "S",
        (27, 30),
    ),
    AnswerRule(
        "severe_allergies",
        "severe_allergies",
        (SCULPTRA,),
        "needs_clearance",
        "nurse_review",
        True,
        "S",
        (62,),
    ),
    AnswerRule(
        "lidocaine_allergy",
        "lidocaine_allergy",
        (FILLER, BARBED, MICRO),
        "needs_clearance",
        "nurse_review",
        True,
        "S",
        (27, 30, 44),
    ),
    AnswerRule(
        "filler_allergy",
        "filler_allergy",
        (FILLER, SCULPTRA),
        "reschedule",
        None,
        NEVER,
        "S",
        (28, 38),
    ),
    AnswerRule(
        "toxin_allergy",
        "toxin_allergy",
        (TOXIN,),
        "reschedule",
        None,
        NEVER,
        "S",
        (10, 11, 12),
    ),
    AnswerRule(
        "milk_protein_allergy",
        "milk_protein_allergy",
        (TOXIN,),
        "needs_clearance",
        "nurse_review",
        True,
        "M",
        (19, 20),
    ),
    AnswerRule(
        "swallowing_or_breathing",
        "swallowing_or_breathing_problems",
        (TOXIN,),
        "needs_clearance",
        "provider_note",
        True,
        "S",
        (21, 12, 13),
    ),
    AnswerRule(
        "interacting_medicines",
        "interacting_medicines",
        (TOXIN,),
        "needs_clearance",
        "nurse_review",
        True,
        "S",
        (12, 63),
    ),
    AnswerRule(
        "permanent_filler_in_area",
        "permanent_filler_in_area",
        (BARBED, FILLER),
        "needs_clearance",
        "nurse_review",
        True,
        "M",
        (1, 2, 31, 40),
    ),
    AnswerRule(
        "active_cancer_treatment",
        "active_cancer_treatment",
        (BARBED, MICRO),
        "needs_clearance",
        "provider_note",
        True,
        "M",
        (1, 2, 3, 46),
    ),
    AnswerRule(
        "metal_allergy",
        "metal_allergy",
        (MICRO,),
        "reschedule",
        None,
        NEVER,
        "M",
        (44, 46, 51),
    ),
    AnswerRule(
        "recent_sunburn",
        "recent_sunburn",
        (MICRO,),
        "reschedule",
        None,
        True,
        "M",
        (47, 48, 52),
    ),
    AnswerRule(
        "active_skin_condition",
        "active_skin_condition",
        (MICRO, BARBED),
        "reschedule",
        None,
        True,
        "M",
        (46, 51, 3),
    ),
    AnswerRule(
        "skin_lesions_in_area",
        "skin_lesions_in_area",
        (MICRO,),
        "needs_clearance",
        "nurse_review",
        True,
        "M",
        (44, 46),
    ),
    AnswerRule(
        "uncontrolled_diabetes",
        "uncontrolled_diabetes",
        (MICRO,),
        "needs_clearance",
        "provider_note",
        True,
        "M",
        (46, 51, 53),
    ),
)


def per_treatment(rows):
    return [
        pytest.param(treatment, row, id=f"{row.rule_id}-{treatment}")
        for row in rows
        for treatment in row.treatments
    ]


def run(treatment, answers, *, today=TODAY, appointment=APPOINTMENT, version=None):
    return evaluate(
        treatment=treatment,
        appointment_date=appointment,
        answers=answers,
        today=today,
        version=version,
    )


def cited(source):
    """The catalog reference numbers and strength a source names, e.g. "catalog.md 1, 2
    (strength M)" -> ((1, 2), "M")."""
    found = re.fullmatch(r"catalog\.md ([\d, ]+) \(strength ([SML])\b.*\)", source)
    assert found, f"source does not cite the catalog: {source!r}"
    return tuple(int(n) for n in found.group(1).split(",")), found.group(2)


def assert_cites(finding, strength, numbers):
    assert cited(finding.source) == (tuple(numbers), strength)


def errors_of(treatment, answers, **visit):
    with pytest.raises(AnswerError) as excinfo:
        run(treatment, answers, **visit)
    return excinfo.value.errors


@pytest.mark.parametrize(("treatment", "row"), per_treatment(ANSWER_RULES))
def test_rule_fires_on_yes_with_the_catalog_finding(treatment, row):
    result = run(treatment, treatment_answers(treatment, **{row.question: "yes"}))
    (finding,) = result.findings
    assert finding.rule_id == row.rule_id
    assert finding.outcome == row.outcome
    assert finding.clearance == row.clearance
    assert finding.overridable is row.overridable
    assert finding.earliest_date is None
    assert dict(finding.answers) == {row.question: "yes"}
    assert finding.patient_text.strip() and finding.staff_text.strip()
    assert_cites(finding, row.strength, row.sources)
    assert result.outcome == row.outcome
    assert result.earliest_date is None
    assert result.to_dict()["findings"][0]["clearance"] == row.clearance


@pytest.mark.parametrize(("treatment", "row"), per_treatment(ANSWER_RULES))
def test_rule_does_not_fire_on_no(treatment, row):
    result = run(treatment, treatment_answers(treatment, **{row.question: "no"}))
    assert result.outcome == "clear"
    assert result.findings == ()


@pytest.mark.parametrize(
    ("treatment", "row"), per_treatment(r for r in ANSWER_RULES if r.offers_unsure)
)
def test_unsure_gives_a_nurse_review_never_clear(treatment, row):
    result = run(treatment, treatment_answers(treatment, **{row.question: "unsure"}))
    (finding,) = result.findings
    assert (finding.rule_id, finding.outcome, finding.clearance) == (
        row.rule_id,
        "needs_clearance",
        "nurse_review",
    )
    assert finding.overridable is True
    assert dict(finding.answers) == {row.question: "unsure"}
    assert result.outcome == "needs_clearance"


@pytest.mark.parametrize(
    ("treatment", "question"),
    [
        pytest.param(treatment, question, id=f"{question}-{treatment}")
        for treatment in TREATMENTS
        for question in ADDED_BY_TREATMENT[treatment]
        if question in CATALOG_YES_NO_ONLY
    ],
)
def test_unsure_is_refused_where_the_catalog_offers_only_yes_or_no(treatment, question):
    errors = errors_of(treatment, treatment_answers(treatment, **{question: "unsure"}))
    assert set(errors) == {question}


# ---------------------------------------------------------------------------
# A cold-sore history matters only with a treatment area around the mouth.
# ---------------------------------------------------------------------------

COLD_SORE_TREATMENTS = (FILLER, BARBED, MICRO)
# Their current versions (2) read a cold sore now beside the history (lifecycle.md), and report
# both answers with the areas.
COLD_SORE_READS = {"cold_sore_history": "yes", "cold_sore": "no"}
NOT_PERIORAL = tuple(area for area in AREAS if area not in PERIORAL)


@pytest.mark.parametrize("area", PERIORAL)
@pytest.mark.parametrize("treatment", COLD_SORE_TREATMENTS)
def test_cold_sore_history_with_a_perioral_area_needs_a_prescriber_note(treatment, area):
    answers = treatment_answers(treatment, cold_sore_history="yes", treatment_areas=[area])
    result = run(treatment, answers)
    (finding,) = result.findings
    assert finding.rule_id == "cold_sore_history_perioral"
    assert (finding.outcome, finding.clearance) == ("needs_clearance", "prescriber_note")
    assert finding.overridable is True
    assert finding.earliest_date is None
    assert dict(finding.answers) == {**COLD_SORE_READS, "treatment_areas": [area]}
    assert_cites(finding, "S", (35, 36))
    assert result.outcome == "needs_clearance"


@pytest.mark.parametrize(
    "areas",
    [
        pytest.param(["forehead"], id="forehead"),
        pytest.param(["cheeks"], id="cheeks"),
        pytest.param(["forehead", "cheeks", "jawline"], id="several"),
        pytest.param(list(NOT_PERIORAL), id="every-area-away-from-the-mouth"),
    ],
)
@pytest.mark.parametrize("treatment", COLD_SORE_TREATMENTS)
def test_cold_sore_history_away_from_the_mouth_is_clear(treatment, areas):
    answers = treatment_answers(treatment, cold_sore_history="yes", treatment_areas=areas)
    result = run(treatment, answers)
    assert result.outcome == "clear"
    assert result.findings == ()


@pytest.mark.parametrize("treatment", COLD_SORE_TREATMENTS)
def test_cold_sore_history_with_mixed_areas_names_the_whole_answer(treatment):
    areas = ["forehead", "lips", "cheeks", "marionette_lines"]
    answers = treatment_answers(treatment, cold_sore_history="yes", treatment_areas=areas)
    (finding,) = run(treatment, answers).findings
    assert finding.rule_id == "cold_sore_history_perioral"
    assert dict(finding.answers) == {**COLD_SORE_READS, "treatment_areas": areas}


@pytest.mark.parametrize("treatment", COLD_SORE_TREATMENTS)
def test_no_cold_sore_history_with_every_perioral_area_is_clear(treatment):
    answers = treatment_answers(treatment, cold_sore_history="no", treatment_areas=list(PERIORAL))
    result = run(treatment, answers)
    assert result.outcome == "clear"
    assert result.findings == ()


@pytest.mark.parametrize("treatment", COLD_SORE_TREATMENTS)
def test_a_cold_sore_now_still_reschedules_beside_the_history_rule(treatment):
    answers = treatment_answers(
        treatment, cold_sore="yes", cold_sore_history="yes", treatment_areas=["lips"]
    )
    result = run(treatment, answers)
    assert [(f.rule_id, f.outcome) for f in result.findings] == [
        ("cold_sore", "reschedule"),
        ("cold_sore_history_perioral", "needs_clearance"),
    ]
    assert result.outcome == "reschedule"
    assert result.earliest_date is None


# ---------------------------------------------------------------------------
# Each treatment asks exactly its questions and applies exactly its rules.
# ---------------------------------------------------------------------------

CORE_RULES = set(CORE_RULE_IDS)

# The questions each rule set asks beyond the core ones: version 1 of smooth threads (the seed)
# none, every current version those the contract lists.
QUESTION_SETS = {
    (SMOOTH, "1"): set(),
    **{(treatment, None): set(added) for treatment, added in ADDED_BY_TREATMENT.items()},
}

RULE_SETS = {
    (SMOOTH, "1"): set(),
    (SMOOTH, None): {"bleeding_disorder", "autoimmune_disorder", "keloid_history"},
    (BARBED, None): {
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
        "lidocaine_allergy",
        "cold_sore_history_perioral",
        "permanent_filler_in_area",
        "active_cancer_treatment",
        "active_skin_condition",
        "dental_work_14_days",
    },
    (FILLER, None): {
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
        "severe_allergies",
        "lidocaine_allergy",
        "filler_allergy",
        "cold_sore_history_perioral",
        "permanent_filler_in_area",
        "vaccine_14_days",
        "dental_work_14_days",
    },
    (TOXIN, None): {
        "bleeding_disorder",
        "swallowing_or_breathing",
        "toxin_allergy",
        "milk_protein_allergy",
        "toxin_90_days",
        "interacting_medicines",
    },
    (SCULPTRA, None): {
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
        "severe_allergies",
        "filler_allergy",
    },
    (MICRO, None): {
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
        "lidocaine_allergy",
        "cold_sore_history_perioral",
        "active_cancer_treatment",
        "isotretinoin_6_months",
        "metal_allergy",
        "recent_sunburn",
        "active_skin_condition",
        "skin_lesions_in_area",
        "uncontrolled_diabetes",
    },
}

RULESET_IDS = [f"{t}-v{v}" if v else t for t, v in QUESTION_SETS]


SOON = date(2026, 12, 4)


def every_answer_that_can_fire(questions):
    """Answers under which every rule reading ``questions`` fires for an appointment on
    ``SOON``: a 16-year-old answering "yes" to everything, with every date inside its window."""
    answers = {
        "date_of_birth": "2010-06-01",
        "bleeding_risk_substances": ["aspirin"],
        "bleeding_risk_last_dose": TODAY.isoformat(),
        "treatment_areas": ["lips", "forehead"],
        "toxin_last_date": TODAY.isoformat(),
        "isotretinoin_last_dose": TODAY.isoformat(),
        "vaccine_last_date": TODAY.isoformat(),
        "dental_work_date": SOON.isoformat(),
    }
    return {q: answers.get(q, "yes") for q in questions}


@pytest.mark.parametrize(("treatment", "version"), list(QUESTION_SETS), ids=RULESET_IDS)
def test_each_treatment_asks_exactly_the_core_and_its_catalog_questions(treatment, version):
    asked = {q.id for q in get_ruleset(treatment, version).questions}
    assert asked == set(CORE_QUESTION_IDS) | QUESTION_SETS[treatment, version]


@pytest.mark.parametrize(("treatment", "version"), list(QUESTION_SETS), ids=RULESET_IDS)
def test_each_treatment_applies_exactly_the_core_and_its_catalog_rules(treatment, version):
    questions = set(CORE_QUESTION_IDS) | QUESTION_SETS[treatment, version]
    answers = every_answer_that_can_fire(questions)
    result = run(treatment, answers, appointment=SOON, version=version)
    fired = [f.rule_id for f in result.findings]
    assert sorted(fired) == sorted(CORE_RULES | RULE_SETS[treatment, version])
    assert result.outcome == "reschedule"


@pytest.mark.parametrize(
    ("treatment", "version", "question"),
    [
        pytest.param(treatment, version, question, id=f"{question}-{treatment}-v{version}")
        for (treatment, version), asked in QUESTION_SETS.items()
        for question in (*CATALOG_YES_NO_UNSURE, *CATALOG_YES_NO_ONLY)
        if question not in asked
    ],
)
def test_a_question_the_treatment_does_not_ask_is_an_unknown_question(treatment, version, question):
    all_no = seed_answers() if version == "1" else treatment_answers(treatment)
    errors = errors_of(treatment, {**all_no, question: "no"}, version=version)
    assert set(errors) == {question}
    assert errors[question] == ["This question is not part of the screening"]


@pytest.mark.parametrize(
    ("treatment", "question"),
    [
        pytest.param(treatment, question, id=f"{question}-{treatment}")
        for treatment in TREATMENTS
        for question in ("toxin_last_date", "isotretinoin_last_dose", "vaccine_last_date")
        if question not in ADDED_BY_TREATMENT[treatment]
    ]
    + [
        pytest.param(treatment, "dental_work_date", id=f"dental_work_date-{treatment}")
        for treatment in TREATMENTS
        if "dental_work_date" not in ADDED_BY_TREATMENT[treatment]
    ],
)
def test_a_date_the_treatment_does_not_ask_is_an_unknown_question(treatment, question):
    answers = treatment_answers(treatment, **{question: TODAY.isoformat()})
    assert set(errors_of(treatment, answers)) == {question}


def test_keloid_history_is_not_asked_for_neurotoxin():
    errors = errors_of(TOXIN, treatment_answers(TOXIN, keloid_history="yes"))
    assert set(errors) == {"keloid_history"}


@pytest.mark.parametrize(
    ("treatment", "question"),
    [
        pytest.param(treatment, question, id=f"{question}-{treatment}")
        for treatment in TREATMENTS
        for question in ADDED_BY_TREATMENT[treatment]
        if question in (*CATALOG_YES_NO_UNSURE, *CATALOG_YES_NO_ONLY)
    ],
)
def test_every_catalog_question_a_treatment_asks_is_required(treatment, question):
    answers = treatment_answers(treatment)
    del answers[question]
    errors = errors_of(treatment, answers)
    assert set(errors) == {question}
    assert all(message.strip() for message in errors[question])


# ---------------------------------------------------------------------------
# The core rules hold in every treatment.
# ---------------------------------------------------------------------------

CORE_CASES = [
    pytest.param({"pregnant": "yes"}, "pregnancy", "reschedule", None, NEVER, id="pregnant"),
    pytest.param(
        {"pregnant": "unsure"},
        "pregnancy",
        "needs_clearance",
        "nurse_review",
        True,
        id="pregnant-unsure",
    ),
    pytest.param(
        {"breastfeeding": "yes"}, "breastfeeding", "reschedule", None, NEVER, id="breastfeeding"
    ),
    pytest.param(
        {"neuromuscular_disorder": "yes"},
        "neuromuscular_disorder",
        "needs_clearance",
        "provider_note",
        True,
        id="neuromuscular",
    ),
    pytest.param(
        {"immunosuppressive_disorder": "yes"},
        "immunosuppressive_disorder",
        "needs_clearance",
        "provider_note",
        True,
        id="immunosuppressive",
    ),
    pytest.param(
        {"prescribed_blood_thinner": "yes"},
        "prescribed_blood_thinner",
        "needs_clearance",
        "prescriber_note",
        True,
        id="blood-thinner",
    ),
    pytest.param({"feeling_unwell": "yes"}, "feeling_unwell", "reschedule", None, True, id="ill"),
    pytest.param({"cold_sore": "yes"}, "cold_sore", "reschedule", None, True, id="cold-sore"),
    pytest.param(
        {"blemish_or_rash": "yes"}, "blemish_or_rash", "reschedule", None, True, id="rash"
    ),
]


@pytest.mark.parametrize(("changes", "rule_id", "outcome", "clearance", "overridable"), CORE_CASES)
@pytest.mark.parametrize("treatment", TREATMENTS)
def test_core_rule_gives_the_contract_finding_in_every_treatment(
    treatment, changes, rule_id, outcome, clearance, overridable
):
    result = run(treatment, treatment_answers(treatment, **changes))
    (finding,) = result.findings
    assert (finding.rule_id, finding.outcome, finding.clearance) == (rule_id, outcome, clearance)
    assert finding.overridable is overridable
    assert finding.source.startswith("seed")
    assert result.outcome == outcome


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_core_windows_hold_in_every_treatment(treatment):
    substance = {"bleeding_risk_substances": ["fish_oil"]}
    seven_days = run(
        treatment,
        treatment_answers(treatment, **substance, bleeding_risk_last_dose="2026-12-03"),
        today=date(2026, 12, 4),
    )
    assert seven_days.outcome == "clear"
    six_days = run(
        treatment,
        treatment_answers(treatment, **substance, bleeding_risk_last_dose="2026-12-04"),
        today=date(2026, 12, 4),
    )
    assert (six_days.outcome, six_days.earliest_date) == ("reschedule", date(2026, 12, 11))
    minor = run(treatment, treatment_answers(treatment, date_of_birth="2008-12-11"))
    (finding,) = minor.findings
    assert (finding.rule_id, finding.overridable) == ("minor", NEVER)
    assert minor.earliest_date == date(2026, 12, 11)


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_all_no_is_clear_with_no_findings_for_every_treatment(treatment):
    result = run(treatment, treatment_answers(treatment))
    assert result.outcome == "clear"
    assert result.findings == ()
    assert result.earliest_date is None
    assert result.ruleset == (treatment, "1" if treatment in (TOXIN, SCULPTRA) else "2")
    assert len(result.instructions) == 4
