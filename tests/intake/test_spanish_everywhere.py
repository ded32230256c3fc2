"""Nothing left in English: each patient page, in every state, rendered in both languages, and
no text of the English page found unchanged on the Spanish one; a list of the templates' own
phrases checked too. A string someone forgets to mark fails here."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest

from rules.i18n import message_id_of, translate
from screening.intake.steps import steps_for
from tests.intake.patient import ABOUT_YOU, VISIT, Patient, csrf_token
from tests.intake.test_spanish import RULESET, TOOK_IBUPROFEN, html_lang
from tests.intake.test_walkthrough import visible_text


def _same_in_spanish_rule_words(text: str) -> bool:
    """A name from the rule data that Spanish keeps as it is ("Sculptra")."""
    return message_id_of(text) is not None and translate(text, "es") == text


class _TextNodes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if text and not self._skip:
            self.nodes.append(text)


def text_nodes(page: str) -> list[str]:
    parser = _TextNodes()
    parser.feed(page)
    return parser.nodes


# Words the same in both languages: names, the clinic, the switch to English.
_SAME_IN_BOTH = {"Rumi Aesthetics", "Ana", "Lopez", "View this page in", "English", "Sculptra"}

# Phrases of the patient pages' own templates that must never be left in English.
KNOWN_ENGLISH = [
    "There is a problem",
    "Skip to main content",
    "Questions? Call",
    "Finish later",
    "Check your answers",
    "Continue",
    "Back",
    "Question page",
    "None of these",
    "Not given",
    "Sign and send my answers",
    "I have read the information above",
    "Type your full name to sign",
    "You're ready for your appointment",
    "can't go ahead",
    "We need to check something",
    "Before your appointment",
    "Send us the note",
    "A PDF, or a photo",
    "Good to know",
    "What happens next",
    "Before your treatment",
    "Start now",
    "Your privacy",
    "This link has expired",
    "We can't find this page",
    "Go to the start",
]


def assert_all_spanish(english_page: str, spanish_page: str, where: str) -> None:
    """No text of the English page is left as it was on the Spanish one, and none of the
    known English phrases appears."""
    assert html_lang(spanish_page) == "es", where
    spanish_nodes = set(text_nodes(spanish_page))
    left = [
        node
        for node in text_nodes(english_page)
        if len(re.findall(r"[A-Za-z]{2,}", node)) >= 2
        and node not in _SAME_IN_BOTH
        and not _same_in_spanish_rule_words(node)
        and "://" not in node  # the patient's own link
        and "@" not in node  # an email address
        and node in spanish_nodes
    ]
    assert not left, f"{where}: still in English: {left}"
    text = visible_text(spanish_page)
    found = [phrase for phrase in KNOWN_ENGLISH if re.search(rf"\b{re.escape(phrase)}\b", text)]
    assert not found, f"{where}: still in English: {found}"


def both_languages(client, path: str, method: str = "get", **kwargs):
    """The page at ``path`` in English, then in Spanish (the same request, the same session)."""
    pages = []
    for language in ("en", "es"):
        response = getattr(client, method)(path, headers={"Accept-Language": language}, **kwargs)
        pages.append(response.text)
    return pages


def test_every_patient_page_is_in_spanish(client):
    for path in ("/", "/intake/", "/no-such-page", "/intake/resume/unknown-token"):
        assert_all_spanish(*both_languages(client, path), path)

    patient = Patient(client)
    patient.start()
    # An empty page sent: the error summary and every field's message.
    token = csrf_token(client.get("/intake/about_you").text)
    english, spanish_ = both_languages(
        client, "/intake/about_you", "post", data={"csrf_token": token}
    )
    assert "There is a problem" in english
    assert_all_spanish(english, spanish_, "about_you with errors")

    patient.answer("about_you", ABOUT_YOU)
    english, spanish_ = both_languages(client, "/intake/check")  # the visit is not answered yet
    assert "Not answered yet" in english
    assert_all_spanish(english, spanish_, "check, with questions left")
    patient.answer_all(medicines=TOOK_IBUPROFEN)
    for step in steps_for(RULESET):
        assert_all_spanish(*both_languages(client, f"/intake/{step.id}"), step.id)
    assert_all_spanish(*both_languages(client, "/intake/check"), "check")
    assert_all_spanish(*both_languages(client, "/intake/consent"), "consent")
    token = csrf_token(client.get("/intake/consent").text)
    assert_all_spanish(
        *both_languages(client, "/intake/consent", "post", data={"csrf_token": token}),
        "consent with errors",
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"feeling": {"feeling_unwell": "yes"}},
        {"visit": {**VISIT, "appointment_date": "2026-12-05"}, "medicines": TOOK_IBUPROFEN},
        {"health": {"neuromuscular_disorder": "yes"}},
        {
            "health": {"neuromuscular_disorder": "yes"},
            "medicines": {"bleeding_risk_substances": ["none"], "prescribed_blood_thinner": "yes"},
        },
    ],
    ids=["clear", "reschedule", "reschedule-with-date", "one-note", "two-notes"],
)
def test_every_outcome_page_is_in_spanish(client, overrides):
    response = Patient(client).complete(**overrides)
    english, spanish_ = both_languages(client, response.location)
    assert_all_spanish(english, spanish_, f"outcome {overrides}")
    if "Send us the note" in english:
        # A rejected upload: the error summary and the message about the file.
        token = csrf_token(client.get(response.location).text)
        pages = []
        for language in ("en", "es"):
            sent = {
                "csrf_token": token,
                "kind": "provider_note",
                "file": (io.BytesIO(b"hello"), "note.txt"),
            }
            pages.append(
                client.post(
                    f"{response.location}/notes",
                    data=sent,
                    headers={"Accept-Language": language},
                    content_type="multipart/form-data",
                ).text
            )
        assert "The file is not a PDF, JPEG or PNG" in pages[0]
        assert_all_spanish(*pages, "outcome with an upload error")


def test_the_expired_page_is_in_spanish(make_app, clock):
    pages = []
    for language in ("en", "es"):
        client = make_app().test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        Patient(client).start()
        clock.advance(days=8)
        expired = client.get("/intake/about_you")
        assert expired.status_code == 410
        pages.append(expired.text)
    assert "This link has expired" in pages[0]
    assert_all_spanish(*pages, "expired")
