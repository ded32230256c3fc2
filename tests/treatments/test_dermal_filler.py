"""Dermal filler: what its folder must give, written out by hand.

The folder: rules/treatments/dermal_filler/.
"""

from tests.treatments.checks import ALL_TOPICS, TreatmentChecks

ADDED_IN_VERSION_1 = [
    ("bleeding_disorder", "needs_clearance"),
    ("autoimmune_disorder", "needs_clearance"),
    ("severe_allergies", "reschedule"),
    ("lidocaine_allergy", "needs_clearance"),
    ("filler_allergy", "reschedule"),
    ("keloid_history", "needs_clearance"),
    ("cold_sore_history_perioral", "needs_clearance"),
    ("permanent_filler_in_area", "needs_clearance"),
    ("vaccine_14_days", "advice"),
    ("dental_work_14_days", "advice"),
]


class TestDermalFiller(TreatmentChecks):
    treatment = "dermal_filler"
    fingerprints = {
        "1": "1e1afcb0ccdea425877ae7a7171916b967959f6de6ae6f2ad5083954636a2e2f",
        "2": "a6c64d409e188b5c9e9ed725fc22a46f7deb24b2c6c0a089cecf1883efd3e637",
    }
    added_rules = {
        "1": ADDED_IN_VERSION_1,
        # The same rules; the perioral antiviral rule also fires on a cold sore now.
        "2": ADDED_IN_VERSION_1,
    }
    added_questions = [
        "bleeding_disorder",
        "autoimmune_disorder",
        "severe_allergies",
        "lidocaine_allergy",
        "filler_allergy",
        "keloid_history",
        "cold_sore_history",
        "permanent_filler_in_area",
        "vaccine_last_date",
        "dental_work_date",
    ]
    pages = ALL_TOPICS
    consent_digests = {
        "1": {
            "en": "d821f64acd4c1daa327feb590f8ffddcb1bb4d9301e9811b4d701fc2bdd5aec7",
            "es": "7d1b9ae9dc1da4ad885d6af1132b31625c28e3d6d6af498d87892da5817f6b14",
        },
        # US English (issue 18), and the clinic's own voice in both languages
        "2": {
            "en": "2b727150f03b300e528ead39281fff1eff5e78f9e08b148ef832de0eb6a0e794",
            "es": "b435af0b3b88b5646db7ab5573151b8a0175de592e2801c2bf2b2bfb3257265e",
        },
    }
