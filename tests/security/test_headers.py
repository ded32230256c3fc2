"""Security headers on every kind of response, and the cookie and debug settings behind them."""

from __future__ import annotations

import re

import pytest

from screening import create_app
from screening.security import SESSION_COOKIE_HOST_NAME
from tests.conftest import _config
from tests.intake.patient import Patient
from tests.staff.helpers import signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")

FIXED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def assert_secured(response, *, stored: bool = False) -> None:
    policy = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy, (directive, policy)
    for name, value in FIXED.items():
        assert response.headers[name] == value, name
    if not stored:
        assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_a_nonce_policy_matching_their_scripts(app):
    patient = Patient(app.test_client())
    patient.start()
    page = patient.client.get("/intake/about_you")
    assert_secured(page)
    policy = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts, "the question page loads its script"
    for script in scripts:
        assert f'nonce="{nonce}"' in script
    again = patient.client.get("/intake/about_you")
    assert re.search(r"'nonce-([^']+)'", again.headers["Content-Security-Policy"]).group(1) != nonce


def test_every_kind_of_response_is_secured(app):
    client = app.test_client()
    assert_secured(client.get("/"))
    assert_secured(client.get("/no-such-page"))  # an error page
    assert_secured(client.post("/api/v1/evaluate", json={}))  # JSON
    assert_secured(client.get("/staff/"))  # a redirect to sign in
    assert_secured(client.get("/intake/resume/not-a-token"))


def test_downloads_and_staff_pages_are_never_stored(app):
    screening_id, _, _ = submit_screening(app)
    manager = signed_in(app, "manager@example.com", "manager")
    nurse = signed_in(app, "nurse@example.com", "nurse")
    assert_secured(nurse.get(f"/staff/screenings/{screening_id}"))
    export = manager.get("/staff/records/exports.csv")
    assert export.status_code == 200
    assert_secured(export)


def test_static_files_may_be_cached_but_are_still_secured(app):
    response = app.test_client().get("/static/preclear.css")
    assert response.status_code == 200
    assert_secured(response, stored=True)
    assert response.headers.get("Cache-Control") != "no-store"


def test_hsts_only_over_https(app):
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("http://clinic.test/").headers
    secure = client.get("https://clinic.test/").headers["Strict-Transport-Security"]
    assert secure.startswith("max-age=31536000")


def test_session_cookie_is_host_prefixed_secure_http_only_and_lax(app):
    patient = Patient(app.test_client())
    response = patient.start()
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith(f"{SESSION_COOKIE_HOST_NAME}=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Domain=" not in cookie and "; Path=/" in cookie


def test_plain_local_http_turns_the_secure_cookie_off(clock, database_url):
    app = create_app(_config(database_url, clock, SECURE_COOKIES=False))
    response = Patient(app.test_client()).start()
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("session=") and "Secure" not in cookie


def test_debug_is_refused_with_production_cookies(clock, database_url):
    with pytest.raises(RuntimeError, match="Debug mode"):
        create_app(_config(database_url, clock, DEBUG=True))
    assert create_app(_config(database_url, clock, DEBUG=True, SECURE_COOKIES=False)).debug


def test_request_bodies_are_bounded(app):
    assert app.config["MAX_CONTENT_LENGTH"] <= 16 * 1024 * 1024
    response = app.test_client().post(
        "/api/v1/evaluate", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    )
    assert response.status_code == 413
    assert_secured(response)
