"""The consent each treatment's patients read and sign, and the hash stored with a signature."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import rules
from screening.extensions import db
from screening.intake.consent import CONSENT_DOCUMENTS, consent_for
from screening.models import Screening
from tests.intake.patient import Patient

# Screenings signed since the questionnaire opened hold this hash: the wording must never change.
SMOOTH_THREADS_SIGNED = "b6ba6fa2d2a212267fe16c067ff05fea454b83498d6168902118814f9fbe2dd2"


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


def test_the_signed_smooth_threads_text_is_unchanged():
    assert consent_for("pdo_smooth_threads").digest() == SMOOTH_THREADS_SIGNED


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
