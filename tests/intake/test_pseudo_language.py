"""No English escapes translation on a patient's page: every page of the questionnaire, its
errors and its outcomes, shown in the pseudo-language (``tests/pseudo.py``), where every
translated word is unreadable as English, holds no plain English word outside a translation."""

from __future__ import annotations

import html
import io
import re

import pytest

from tests.intake.patient import ABOUT_YOU, Patient, csrf_token
from tests.intake.test_spanish import TOOK_IBUPROFEN
from tests.pseudo import escaped_english, pseudo_spanish

# Words a patient page shows as they are: the patient's own, the clinic's name, and the switch to
# English, written in English on purpose.
NOT_TRANSLATED = {"Ana", "Lopez", "Rumi", "Aesthetics", "View", "this", "page", "in", "English"}
# Patient-visible attributes: read out by screen readers, or shown in the field.
_ATTRIBUTES = re.compile(r'\b(?:aria-label|placeholder|alt|title)="([^"]*)"')
# Released content in Spanish, not a translated string (rules/treatments/<id>/consent.*.md).
_CONSENT = re.compile(r'<h1 lang="[a-z]+">.*?</h1>|<div class="consent-text".*?</div>', re.S)


@pytest.fixture
def client(make_app, tmp_path):
    """A Spanish-speaking patient's browser, the app's and the rules' words in pseudo-Spanish."""
    with pseudo_spanish(tmp_path / "pseudo") as folder:
        client = make_app(BABEL_TRANSLATION_DIRECTORIES=str(folder)).test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
        yield client


def english_left(page: str) -> list[str]:
    """The English a patient would read on ``page``, outside any translation."""
    page = _CONSENT.sub(" ", page)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    attributes = " ".join(html.unescape(value) for value in _ATTRIBUTES.findall(page))
    # The patient's own link and email address are shown as they are.
    shown = re.sub(r"https?://\S+|\S+@\S+", " ", f"{text} {attributes}")
    return escaped_english(shown, NOT_TRANSLATED)


def assert_translated(response, where: str) -> None:
    assert "⟦" in response.text, f"{where}: the pseudo-language is not in use"
    assert english_left(response.text) == [], where


def test_the_questionnaire_leaves_no_english(client):
    for path in ("/", "/intake/", "/no-such-page", "/intake/resume/unknown-token"):
        assert_translated(client.get(path), path)
    patient = Patient(client)
    patient.start()
    token = csrf_token(client.get("/intake/about_you").text)
    assert_translated(client.post("/intake/about_you", data={"csrf_token": token}), "errors")
    patient.answer("about_you", ABOUT_YOU)
    assert_translated(client.get("/intake/check"), "check, the visit left to answer")
    # Dermal filler asks about every topic.
    patient.answer_all(visit={"treatment": "dermal_filler"}, medicines=TOOK_IBUPROFEN)
    pages = re.findall(r'href="(/intake/[a-z_]+)\?change=1', client.get("/intake/check").text)
    assert len(set(pages)) >= 9
    for path in dict.fromkeys(pages):
        assert_translated(client.get(path), path)
    assert_translated(client.get("/intake/check"), "check")
    consent = client.get("/intake/consent")
    assert_translated(consent, "consent")
    token = csrf_token(consent.text)
    sent = client.post("/intake/consent", data={"csrf_token": token, "language": "es"})
    assert_translated(sent, "consent with errors")


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"health": {"neuromuscular_disorder": "unsure"}},
        {"medicines": TOOK_IBUPROFEN},
        {"health": {"neuromuscular_disorder": "yes"}},
        {"pregnancy": {"pregnant": "yes", "breastfeeding": "no"}},
    ],
    ids=["clear", "unsure", "reschedule-with-date", "note", "not-eligible"],
)
def test_every_outcome_leaves_no_english(client, overrides):
    response = Patient(client).complete(**overrides)
    outcome = client.get(response.location)
    assert_translated(outcome, f"outcome {overrides}")
    if "/notes" in outcome.text:
        upload = client.post(
            f"{response.location}/notes",
            data={
                "csrf_token": csrf_token(outcome.text),
                "kind": "provider_note",
                "file": (io.BytesIO(b"hello"), "note.txt"),
            },
            content_type="multipart/form-data",
        )
        assert_translated(upload, "outcome with an upload error")
    if "/new-date" in outcome.text:
        form = f"{response.location}/new-date"
        sent = client.post(form, data={"csrf_token": csrf_token(outcome.text)})
        assert_translated(sent, "outcome with the new date form's errors")
        client.post(
            form,
            data={
                "csrf_token": csrf_token(outcome.text),
                "preferred_times": "Mondays",
                "contact_by": "email",
                "email": "ana@example.com",
            },
        )
        assert_translated(client.get(response.location), "outcome with a request sent")


@pytest.mark.parametrize(
    ("pages", "where"),
    [
        ({"pregnancy": {"pregnant": "yes", "breastfeeding": "no"}}, "pregnant"),
        ({"about_you": {**ABOUT_YOU, "date_of_birth": "2010-06-01"}}, "sixteen"),
        ({"visit": {"treatment": "sculptra"}, "skin": {"keloid_history": "yes"}}, "keloids"),
    ],
)
def test_the_page_telling_the_visit_cannot_go_ahead_leaves_no_english(client, pages, where):
    patient = Patient(client)
    patient.start()
    patient.answer_all(**pages)
    assert_translated(client.get("/intake/cannot-go-ahead"), where)
    refused = client.post("/intake/cannot-go-ahead", data={"csrf_token": "stale"})
    assert_translated(refused, f"{where}, timed out")
