"""The clinic's other treatments, each with the core rules and the catalog's rows for it."""

from __future__ import annotations

from .catalog import (
    ACTIVE_CANCER_TREATMENT,
    ACTIVE_SKIN_CONDITION,
    AUTOIMMUNE_DISORDER,
    BLEEDING_DISORDER,
    COLD_SORE_HISTORY_PERIORAL,
    DENTAL_WORK_14_DAYS,
    FILLER_ALLERGY,
    INTERACTING_MEDICINES,
    ISOTRETINOIN_6_MONTHS,
    KELOID_NOT_ELIGIBLE,
    KELOID_REVIEW,
    LIDOCAINE_ALLERGY,
    METAL_ALLERGY,
    MILK_PROTEIN_ALLERGY,
    PERMANENT_FILLER_IN_AREA,
    RECENT_SUNBURN,
    SEVERE_ALLERGIES_NOT_ELIGIBLE,
    SEVERE_ALLERGIES_REVIEW,
    SKIN_LESIONS_IN_AREA,
    SWALLOWING_OR_BREATHING,
    TOXIN_90_DAYS,
    TOXIN_ALLERGY,
    UNCONTROLLED_DIABETES,
    VACCINE_14_DAYS,
    catalog_ruleset,
)

PDO_BARBED_THREADS = catalog_ruleset(
    "pdo_barbed_threads",
    "1",
    "PDO barbed threads (thread lift)",
    (
        BLEEDING_DISORDER,
        AUTOIMMUNE_DISORDER,
        ACTIVE_CANCER_TREATMENT,
        LIDOCAINE_ALLERGY,
        KELOID_REVIEW,
        COLD_SORE_HISTORY_PERIORAL,
        PERMANENT_FILLER_IN_AREA,
        ACTIVE_SKIN_CONDITION,
        DENTAL_WORK_14_DAYS,
    ),
)

DERMAL_FILLER = catalog_ruleset(
    "dermal_filler",
    "1",
    "Dermal filler",
    (
        BLEEDING_DISORDER,
        AUTOIMMUNE_DISORDER,
        SEVERE_ALLERGIES_NOT_ELIGIBLE,
        LIDOCAINE_ALLERGY,
        FILLER_ALLERGY,
        KELOID_REVIEW,
        COLD_SORE_HISTORY_PERIORAL,
        PERMANENT_FILLER_IN_AREA,
        VACCINE_14_DAYS,
        DENTAL_WORK_14_DAYS,
    ),
)

NEUROTOXIN = catalog_ruleset(
    "neurotoxin",
    "1",
    "Neurotoxin (for example Botox)",
    (
        BLEEDING_DISORDER,
        SWALLOWING_OR_BREATHING,
        TOXIN_ALLERGY,
        MILK_PROTEIN_ALLERGY,
        INTERACTING_MEDICINES,
        TOXIN_90_DAYS,
    ),
)

SCULPTRA = catalog_ruleset(
    "sculptra",
    "1",
    "Sculptra",
    (
        BLEEDING_DISORDER,
        AUTOIMMUNE_DISORDER,
        SEVERE_ALLERGIES_REVIEW,
        FILLER_ALLERGY,
        KELOID_NOT_ELIGIBLE,
    ),
)

MICRONEEDLING = catalog_ruleset(
    "microneedling",
    "1",
    "Microneedling",
    (
        BLEEDING_DISORDER,
        AUTOIMMUNE_DISORDER,
        UNCONTROLLED_DIABETES,
        ACTIVE_CANCER_TREATMENT,
        LIDOCAINE_ALLERGY,
        METAL_ALLERGY,
        ISOTRETINOIN_6_MONTHS,
        KELOID_REVIEW,
        COLD_SORE_HISTORY_PERIORAL,
        ACTIVE_SKIN_CONDITION,
        SKIN_LESIONS_IN_AREA,
        RECENT_SUNBURN,
    ),
)

RELEASED = (PDO_BARBED_THREADS, DERMAL_FILLER, NEUROTOXIN, SCULPTRA, MICRONEEDLING)
