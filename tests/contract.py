"""The contract's question vocabulary, restated once for the tests (shared/spec/contract.md).

Written from the contract, not imported from ``rules``, so tests catch the code drifting from it.
"""

TREATMENT = "pdo_smooth_threads"

YES_NO_UNSURE = (
    "pregnant",
    "neuromuscular_disorder",
    "immunosuppressive_disorder",
    "prescribed_blood_thinner",
)
YES_NO_ONLY = ("breastfeeding", "feeling_unwell", "cold_sore", "blemish_or_rash")
REQUIRED = (
    "date_of_birth",
    *YES_NO_UNSURE,
    *YES_NO_ONLY,
    "bleeding_risk_substances",
    "treatment_areas",
)
CORE_QUESTION_IDS = (*REQUIRED, "bleeding_risk_last_dose")
SUBSTANCES = (
    "aspirin",
    "ibuprofen",
    "naproxen",
    "fish_oil",
    "vitamin_e",
    "ginkgo_biloba",
    "ginseng",
    "garlic",
    "st_johns_wort",
    "kava_kava",
)
AREAS = (
    "forehead",
    "frown_lines",
    "crows_feet",
    "smile_lines",
    "marionette_lines",
    "lips",
    "lip_lines",
    "cheeks",
    "under_eyes",
    "under_chin",
    "jawline",
    "neck",
    "other",
)


# Smooth threads version 2 (catalog.md) asks these beside the core questions.
VERSION_2_ADDED = ("bleeding_disorder", "autoimmune_disorder", "keloid_history")

# The catalog's added questions (shared/spec/catalog.md), by how they are answered.
CATALOG_YES_NO_UNSURE = (
    "bleeding_disorder",
    "autoimmune_disorder",
    "lidocaine_allergy",
    "swallowing_or_breathing_problems",
    "interacting_medicines",
    "permanent_filler_in_area",
    "uncontrolled_diabetes",
)
CATALOG_YES_NO_ONLY = (
    "keloid_history",
    "severe_allergies",
    "filler_allergy",
    "toxin_allergy",
    "milk_protein_allergy",
    "cold_sore_history",
    "active_cancer_treatment",
    "metal_allergy",
    "recent_sunburn",
    "active_skin_condition",
    "skin_lesions_in_area",
)
CATALOG_PAST_DATES = ("toxin_last_date", "isotretinoin_last_dose", "vaccine_last_date")
CATALOG_ANY_DATES = ("dental_work_date",)

TREATMENTS = (
    "pdo_smooth_threads",
    "pdo_barbed_threads",
    "dermal_filler",
    "neurotoxin",
    "sculptra",
    "microneedling",
)

# The questions each treatment's current rule set adds to the core ones (catalog.md, "Rules per
# treatment": every question a rule of the treatment reads).
ADDED_BY_TREATMENT = {
    "pdo_smooth_threads": VERSION_2_ADDED,
    "pdo_barbed_threads": (
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
        "lidocaine_allergy",
        "cold_sore_history",
        "permanent_filler_in_area",
        "active_cancer_treatment",
        "active_skin_condition",
        "dental_work_date",
    ),
    "dermal_filler": (
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
        "severe_allergies",
        "lidocaine_allergy",
        "filler_allergy",
        "cold_sore_history",
        "permanent_filler_in_area",
        "vaccine_last_date",
        "dental_work_date",
    ),
    "neurotoxin": (
        "bleeding_disorder",
        "toxin_allergy",
        "milk_protein_allergy",
        "swallowing_or_breathing_problems",
        "toxin_last_date",
        "interacting_medicines",
    ),
    "sculptra": (
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
        "severe_allergies",
        "filler_allergy",
    ),
    "microneedling": (
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
        "lidocaine_allergy",
        "cold_sore_history",
        "active_cancer_treatment",
        "isotretinoin_last_dose",
        "metal_allergy",
        "recent_sunburn",
        "active_skin_condition",
        "skin_lesions_in_area",
        "uncontrolled_diabetes",
    ),
}

_CATALOG_DATES = CATALOG_PAST_DATES + CATALOG_ANY_DATES


def treatment_answers(treatment: str, **changes) -> dict:
    """A fresh, complete all-"no" answer set for ``treatment``'s current rule set, with every
    optional date left out, and ``changes`` applied."""
    added = [q for q in ADDED_BY_TREATMENT[treatment] if q not in _CATALOG_DATES]
    return {**seed_answers(), **dict.fromkeys(added, "no"), **changes}


def no_answers(**changes) -> dict:
    """A fresh, complete all-"no" answer set for the current smooth threads rules (version 2),
    with no last-dose date, and ``changes`` applied."""
    return {**seed_answers(), **dict.fromkeys(VERSION_2_ADDED, "no"), **changes}


def seed_answers(**changes) -> dict:
    """A complete all-"no" answer set of the seed's questions only (smooth threads version 1)."""
    return {
        "date_of_birth": "1990-05-17",
        "pregnant": "no",
        "breastfeeding": "no",
        "neuromuscular_disorder": "no",
        "immunosuppressive_disorder": "no",
        "prescribed_blood_thinner": "no",
        "bleeding_risk_substances": [],
        "feeling_unwell": "no",
        "cold_sore": "no",
        "blemish_or_rash": "no",
        "treatment_areas": ["forehead"],
        **changes,
    }
