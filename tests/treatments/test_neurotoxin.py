"""Neurotoxin (for example Botox): what its folder must give, written out by hand.

The folder: rules/treatments/neurotoxin/.
"""

from tests.treatments.checks import CORE_CHECK_IN, TreatmentChecks


class TestNeurotoxin(TreatmentChecks):
    treatment = "neurotoxin"
    fingerprints = {
        "1": "0380276bed84b10b8491ba1ca0d4bcd35a18d13f29ba93529c7f0916a73105cc",
    }
    added_rules = {
        "1": [
            ("bleeding_disorder", "needs_clearance"),
            ("swallowing_or_breathing", "needs_clearance"),
            ("toxin_allergy", "reschedule"),
            ("milk_protein_allergy", "needs_clearance"),
            ("interacting_medicines", "needs_clearance"),
            ("toxin_90_days", "reschedule"),
        ],
    }
    added_questions = [
        "bleeding_disorder",
        "swallowing_or_breathing_problems",
        "toxin_allergy",
        "milk_protein_allergy",
        "interacting_medicines",
        "toxin_last_date",
    ]
    pages = [
        "about_you",
        "visit",
        "pregnancy",
        "health",
        "allergies",
        "medicines",
        "past_treatments",
        "feeling",
    ]
    check_in_questions = (
        *CORE_CHECK_IN,
        "toxin_last_date",
    )
    consent_digests = {
        "1": {
            "en": "3532fcb8e6199bc44b6b3f6ec69d585e66e8ca3ec8e243f460eb4adf9f7b41f4",
            "es": "e74e67ee9da3b9569a6b82596728f333abc522b63dc167cefc517fb96c164a17",
        },
        # US English (issue 18): "St. John's wort", "makeup", ...; the Spanish as in v1
        "2": {
            "en": "1bb6c5a59f5d3fb6b2ec0ff51e0b19020421a3eb4b72f04576a34972639e12f7",
            "es": "e74e67ee9da3b9569a6b82596728f333abc522b63dc167cefc517fb96c164a17",
        },
    }
