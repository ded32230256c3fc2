"""PDO barbed threads (thread lift): what its folder must give, written out by hand.

The folder: rules/treatments/pdo_barbed_threads/.
"""

from tests.treatments.checks import ALL_TOPICS, CORE_CHECK_IN, CORE_RECHECK, TreatmentChecks

ADDED_IN_VERSION_1 = [
    ("bleeding_disorder", "needs_clearance"),
    ("autoimmune_disorder", "needs_clearance"),
    ("active_cancer_treatment", "needs_clearance"),
    ("lidocaine_allergy", "needs_clearance"),
    ("keloid_history", "needs_clearance"),
    ("cold_sore_history_perioral", "needs_clearance"),
    ("permanent_filler_in_area", "needs_clearance"),
    ("active_skin_condition", "reschedule"),
    ("dental_work_14_days", "advice"),
]


class TestPdoBarbedThreads(TreatmentChecks):
    treatment = "pdo_barbed_threads"
    fingerprints = {
        "1": "cf89210e7b3658318997cae3f820b95372252436958538069102617c18f5fd59",
        "2": "680616aebde13c176ca975344a338a2f5c305a92217d4e0d62c7c710fa13a99b",
    }
    added_rules = {
        "1": ADDED_IN_VERSION_1,
        # The same rules; the perioral antiviral rule also fires on a cold sore now.
        "2": ADDED_IN_VERSION_1,
    }
    added_questions = [
        "bleeding_disorder",
        "autoimmune_disorder",
        "active_cancer_treatment",
        "lidocaine_allergy",
        "keloid_history",
        "cold_sore_history",
        "active_skin_condition",
        "permanent_filler_in_area",
        "dental_work_date",
    ]
    pages = ALL_TOPICS
    check_in_questions = (
        *CORE_CHECK_IN,
        "active_skin_condition",
    )
    recheck_questions = (
        *CORE_RECHECK,
        "active_skin_condition",
    )
    consent_digests = {
        "1": {
            "en": "027758d3591c4df42a979853e4abd39b50f85a382ec693f96b4ab034ca16a4ad",
            "es": "b5b87fe08c7e351c4b248852c1d664129331dead715e6756e0f37ad43fcb8894",
        },
        # US English (issue 18): "St. John's wort", "makeup", ...; the Spanish as in v1
        "2": {
            "en": "c691af10e0548240de86c6869ca7bb206572320d219f27d3c8e5abde4a895591",
            "es": "b5b87fe08c7e351c4b248852c1d664129331dead715e6756e0f37ad43fcb8894",
        },
    }
