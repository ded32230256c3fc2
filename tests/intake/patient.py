"""A patient filling in the questionnaire through the real pages, CSRF tokens and all."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from rules import Kind
from rules.questions import ADDED_QUESTIONS

SETTLED = "cannot-go-ahead"  # the page saying the visit cannot go ahead as booked
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# A date of birth's boxes ("date_of_birth-day" ...) are the one answer "date_of_birth".
_FIELD_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="(\w+)(?:-(?:day|month|year))?"')
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

ABOUT_YOU = {
    "first_name": "Ana",
    "last_name": "Lopez",
    "email": "ana@example.com",
    "phone": "909 555 0100",
    "date_of_birth": "1990-05-17",
}
VISIT = {
    "treatment": "pdo_smooth_threads",
    "appointment_date": "2026-12-10",
    "treatment_areas": ["smile_lines", "neck"],
}
PREGNANCY = {"pregnant": "no", "breastfeeding": "no"}
HEALTH = {
    "neuromuscular_disorder": "no",
    "immunosuppressive_disorder": "no",
    "bleeding_disorder": "no",
    "autoimmune_disorder": "no",
}
MEDICINES = {"bleeding_risk_substances": ["none"], "prescribed_blood_thinner": "no"}
SKIN = {"keloid_history": "no"}
FEELING = {"feeling_unwell": "no", "cold_sore": "no", "blemish_or_rash": "no"}

PAGES = {
    "about_you": ABOUT_YOU,
    "visit": VISIT,
    "pregnancy": PREGNANCY,
    "health": HEALTH,
    "medicines": MEDICINES,
    "skin": SKIN,
    "feeling": FEELING,
}


def _no_or_empty(question) -> Any:
    """The answer of a patient with nothing to report: "no", "None of these", or left empty."""
    if question.kind is Kind.DATE:
        return ""
    return ["none"] if question.kind is Kind.MULTI else "no"


# The smooth threads pages above, plus a nothing-to-report answer to every question another
# treatment adds, so a patient can answer any treatment's pages.
ANSWERS: dict[str, Any] = {
    **{question.id: _no_or_empty(question) for question in ADDED_QUESTIONS},
    **{name: value for answers in PAGES.values() for name, value in answers.items()},
}


def csrf_token(html: str) -> str:
    """The CSRF token of the page's form."""
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def accept_invitation(client, token: str):
    """Open an invitation link, then select Start on the page it shows, as the patient does;
    returns Start's response (a 303 to the first page when the link is usable)."""
    path = token if token.startswith("/intake/invite/") else f"/intake/invite/{token}"
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_token(page.text)})


def date_parts(name: str, value: str) -> dict[str, str]:
    """An ISO date as a patient types it in the three boxes of ``name`` (no leading zeros)."""
    year, month, day = _ISO_DATE.fullmatch(value).groups()
    return {f"{name}-day": str(int(day)), f"{name}-month": str(int(month)), f"{name}-year": year}


def as_typed(html: str, answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` as the page ``html`` sends them: an ISO date answer to a date typed in three
    boxes becomes the three boxes (any other value is sent as it is)."""
    sent = {}
    for name, value in answers.items():
        if f'name="{name}-day"' in html and isinstance(value, str) and _ISO_DATE.fullmatch(value):
            sent.update(date_parts(name, value))
        else:
            sent[name] = value
    return sent


def field_names(html: str) -> list[str]:
    """The names of a page's answer fields, in page order (no CSRF token, no hidden fields)."""
    names = _FIELD_NAME.findall(html)
    return list(dict.fromkeys(n for n in names if n not in ("csrf_token", "return_to")))


class Patient:
    """Drives the questionnaire like a browser: GET a page, then POST its form with its token."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def start(self):
        page = self.client.get("/intake/")
        assert page.status_code == 200
        return self.client.post("/intake/", data={"csrf_token": csrf_token(page.text)})

    def answer(self, step: str, answers: dict[str, Any], query: str = ""):
        """Open ``/intake/<step>`` and send ``answers`` with the page's token and hidden fields."""
        page = self.client.get(f"/intake/{step}{query}")
        assert page.status_code == 200, page.status_code
        return_to = "check" if 'name="return_to" value="check"' in page.text else ""
        data = {"csrf_token": csrf_token(page.text), "return_to": return_to}
        data.update(as_typed(page.text, answers))
        return self.client.post(f"/intake/{step}", data=data)

    def answer_all(self, **overrides: dict[str, Any]):
        """Answer every page of the questionnaire, as the pages lead from one to the next: the
        all-"no" ``ANSWERS`` to the fields each page shows, with pages updated by keyword.

        The pages are those of the chosen treatment (smooth threads unless ``visit`` says
        otherwise, or an invitation fixed another). Returns the last page's response.
        """
        pending = dict(overrides)
        step, response = "about_you", None
        while step not in ("check", SETTLED):
            page = self.client.get(f"/intake/{step}")
            assert page.status_code == 200, (step, page.status_code)
            shown = {name: ANSWERS[name] for name in field_names(page.text) if name in ANSWERS}
            data = as_typed(page.text, {**shown, **pending.pop(step, {})})
            data["csrf_token"] = csrf_token(page.text)
            response = self.client.post(f"/intake/{step}", data=data)
            assert response.status_code == 303, (step, response.status_code, response.text[:2000])
            step = urlsplit(response.location).path.rsplit("/", 1)[1]
        if step == SETTLED:
            return response  # told the visit cannot go ahead: the pages after are not asked
        assert not pending, f"pages this questionnaire does not have: {sorted(pending)}"
        return response

    def send_settled(self):
        """Select "Send my answers to the clinic" on the page saying the visit cannot go ahead
        as booked; returns the response (a 303 to the outcome)."""
        page = self.client.get(f"/intake/{SETTLED}")
        assert page.status_code == 200, page.status_code
        return self.client.post(f"/intake/{SETTLED}", data={"csrf_token": csrf_token(page.text)})

    def sign(self, signature: str = "Ana Lopez", agree: bool = True):
        page = self.client.get("/intake/consent")
        assert page.status_code == 200, page.status_code
        # As a browser sends them: the language, version and hash of the text shown.
        hidden = dict(
            re.findall(
                r'<input type="hidden" name="(language|version|digest)" value="([^"]*)"', page.text
            )
        )
        data = {**hidden, "csrf_token": csrf_token(page.text), "signature": signature}
        if agree:
            data["agree"] = "y"
        return self.client.post(
            "/intake/consent", data=data, headers={"User-Agent": "TestPhone/1.0"}
        )

    def complete(self, **overrides):
        """Start, answer every page, sign; returns the response of the final submit. Told on the
        way that the visit cannot go ahead as booked, the patient sends their answers instead."""
        self.start()
        last = self.answer_all(**overrides)
        if urlsplit(last.location).path.endswith(f"/{SETTLED}"):
            return self.send_settled()
        return self.sign()
