"""A NUL character in any staff free text is refused as bad input, never a 500: PostgreSQL
refuses NUL in text, so it must never reach a query or a row (patients' fields are covered in
tests/intake/test_bad_input.py and tests/test_invitations.py)."""

from __future__ import annotations

import pytest

from tests.staff.helpers import post_decision, sign_in, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")


def test_signing_in_with_a_nul_is_an_ordinary_refusal(app):
    for email, password in (("\x00", "\x00"), ("nurse\x00@example.com", "pass\x00word")):
        assert sign_in(app.test_client(), email, password).status_code == 401


def test_a_reason_with_a_nul_is_a_form_error(app):
    screening_id, _, _ = submit_screening(app, pregnancy={"pregnant": "unsure"})
    nurse = signed_in(app, "nurse@example.com", "nurse")
    response = post_decision(
        nurse, screening_id, "/findings/pregnancy/resolve", {"reason": "Neg\x00ative"}
    )
    assert response.status_code == 400
    assert "Reason contains a character that cannot be stored" in response.text
    acknowledge = post_decision(nurse, screening_id, "/acknowledge", {"reason": "\x00"})
    assert acknowledge.status_code in (400, 403)


def test_an_audit_filter_with_a_nul_filters_nothing_and_fails_nothing(app):
    manager = signed_in(app, "manager@example.com", "manager")
    page = manager.get("/staff/records/audit", query_string={"staff": "a\x00b"})
    assert page.status_code == 200
    assert "Staff email contains a character that cannot be stored" in page.text
