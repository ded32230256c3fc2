"""The consent a patient signs is a released file: the screening names it (treatment, version,
language) and holds its hash, and the nurse sees the very text signed, its hash checked.

Each treatment's consent hashes are pinned in its own test file (``tests/treatments``)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select, update

import rules
from screening.extensions import db
from screening.models import Screening
from tests.intake.patient import VISIT, Patient, csrf_token
from tests.staff.helpers import signed_in

pytestmark = pytest.mark.usefixtures("light_password_hashing")

TREATMENT = "pdo_smooth_threads"


def stored(app) -> Screening:
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        db.session.expunge(screening)
        return screening


def sign_with(client, **sent) -> int:
    page = client.get("/intake/consent")
    data = {"csrf_token": csrf_token(page.text), "signature": "Ana Lopez", "agree": "y", **sent}
    return client.post("/intake/consent", data=data).status_code


def test_the_consent_page_sends_back_the_version_and_language_shown(client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    page = client.get("/intake/consent").text
    document = rules.consent_for(TREATMENT)
    assert f'name="version" value="{document.version}"' in page
    assert 'name="language" value="en"' in page


def test_the_screening_names_the_consent_file_signed(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    assert patient.sign().status_code == 303
    screening = stored(app)
    document = rules.consent_for(TREATMENT)
    assert (screening.consent_version, screening.consent_language) == (document.version, "en")
    assert screening.consent_text_hash == document.digest()
    folder = rules.TREATMENTS[TREATMENT].folder
    assert (folder / f"consent.v{screening.consent_version}.en.md").exists()


@pytest.mark.parametrize("sent_version", ["99", "", "../1", "1.en"])
def test_a_version_not_on_file_signs_the_current_one(app, client, sent_version):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    assert sign_with(client, version=sent_version, language="en") == 303
    screening = stored(app)
    current = rules.consent_for(TREATMENT)
    assert screening.consent_version == current.version
    assert screening.consent_text_hash == current.digest()


def _nurse_page(app, screening_id: int) -> str:
    nurse = signed_in(app, "nurse@example.com", "nurse")
    response = nurse.get(f"/staff/screenings/{screening_id}")
    assert response.status_code == 200
    return html.unescape(response.text)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_nurse_sees_the_exact_text_signed_from_its_file(app, client, language):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    assert sign_with(client, version="1", language=language) == 303
    screening = stored(app)

    page = _nurse_page(app, screening.id)

    document = rules.consent_for(TREATMENT, language, "1")
    assert "its SHA-256 matches the one stored with the signature" in page
    signed = page[page.index('id="consent-signed"') :]
    for line in document.plain_text().splitlines():
        assert line in signed, line
    assert f'lang="{language}"' in signed


def test_a_text_whose_hash_does_not_match_is_not_shown_as_signed(app, client):
    patient = Patient(client)
    patient.complete()
    with app.app_context():
        db.session.execute(update(Screening).values(consent_text_hash="0" * 64))
        db.session.commit()
        screening_id = db.session.scalars(select(Screening.id)).one()

    page = _nurse_page(app, screening_id)

    assert "does not match the hash stored with the signature" in page
    assert rules.consent_for(TREATMENT).introduction not in page


def test_a_consent_version_not_on_file_is_said_so(app, client):
    Patient(client).complete()
    with app.app_context():
        db.session.execute(update(Screening).values(consent_version="7"))
        db.session.commit()
        screening_id = db.session.scalars(select(Screening.id)).one()

    page = _nurse_page(app, screening_id)

    assert "The consent file this screening names (version 7, en) is not on file" in page


def test_a_consent_changed_in_another_tab_is_never_signed(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all(visit={**VISIT, "treatment": "sculptra"})
    shown = client.get("/intake/consent").text  # Sculptra's consent
    # Another tab changes the treatment (to one asking fewer questions) before this is sent.
    patient.answer("visit", {**VISIT, "treatment": TREATMENT})
    sent = {
        "csrf_token": csrf_token(shown),
        "signature": "Ana Lopez",
        "agree": "y",
        **dict(re.findall(r'name="(language|version|digest)" value="([^"]*)"', shown)),
    }

    refused = client.post("/intake/consent", data=sent)

    assert refused.status_code == 409
    page = html.unescape(refused.text)
    assert "The consent for your treatment has changed since this page was opened" in page
    assert rules.consent_for(TREATMENT).title in page
    assert 'value="Ana Lopez"' in page and "checked" not in page.split('id="agree"')[1][:80]
    with app.app_context():
        assert db.session.scalars(select(Screening)).all() == []
    assert patient.sign().status_code == 303
    assert stored(app).consent_text_hash == rules.consent_for(TREATMENT).digest()
