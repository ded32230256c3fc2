"""The clinic's other treatments, each with the core rules and the catalog's rows for it.

Version 2 of barbed threads, filler and microneedling: a cold sore now counts as a history of
cold sores for the perioral antiviral rule (lifecycle.md); nothing else changes.
"""

from __future__ import annotations

from dataclasses import replace

from ..ruleset import RuleSet
from .catalog import (
    ACTIVE_CANCER_TREATMENT,
    ACTIVE_SKIN_CONDITION,
    AUTOIMMUNE_DISORDER,
    BLEEDING_DISORDER,
    COLD_SORE_HISTORY_PERIORAL,
    COLD_SORE_NOW_OR_BEFORE_PERIORAL,
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


def _cold_sore_now_counts(version_1: RuleSet) -> RuleSet:
    """Version 2 of a treatment: its version 1 with the perioral antiviral rule firing on a cold
    sore now as well as on a history of cold sores."""
    rules = tuple(
        COLD_SORE_NOW_OR_BEFORE_PERIORAL if rule is COLD_SORE_HISTORY_PERIORAL else rule
        for rule in version_1.rules
    )
    if rules == version_1.rules:
        raise ValueError(f"{version_1.key} has no perioral cold-sore rule to change")
    return replace(version_1, version="2", rules=rules)


PDO_BARBED_THREADS_2 = _cold_sore_now_counts(PDO_BARBED_THREADS)
DERMAL_FILLER_2 = _cold_sore_now_counts(DERMAL_FILLER)
MICRONEEDLING_2 = _cold_sore_now_counts(MICRONEEDLING)

# A treatment's versions in order: the last one listed is its current version.
RELEASED = (
    PDO_BARBED_THREADS,
    DERMAL_FILLER,
    NEUROTOXIN,
    SCULPTRA,
    MICRONEEDLING,
    PDO_BARBED_THREADS_2,
    DERMAL_FILLER_2,
    MICRONEEDLING_2,
)
