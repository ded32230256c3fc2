"""Sculptra: what its folder, rules/treatments/sculptra/, must give, written out by hand."""

from tests.treatments.checks import TreatmentChecks


class TestSculptra(TreatmentChecks):
    treatment = "sculptra"
    fingerprints = {
        "1": "50d2c85ac8433f2bdee3e1198b09cc0ed8f61ef156939bfc2fe554e77dc98b83",
    }
    added_rules = {
        "1": [
            ("bleeding_disorder", "needs_clearance"),
            ("autoimmune_disorder", "needs_clearance"),
            ("severe_allergies", "needs_clearance"),
            ("filler_allergy", "reschedule"),
            ("keloid_history", "reschedule"),
        ],
    }
    added_questions = [
        "bleeding_disorder",
        "autoimmune_disorder",
        "severe_allergies",
        "filler_allergy",
        "keloid_history",
    ]
    pages = [
        "about_you",
        "visit",
        "pregnancy",
        "health",
        "allergies",
        "medicines",
        "skin",
        "feeling",
    ]
    consent_digests = {
        "1": {
            "en": "bf5df3ff762a51bbd1fea1a2e1d6d2b46dfdb3df187a96f019c33d54478f9d79",
            "es": "0e1030c3b329bc08823314dffb498d7c59b1799487e7f07029628156bc9ca87f",
        },
        # US English (issue 18): "St. John's wort", "makeup", ...; the Spanish as in v1
        "2": {
            "en": "2402de1e4114a7e140115752cbf53c6a36857479cf4ee87cab1e6828b349ed61",
            "es": "0e1030c3b329bc08823314dffb498d7c59b1799487e7f07029628156bc9ca87f",
        },
    }
