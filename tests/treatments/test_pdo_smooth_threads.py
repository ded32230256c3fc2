"""PDO smooth threads: what its folder must give, written out by hand.

The folder: rules/treatments/pdo_smooth_threads/.
"""

from tests.treatments.checks import TreatmentChecks


class TestPdoSmoothThreads(TreatmentChecks):
    treatment = "pdo_smooth_threads"
    fingerprints = {
        "1": "49624413476fbf8d9772aafe36b6225bc51d8be4ea6842d12eea05357bea130e",
        "2": "c341d2765eb4e4f32cc3403406c031961bacbec6072b64f27ff7ae17f888ff2e",
    }
    added_rules = {
        "1": [],
        "2": [
            ("bleeding_disorder", "needs_clearance"),
            ("autoimmune_disorder", "needs_clearance"),
            ("keloid_history", "needs_clearance"),
        ],
    }
    added_questions = [
        "bleeding_disorder",
        "autoimmune_disorder",
        "keloid_history",
    ]
    pages = [
        "about_you",
        "visit",
        "pregnancy",
        "health",
        "medicines",
        "skin",
        "feeling",
    ]
    consent_digests = {
        "1": {
            "en": "b6ba6fa2d2a212267fe16c067ff05fea454b83498d6168902118814f9fbe2dd2",
            "es": "fd56dda1565604c98d4d8563f6a45bc5646e36999b62f1ea20a8ceaa0aa41c62",
        },
        # US English (issue 18): "St. John's wort", "makeup", ...; the Spanish as in v1
        "2": {
            "en": "242298ef4ff05a8b4586a7aa02dcd2582506aa71be7e2084c86f3ecc76a64f2d",
            "es": "fd56dda1565604c98d4d8563f6a45bc5646e36999b62f1ea20a8ceaa0aa41c62",
        },
    }
