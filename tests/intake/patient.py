"""A patient filling in the questionnaire through the real pages, CSRF tokens and all."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

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
HEALTH = {"neuromuscular_disorder": "no", "immunosuppressive_disorder": "no"}
MEDICINES = {"bleeding_risk_substances": ["none"], "prescribed_blood_thinner": "no"}
FEELING = {"feeling_unwell": "no", "cold_sore": "no", "blemish_or_rash": "no"}

PAGES = {
    "about_you": ABOUT_YOU,
    "visit": VISIT,
    "pregnancy": PREGNANCY,
    "health": HEALTH,
    "medicines": MEDICINES,
    "feeling": FEELING,
}


def csrf_token(html: str) -> str:
    """The CSRF token of the page's form."""
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


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
        data = {"csrf_token": csrf_token(page.text), "return_to": return_to, **answers}
        return self.client.post(f"/intake/{step}", data=data)

    def answer_all(self, **overrides: dict[str, Any]):
        """Answer every page: the all-"no" answers, with pages replaced or updated by keyword."""
        for step, answers in PAGES.items():
            response = self.answer(step, {**answers, **overrides.get(step, {})})
            assert response.status_code == 303, (step, response.status_code, response.text[:2000])
        return response

    def sign(self, signature: str = "Ana Lopez", agree: bool = True):
        page = self.client.get("/intake/consent")
        assert page.status_code == 200, page.status_code
        data = {"csrf_token": csrf_token(page.text), "signature": signature}
        if agree:
            data["agree"] = "y"
        return self.client.post(
            "/intake/consent", data=data, headers={"User-Agent": "TestPhone/1.0"}
        )

    def complete(self, **overrides):
        """Start, answer every page, sign; returns the response of the final submit."""
        self.start()
        self.answer_all(**overrides)
        return self.sign()
