"""Whole-patient cases for every treatment, as a clinic would see them (catalog.md, contract.md).

Held-out style: each case is a patient's full JSON answers and the result the catalog gives
by hand: the outcome, the earliest date, and every finding's outcome, clearance and whether
staff may override it. Only ``rules.evaluate`` is used; treatments are at their current version.
"""

from dataclasses import dataclass, field

import pytest

from rules import evaluate

NO = "no"
NEVER = False


@dataclass(frozen=True)
class Case:
    id: str
    treatment: str
    answers: dict
    outcome: str
    findings: dict = field(default_factory=dict)  # rule_id -> (outcome, clearance, overridable)
    earliest_date: str | None = None
    today: str = "2026-12-01"
    appointment: str = "2026-12-10"


CORE_NO = {
    "pregnant": NO,
    "breastfeeding": NO,
    "neuromuscular_disorder": NO,
    "immunosuppressive_disorder": NO,
    "prescribed_blood_thinner": NO,
    "bleeding_risk_substances": [],
    "feeling_unwell": NO,
    "cold_sore": NO,
    "blemish_or_rash": NO,
}

SMOOTH_THREADS = {
    "date_of_birth": "1984-03-22",
    **CORE_NO,
    "treatment_areas": ["jawline", "neck"],
    "bleeding_disorder": NO,
    "autoimmune_disorder": NO,
    "keloid_history": NO,
}

BARBED_THREADS = {
    "date_of_birth": "1976-09-08",
    **CORE_NO,
    "treatment_areas": ["cheeks", "jawline"],
    "bleeding_disorder": NO,
    "autoimmune_disorder": NO,
    "keloid_history": NO,
    "lidocaine_allergy": NO,
    "cold_sore_history": NO,
    "permanent_filler_in_area": NO,
    "active_cancer_treatment": NO,
    "active_skin_condition": NO,
}

DERMAL_FILLER = {
    "date_of_birth": "1995-01-30",
    **CORE_NO,
    "treatment_areas": ["lips"],
    "bleeding_disorder": NO,
    "autoimmune_disorder": NO,
    "keloid_history": NO,
    "severe_allergies": NO,
    "lidocaine_allergy": NO,
    "filler_allergy": NO,
    "cold_sore_history": NO,
    "permanent_filler_in_area": NO,
}

NEUROTOXIN = {
    "date_of_birth": "1988-11-02",
    **CORE_NO,
    "treatment_areas": ["forehead", "frown_lines", "crows_feet"],
    "bleeding_disorder": NO,
    "swallowing_or_breathing_problems": NO,
    "toxin_allergy": NO,
    "milk_protein_allergy": NO,
    "interacting_medicines": NO,
}

SCULPTRA = {
    "date_of_birth": "1969-05-14",
    **CORE_NO,
    "treatment_areas": ["cheeks", "jawline"],
    "bleeding_disorder": NO,
    "autoimmune_disorder": NO,
    "keloid_history": NO,
    "severe_allergies": NO,
    "filler_allergy": NO,
}

MICRONEEDLING = {
    "date_of_birth": "1999-07-19",
    **CORE_NO,
    "treatment_areas": ["cheeks", "forehead"],
    "bleeding_disorder": NO,
    "autoimmune_disorder": NO,
    "keloid_history": NO,
    "lidocaine_allergy": NO,
    "cold_sore_history": NO,
    "active_cancer_treatment": NO,
    "metal_allergy": NO,
    "recent_sunburn": NO,
    "active_skin_condition": NO,
    "skin_lesions_in_area": NO,
    "uncontrolled_diabetes": NO,
}

PROVIDER_NOTE = ("needs_clearance", "provider_note", True)
PRESCRIBER_NOTE = ("needs_clearance", "prescriber_note", True)
NURSE_REVIEW = ("needs_clearance", "nurse_review", True)
RESCHEDULE = ("reschedule", None, True)
NOT_ELIGIBLE = ("reschedule", None, NEVER)
ADVICE = ("advice", None, True)

