"""The consent each treatment's patients read and sign, and the hash stored with a signature."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import rules
from rules.i18n import LANGUAGES
from screening.extensions import db
from screening.intake.consent import (
    CONSENT_DOCUMENTS,
    TRANSLATED_DOCUMENTS,
    check_every_consent_is_there,
    consent_for,
)
from screening.models import Screening
from tests.intake.patient import Patient

# The SHA-256 of every released consent text, per language and treatment. Screenings signed since
# each was released hold its hash, so that the clinic can show the very words a patient agreed
# to: a released text never changes (a changed one fails here, whatever shared line caused it).
SIGNED = {
    "en": {
        "pdo_smooth_threads": "b6ba6fa2d2a212267fe16c067ff05fea454b83498d6168902118814f9fbe2dd2",
        "pdo_barbed_threads": "027758d3591c4df42a979853e4abd39b50f85a382ec693f96b4ab034ca16a4ad",
        "dermal_filler": "d821f64acd4c1daa327feb590f8ffddcb1bb4d9301e9811b4d701fc2bdd5aec7",
        "neurotoxin": "3532fcb8e6199bc44b6b3f6ec69d585e66e8ca3ec8e243f460eb4adf9f7b41f4",
        "sculptra": "bf5df3ff762a51bbd1fea1a2e1d6d2b46dfdb3df187a96f019c33d54478f9d79",
        "microneedling": "4b01013e1a54bb4b4e74387f21ec13a5a71a47ec04936d642c3495599409be3e",
    },
    "es": {
        "pdo_smooth_threads": "fd56dda1565604c98d4d8563f6a45bc5646e36999b62f1ea20a8ceaa0aa41c62",
        "pdo_barbed_threads": "b5b87fe08c7e351c4b248852c1d664129331dead715e6756e0f37ad43fcb8894",
        "dermal_filler": "7d1b9ae9dc1da4ad885d6af1132b31625c28e3d6d6af498d87892da5817f6b14",
        "neurotoxin": "e74e67ee9da3b9569a6b82596728f333abc522b63dc167cefc517fb96c164a17",
        "sculptra": "0e1030c3b329bc08823314dffb498d7c59b1799487e7f07029628156bc9ca87f",
        "microneedling": "8809387e78005c17babd943df44e48145c93376cd29e974722a29796bb67e77c",
    },
}


@pytest.mark.parametrize("treatment", list(rules.RULESETS))
def test_every_treatment_has_a_consent_naming_it(treatment):
    document = consent_for(treatment)
    title = rules.get_ruleset(treatment).title

    assert title.lower() in document.plain_text().lower()
    assert title.lower() in document.title.lower()
    assert [section.heading for section in document.sections][0] == "Before your treatment"
    assert "pregnant or breastfeeding may not be treated" in document.plain_text()


def test_no_consent_for_a_treatment_the_clinic_does_not_offer():
    assert set(CONSENT_DOCUMENTS) == set(rules.RULESETS)


def test_each_treatment_has_its_own_text():
    digests = [document.digest() for document in CONSENT_DOCUMENTS.values()]
    assert len(set(digests)) == len(digests)


@pytest.mark.parametrize(
    ("language", "treatment"), [(language, t) for language in SIGNED for t in SIGNED[language]]
)
def test_no_released_consent_text_changes(language, treatment):
    assert consent_for(treatment, language).digest() == SIGNED[language][treatment], (
        f"the {language} consent for {treatment} was signed as released: its wording must not "
        "change (a new wording is a new consent version)"
    )


def test_every_offered_consent_text_is_pinned():
    assert set(SIGNED) == set(LANGUAGES)
    for language in LANGUAGES:
        assert set(SIGNED[language]) == set(rules.RULESETS)


def test_a_treatment_without_its_consent_in_an_offered_language_is_refused_at_start():
    documents = {"en": dict(CONSENT_DOCUMENTS), "es": dict(TRANSLATED_DOCUMENTS["es"])}
    del documents["es"]["sculptra"]

    with pytest.raises(RuntimeError, match="sculptra.*Español|Español.*sculptra"):
        check_every_consent_is_there(documents, rules.RULESETS, LANGUAGES)


@pytest.mark.parametrize("treatment", list(rules.RULESETS))
def test_the_hash_stored_is_that_of_the_treatments_consent(app, client, treatment):
    patient = Patient(client)
    patient.start()
    patient.answer_all(visit={"treatment": treatment})
    page = client.get("/intake/consent")
    document = consent_for(treatment)
    assert document.title in page.text
    assert document.sections[-1].items[-1].replace("'", "&#39;") in page.text

    assert patient.sign().status_code == 303

    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        assert screening.treatment == treatment
        assert screening.consent_text_hash == document.digest()
