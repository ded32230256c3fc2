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


def no_answers(**changes) -> dict:
    """A fresh, complete all-"no" answer set (no last-dose date), with ``changes`` applied."""
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