CASES = [
    # PDO smooth threads (version 2).
    Case("smooth-healthy-jawline-and-neck", "pdo_smooth_threads", SMOOTH_THREADS, "clear"),
    Case(
        "smooth-fish-oil-five-days-ago-and-keloids",
        "pdo_smooth_threads",
        {
            **SMOOTH_THREADS,
            "bleeding_risk_substances": ["fish_oil"],
            "bleeding_risk_last_dose": "2026-11-29",
            "keloid_history": "yes",
        },
        "reschedule",
        {"bleeding_risk_7_days": RESCHEDULE, "keloid_history": NURSE_REVIEW},
        earliest_date="2026-12-06",
        appointment="2026-12-04",
    ),
    Case(
        "smooth-rheumatoid-arthritis-on-methotrexate",
        "pdo_smooth_threads",
        {**SMOOTH_THREADS, "autoimmune_disorder": "yes", "immunosuppressive_disorder": "yes"},
        "needs_clearance",
        {"autoimmune_disorder": PROVIDER_NOTE, "immunosuppressive_disorder": PROVIDER_NOTE},
    ),
    Case(
        "smooth-on-warfarin-unsure-about-a-clotting-disorder",
        "pdo_smooth_threads",
        {**SMOOTH_THREADS, "prescribed_blood_thinner": "yes", "bleeding_disorder": "unsure"},
        "needs_clearance",
        {"prescribed_blood_thinner": PRESCRIBER_NOTE, "bleeding_disorder": NURSE_REVIEW},
    ),
    Case(
        "smooth-pregnant-and-breastfeeding",
        "pdo_smooth_threads",
        {**SMOOTH_THREADS, "pregnant": "yes", "breastfeeding": "yes"},
        "reschedule",
        {"pregnancy": NOT_ELIGIBLE, "breastfeeding": NOT_ELIGIBLE},
    ),
    Case(
        "smooth-turns-18-in-january-took-ibuprofen-today",
        "pdo_smooth_threads",
        {
            **SMOOTH_THREADS,
            "date_of_birth": "2009-01-15",
            "bleeding_risk_substances": ["ibuprofen", "vitamin_e"],
            "bleeding_risk_last_dose": "2026-12-01",
        },
        "reschedule",
        {"minor": NOT_ELIGIBLE, "bleeding_risk_7_days": RESCHEDULE},
        earliest_date="2027-01-15",
        appointment="2026-12-03",
    ),
    # PDO barbed threads.
    Case(
        "barbed-healthy-dental-cleaning-in-october",
        "pdo_barbed_threads",
        {**BARBED_THREADS, "dental_work_date": "2026-10-12"},
        "clear",
    ),
    Case(
        "barbed-cold-sores-smile-lines-dentist-next-week",
        "pdo_barbed_threads",
        {
            **BARBED_THREADS,
            "cold_sore_history": "yes",
            "treatment_areas": ["smile_lines", "cheeks"],
            "dental_work_date": "2026-12-15",
        },
        "needs_clearance",
        {"cold_sore_history_perioral": PRESCRIBER_NOTE, "dental_work_14_days": ADVICE},
    ),
    Case(
        "barbed-old-pmma-in-cheeks-unsure-about-numbing",
        "pdo_barbed_threads",
        {**BARBED_THREADS, "permanent_filler_in_area": "yes", "lidocaine_allergy": "unsure"},
        "needs_clearance",
        {"permanent_filler_in_area": NURSE_REVIEW, "lidocaine_allergy": NURSE_REVIEW},
    ),
    Case(
        "barbed-on-chemotherapy",
        "pdo_barbed_threads",
        {**BARBED_THREADS, "active_cancer_treatment": "yes", "immunosuppressive_disorder": "yes"},
        "needs_clearance",
        {"active_cancer_treatment": PROVIDER_NOTE, "immunosuppressive_disorder": PROVIDER_NOTE},
    ),
    Case(
        "barbed-eczema-flare-and-keloids",
        "pdo_barbed_threads",
        {**BARBED_THREADS, "active_skin_condition": "yes", "keloid_history": "yes"},
        "reschedule",
        {"active_skin_condition": RESCHEDULE, "keloid_history": NURSE_REVIEW},
    ),
    Case(
        "barbed-breastfeeding-dentist-tomorrow",
        "pdo_barbed_threads",
        {**BARBED_THREADS, "breastfeeding": "yes", "dental_work_date": "2026-12-02"},
        "reschedule",
        {"breastfeeding": NOT_ELIGIBLE, "dental_work_14_days": ADVICE},
        appointment="2026-12-03",
    ),
    # Dermal filler.
    Case(
        "filler-lips-flu-shot-three-weeks-ago",
        "dermal_filler",
        {**DERMAL_FILLER, "vaccine_last_date": "2026-11-19", "dental_work_date": None},
        "clear",
    ),
    Case(
        "filler-lips-cold-sores-and-a-flu-shot-last-week",
        "dermal_filler",
        {**DERMAL_FILLER, "cold_sore_history": "yes", "vaccine_last_date": "2026-11-30"},
        "needs_clearance",
        {"cold_sore_history_perioral": PRESCRIBER_NOTE, "vaccine_14_days": ADVICE},
    ),
    Case(
        "filler-anaphylaxis-to-bee-stings-dentist-soon",
        "dermal_filler",
        {**DERMAL_FILLER, "severe_allergies": "yes", "dental_work_date": "2026-12-20"},
        "reschedule",
        {"severe_allergies": NOT_ELIGIBLE, "dental_work_14_days": ADVICE},
    ),
    Case(
        "filler-reacted-to-past-filler-and-lidocaine",
        "dermal_filler",
        {**DERMAL_FILLER, "filler_allergy": "yes", "lidocaine_allergy": "yes"},
        "reschedule",
        {"filler_allergy": NOT_ELIGIBLE, "lidocaine_allergy": NURSE_REVIEW},
    ),
    Case(
        "filler-marionette-lines-lupus-and-keloids",
        "dermal_filler",
        {
            **DERMAL_FILLER,
            "treatment_areas": ["marionette_lines"],
            "autoimmune_disorder": "yes",
            "keloid_history": "yes",
        },
        "needs_clearance",
        {"autoimmune_disorder": PROVIDER_NOTE, "keloid_history": NURSE_REVIEW},
    ),
    Case(
        "filler-cheeks-naproxen-and-a-vaccine-this-week",
        "dermal_filler",
        {
            **DERMAL_FILLER,
            "treatment_areas": ["cheeks"],
            "bleeding_risk_substances": ["naproxen"],
            "bleeding_risk_last_dose": "2026-11-29",
            "vaccine_last_date": "2026-12-01",
        },
        "reschedule",
        {"bleeding_risk_7_days": RESCHEDULE, "vaccine_14_days": ADVICE},
        earliest_date="2026-12-06",
        appointment="2026-12-05",
    ),
    # Neurotoxin.
    Case(
        "toxin-regular-client-100-days-since-last",
        "neurotoxin",
        {**NEUROTOXIN, "toxin_last_date": "2026-09-01"},
        "clear",
    ),
    Case(
        "toxin-too-soon-after-october-treatment",
        "neurotoxin",
        {**NEUROTOXIN, "toxin_last_date": "2026-10-15"},
        "reschedule",
        {"toxin_90_days": RESCHEDULE},
        earliest_date="2027-01-13",
    ),
    Case(
        "toxin-asthma-and-milk-allergy",
        "neurotoxin",
        {**NEUROTOXIN, "swallowing_or_breathing_problems": "yes", "milk_protein_allergy": "yes"},
        "needs_clearance",
        {"swallowing_or_breathing": PROVIDER_NOTE, "milk_protein_allergy": NURSE_REVIEW},
    ),
    Case(
        "toxin-myasthenia-and-unsure-about-antibiotics",
        "neurotoxin",
        {**NEUROTOXIN, "neuromuscular_disorder": "yes", "interacting_medicines": "unsure"},
        "needs_clearance",
        {"neuromuscular_disorder": PROVIDER_NOTE, "interacting_medicines": NURSE_REVIEW},
    ),
    Case(
        "toxin-allergic-to-toxin-and-treated-in-november",
        "neurotoxin",
        {**NEUROTOXIN, "toxin_allergy": "yes", "toxin_last_date": "2026-11-01"},
        "reschedule",
        {"toxin_allergy": NOT_ELIGIBLE, "toxin_90_days": RESCHEDULE},
    ),
    Case(
        "toxin-september-treatment-aspirin-and-unsure-about-bleeding",
        "neurotoxin",
        {
            **NEUROTOXIN,
            "toxin_last_date": "2026-09-20",
            "bleeding_risk_substances": ["aspirin"],
            "bleeding_risk_last_dose": "2026-12-01",
            "bleeding_disorder": "unsure",
        },
        "reschedule",
        {
            "toxin_90_days": RESCHEDULE,
            "bleeding_risk_7_days": RESCHEDULE,
            "bleeding_disorder": NURSE_REVIEW,
        },
        earliest_date="2026-12-19",
        appointment="2026-12-05",
    ),
    # Sculptra.
    Case("sculptra-healthy-cheeks-and-jawline", "sculptra", SCULPTRA, "clear"),
    Case(
        "sculptra-keloids-not-eligible",
        "sculptra",
        {**SCULPTRA, "keloid_history": "yes"},
        "reschedule",
        {"keloid_history": NOT_ELIGIBLE},
    ),
    Case(
        "sculptra-several-severe-allergies",
        "sculptra",
        {**SCULPTRA, "severe_allergies": "yes"},
        "needs_clearance",
        {"severe_allergies": NURSE_REVIEW},
    ),
    Case(
        "sculptra-haemophilia-unsure-about-scleroderma",
        "sculptra",
        {**SCULPTRA, "bleeding_disorder": "yes", "autoimmune_disorder": "unsure"},
        "needs_clearance",
        {"bleeding_disorder": PROVIDER_NOTE, "autoimmune_disorder": NURSE_REVIEW},
    ),
    Case(
        "sculptra-allergic-to-poly-l-lactic-acid-and-has-flu",
        "sculptra",
        {**SCULPTRA, "filler_allergy": "yes", "feeling_unwell": "yes"},
        "reschedule",
        {"filler_allergy": NOT_ELIGIBLE, "feeling_unwell": RESCHEDULE},
    ),
    Case(
        "sculptra-17-year-old-with-severe-allergies",
        "sculptra",
        {**SCULPTRA, "date_of_birth": "2009-06-30", "severe_allergies": "yes"},
        "reschedule",
        {"minor": NOT_ELIGIBLE, "severe_allergies": NURSE_REVIEW},
        earliest_date="2027-06-30",
    ),
    # Microneedling.
    Case(
        "microneedling-finished-accutane-last-year",
        "microneedling",
        {**MICRONEEDLING, "isotretinoin_last_dose": "2025-10-01"},
        "clear",
    ),
    Case(
        "microneedling-accutane-until-end-of-august",
        "microneedling",
        {**MICRONEEDLING, "isotretinoin_last_dose": "2026-08-31"},
        "reschedule",
        {"isotretinoin_6_months": RESCHEDULE},
        earliest_date="2027-02-28",
    ),
    Case(
        "microneedling-sunburnt-with-cold-sores-around-the-lips",
        "microneedling",
        {
            **MICRONEEDLING,
            "recent_sunburn": "yes",
            "cold_sore_history": "yes",
            "treatment_areas": ["cheeks", "lip_lines"],
        },
        "reschedule",
        {"recent_sunburn": RESCHEDULE, "cold_sore_history_perioral": PRESCRIBER_NOTE},
    ),
    Case(
        "microneedling-unsure-about-diabetes-with-a-raised-mole",
        "microneedling",
        {**MICRONEEDLING, "uncontrolled_diabetes": "unsure", "skin_lesions_in_area": "yes"},
        "needs_clearance",
        {"uncontrolled_diabetes": NURSE_REVIEW, "skin_lesions_in_area": NURSE_REVIEW},
    ),
    Case(
        "microneedling-nickel-allergy",
        "microneedling",
        {**MICRONEEDLING, "metal_allergy": "yes", "isotretinoin_last_dose": None},
        "reschedule",
        {"metal_allergy": NOT_ELIGIBLE},
    ),
    Case(
        "microneedling-after-radiotherapy-keloids-and-lidocaine-allergy",
        "microneedling",
        {
            **MICRONEEDLING,
            "active_cancer_treatment": "yes",
            "keloid_history": "yes",
            "lidocaine_allergy": "yes",
        },
        "needs_clearance",
        {
            "active_cancer_treatment": PROVIDER_NOTE,
            "keloid_history": NURSE_REVIEW,
            "lidocaine_allergy": NURSE_REVIEW,
        },
    ),
    Case(
        "microneedling-acne-flare-maybe-pregnant",
        "microneedling",
        {**MICRONEEDLING, "active_skin_condition": "yes", "pregnant": "unsure"},
        "reschedule",
        {"active_skin_condition": RESCHEDULE, "pregnancy": NURSE_REVIEW},
    ),
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_whole_patient_case(case):
    result = evaluate(
        treatment=case.treatment,
        appointment_date=case.appointment,
        answers=case.answers,
        today=case.today,
    ).to_dict()

    assert result["outcome"] == case.outcome
    assert result["earliest_date"] == case.earliest_date
    found = {
        f["rule_id"]: (f["outcome"], f["clearance"], f["overridable"]) for f in result["findings"]
    }
    assert len(found) == len(result["findings"])
    assert found == case.findings
    for finding in result["findings"]:
        assert finding["source"].strip()
        assert finding["patient_text"].strip() and finding["staff_text"].strip()
