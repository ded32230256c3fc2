"""Microneedling: what its folder must give, written out by hand.

The folder: rules/treatments/microneedling/.
"""

from tests.treatments.checks import CORE_CHECK_IN, CORE_RECHECK, TreatmentChecks

ADDED_IN_VERSION_1 = [
    ("bleeding_disorder", "needs_clearance"),
    ("autoimmune_disorder", "needs_clearance"),
    ("uncontrolled_diabetes", "needs_clearance"),
    ("active_cancer_treatment", "needs_clearance"),
    ("lidocaine_allergy", "needs_clearance"),
    ("metal_allergy", "reschedule"),
    ("isotretinoin_6_months", "reschedule"),
    ("keloid_history", "needs_clearance"),
    ("cold_sore_history_perioral", "needs_clearance"),
    ("active_skin_condition", "reschedule"),
    ("skin_lesions_in_area", "needs_clearance"),
    ("recent_sunburn", "reschedule"),
]


class TestMicroneedling(TreatmentChecks):
    treatment = "microneedling"
    fingerprints = {
        "1": "27795c75177d305ec334dcd4ecab4d4a4bdebd71c2b2926261416938531e0eb4",
        "2": "2702711661d7a6cbfbd6c254f1317105e94bd18f565513b35fa545afeac2fb79",
    }
    added_rules = {
        "1": ADDED_IN_VERSION_1,
        # The same rules; the perioral antiviral rule also fires on a cold sore now.
        "2": ADDED_IN_VERSION_1,
    }
    added_questions = [
        "bleeding_disorder",
        "autoimmune_disorder",
        "uncontrolled_diabetes",
        "active_cancer_treatment",
        "lidocaine_allergy",
        "metal_allergy",
        "isotretinoin_last_dose",
        "keloid_history",
        "cold_sore_history",
        "active_skin_condition",
        "skin_lesions_in_area",
        "recent_sunburn",
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
    check_in_questions = (
        *CORE_CHECK_IN,
        "isotretinoin_last_dose",
        "active_skin_condition",
        "recent_sunburn",
    )
    recheck_questions = (
        *CORE_RECHECK,
        "active_skin_condition",
        "recent_sunburn",
    )
    consent_digests = {
        "1": {
            "en": "4b01013e1a54bb4b4e74387f21ec13a5a71a47ec04936d642c3495599409be3e",
            "es": "8809387e78005c17babd943df44e48145c93376cd29e974722a29796bb67e77c",
        },
        # US English (issue 18): "St. John's wort", "makeup", ...; the Spanish as in v1
        "2": {
            "en": "ea78d623376b760dee7f23974d81f0235f9d7ffd25736f0afaf468175c2bcbd7",
            "es": "8809387e78005c17babd943df44e48145c93376cd29e974722a29796bb67e77c",
        },
    }
