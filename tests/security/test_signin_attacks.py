"""Attacks on staff sign-in and sessions.

Brute force (the throttles cannot be dodged by the spelling of the email or a forwarded-for
header; an outsider's failures from any number of addresses never keep the owner from signing in
on their own computer, and a device cookie of another account, another key or too long ago
exempts nothing; codes are throttled like passwords, and are never taken twice), user
enumeration (every refusal is the same response), session fixation (a cookie planted before
sign-in is worth nothing after it), replay of a captured cookie after the session ended (however
it ended, for pages and for decisions alike), a half sign-in (password, no code) worth nothing
as a session, the idle and absolute timeouts at their boundaries, sign-out only by a POST
carrying the session's CSRF token, and the cookie and cache headers that keep a session and its
pages where they belong.

The plain cases (failures pause an account at one address until the window passes, a saved
cookie is refused after sign-out, 15 minutes idle, 8 hours in all) are in
``tests/staff/test_auth.py`` and ``tests/staff/test_mfa.py``; these are the attacker's variations.
"""

from __future__ import annotations

import re
import secrets
import socket

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from screening.access import MANAGER, NURSE
from screening.auth.service import find_staff, set_active
from screening.auth.throttle import DEVICE_COOKIE_SECURE as DEVICE_COOKIE
from screening.extensions import db
from screening.models import Decision
from screening.security import SESSION_COOKIE_HOST_NAME as SESSION_COOKIE
from tests.intake.patient import Patient, csrf_token
from tests.staff.helpers import (
    PASSWORD,
    enter_code,
    make_staff,
    next_code,
    sign_in,
    submit_screening,
)
from tests.staff.test_auth import (
    audit_rows,
    new_rows,
    redirects_to_login,
    session_cookie,
    sign_out,
    signed_in_now,
)

EMAIL = "rosa.diaz@clinic.example"
WRONG = "wrong-password-here"
NEW_PASSWORD = "quiet-orchard-bicycle-17"
RESOLVABLE = {"pregnancy": {"pregnant": "unsure"}}  # a finding a nurse resolves with a reason


def sign_in_from(client: FlaskClient, email: str, password: str, address: str, **headers):
    """The sign-in form posted from ``address`` (the client's IP as the server sees it)."""
    environ = {"REMOTE_ADDR": address}
    page = client.get("/staff/login", environ_base=environ)
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
        environ_base=environ,
        headers=headers,
    )


def session_data(app: Flask, client: FlaskClient) -> dict:
    """What the client's signed session cookie holds."""
    return app.session_interface.get_signing_serializer(app).loads(session_cookie(client))


def forged_cookie(app: Flask, data: dict) -> str:
    """A session cookie holding ``data``, correctly signed (as if the key had leaked)."""
    return app.session_interface.get_signing_serializer(app).dumps(data)


def decisions_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Decision))


# --- brute force -------------------------------------------------------------------------------


def test_an_outsiders_failures_from_rotating_addresses_never_keep_the_owner_out(app, limits_clock):
    user_id = make_staff(app, EMAIL, NURSE)
    home = "198.51.100.7"
    owner = app.test_client()
    # A full sign-in on the owner's computer leaves its device cookie there.
    assert sign_in_from(owner, EMAIL, PASSWORD, home).status_code == 303
    assert sign_out(owner).status_code == 303

    spellings = [EMAIL, EMAIL.upper(), f"  {EMAIL}  ", "Rosa.Diaz@Clinic.Example"]
    before = audit_rows(app)
    answers = [
        sign_in_from(
            app.test_client(), spellings[n % 4], WRONG, address=f"203.0.113.{n // 5}"
        ).status_code
        for n in range(70)
    ]
    # Every spelling counts against the one account: 20 failures in the hour from anywhere,
    # then every browser without the account's device cookie waits.
    assert answers == [401] * 20 + [429] * 50
    rows = audit_rows(app)[len(before) :]
    assert [(r.action, r.result, r.staff_id) for r in rows] == [
        ("failed_login", "failed", user_id)
    ] * 20 + [("failed_login", "refused", user_id)] * 50
    assert {r.detail for r in rows[20:]} == {"too many failures per account"}

    stranger = sign_in_from(app.test_client(), EMAIL, PASSWORD, "192.0.2.99")
    assert stranger.status_code == 429  # the right password from a new browser waits too
    assert int(stranger.headers["Retry-After"]) <= 3600
    # The owner, on their own computer, signs in; at home or from the clinic's address alike.
    assert sign_in_from(owner, EMAIL, PASSWORD, home).status_code == 303
    assert signed_in_now(owner)
    assert sign_out(owner).status_code == 303
    assert sign_in_from(owner, EMAIL, PASSWORD, "192.0.2.50").status_code == 303
    # An owner's typo there counts only at that address, and is not refused for the account.
    assert sign_out(owner).status_code == 303
    assert sign_in_from(owner, EMAIL, WRONG, home).status_code == 401
    assert sign_in_from(owner, EMAIL, PASSWORD, home).status_code == 303

    limits_clock.advance(hours=1, seconds=1)  # the hour has moved on: nothing was locked
    assert sign_in_from(app.test_client(), EMAIL, PASSWORD, "192.0.2.99").status_code == 303


def test_a_device_cookie_exempts_only_its_own_account_signed_with_this_key_and_recent(
    make_app, limits_clock
):
    app = make_app(SIGNIN_FAILURES_PER_ACCOUNT="3 per hour")
    make_staff(app, EMAIL, NURSE)
    other_id = make_staff(app, "other@clinic.example", NURSE)
    device = app.test_client()
    assert sign_in_from(device, EMAIL, PASSWORD, "198.51.100.7").status_code == 303
    cookie = device.get_cookie(DEVICE_COOKIE, domain="clinic.test").value
    assert sign_out(device).status_code == 303

    def fill_account_count(email: str) -> None:
        for n in range(3):
            sign_in_from(app.test_client(), email, WRONG, f"203.0.113.{n}")

    fill_account_count("other@clinic.example")
    # Rosa's computer is not the other account's.
    assert sign_in_from(device, "other@clinic.example", PASSWORD, "198.51.100.7").status_code == 429
    # Neither is a cookie naming the other account signed with another key, nor an altered one.
    thief = app.test_client()
    forged = URLSafeSerializer("another-secret", salt="staff-device").dumps([[other_id, 0]])
    for value in (forged, cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"), "garbage"):
        thief.set_cookie(DEVICE_COOKIE, value, domain="clinic.test")
        answer = sign_in_from(thief, "other@clinic.example", PASSWORD, "198.51.100.8")
        assert answer.status_code == 429, value

    # After SIGNIN_DEVICE_DAYS (180) the cookie no longer counts.
    limits_clock.advance(days=181)
    fill_account_count(EMAIL)
    assert sign_in_from(device, EMAIL, PASSWORD, "198.51.100.7").status_code == 429


def test_refused_attempts_never_sign_in_and_are_each_audited(make_app):
    app = make_app(SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS="3 per 15 minutes")
    user_id = make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, EMAIL, WRONG).status_code == 401
    before = audit_rows(app)
    for password in (PASSWORD, WRONG, PASSWORD.upper(), PASSWORD + " "):
        response = sign_in(client, EMAIL, password)
        assert response.status_code == 429, password
        assert int(response.headers["Retry-After"]) > 0
    assert new_rows(app, before) == [("failed_login", "refused", user_id)] * 4
    assert [r.detail for r in audit_rows(app)[len(before) :]] == [
        "too many failures per account and address"
    ] * 4
    assert not signed_in_now(client)


def test_the_per_address_count_ignores_forwarded_for_headers(make_app):
    app = make_app(SIGNIN_FAILURES_PER_ADDRESS="3 per 15 minutes")
    make_staff(app, EMAIL, NURSE)
    attacker = "203.0.113.66"
    for n in range(3):
        response = sign_in_from(app.test_client(), f"guess{n}@clinic.example", WRONG, attacker)
        assert response.status_code == 401, n
    for spoofed in ("10.0.0.1", "198.51.100.9, 10.0.0.2", "127.0.0.1"):
        response = sign_in_from(
            app.test_client(), EMAIL, PASSWORD, attacker, **{"X-Forwarded-For": spoofed}
        )
        assert response.status_code == 429, spoofed
        response = sign_in_from(
            app.test_client(), EMAIL, PASSWORD, attacker, **{"X-Real-IP": spoofed}
        )
        assert response.status_code == 429, spoofed
    # Another address is not punished for the attacker's attempts.
    assert sign_in_from(app.test_client(), EMAIL, PASSWORD, "198.51.100.10").status_code == 303


def _redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_is_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_failures_count_in_redis_shared_by_every_worker(make_app):
    redis = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": "test-signin-" + secrets.token_hex(4),
    }
    worker, other_worker = make_app(**redis), make_app(**redis)
    make_staff(worker, EMAIL, NURSE)
    for n in range(5):
        app = (worker, other_worker)[n % 2]  # the attempts land on both workers
        assert sign_in_from(app.test_client(), EMAIL, WRONG, "203.0.113.5").status_code == 401
    for app in (worker, other_worker):
        refused = sign_in_from(app.test_client(), EMAIL, PASSWORD, "203.0.113.5")
        assert refused.status_code == 429
        assert 15 * 60 - 60 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert sign_in_from(worker.test_client(), EMAIL, PASSWORD, "203.0.113.6").status_code == 303


# --- the second step: codes --------------------------------------------------------------------


def _password_only(client: FlaskClient, email: str, address: str):
    response = sign_in_from(client, email, PASSWORD, address)
    assert response.status_code == 303 and response.location.endswith("/staff/mfa")
    return response


def test_wrong_codes_are_throttled_like_passwords(app, limits_clock):
    user_id = make_staff(app, EMAIL, MANAGER)
    here = "203.0.113.40"
    client = app.test_client()
    _password_only(client, EMAIL, here)
    for n in range(5):
        assert enter_code(client, f"{n:06d}", address=here).status_code == 401
    before = audit_rows(app)
    refused = enter_code(client, next_code(app, EMAIL), address=here)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 15 * 60
    assert "Too many attempts" in refused.text
    assert new_rows(app, before) == [("failed_login", "refused", user_id)]
    # ... and so is the password, at that address, for that account.
    assert sign_in_from(app.test_client(), EMAIL, PASSWORD, here).status_code == 429
    assert not signed_in_now(client)
    limits_clock.advance(minutes=15, seconds=1)
    assert sign_in(app.test_client(), EMAIL, address=here).status_code == 303


def test_guessing_codes_from_many_addresses_stops_at_the_account_count(app, limits_clock):
    """An attacker who has the password still gets 20 guesses an hour at the code, and the
    owner on their own computer still signs in."""
    make_staff(app, EMAIL, MANAGER)
    owner = app.test_client()
    assert sign_in(owner, EMAIL, address="198.51.100.7").status_code == 303
    assert sign_out(owner).status_code == 303
    answers = []
    for n in range(8):
        client = app.test_client()
        response = sign_in_from(client, EMAIL, PASSWORD, f"203.0.113.{n}")
        if response.status_code != 303:
            answers.append(response.status_code)
            continue
        for guess in range(5):
            answers.append(
                enter_code(client, f"9{n}{guess}999", address=f"203.0.113.{n}").status_code
            )
    assert answers.count(401) == 20
    assert set(answers) == {401, 429}
    assert sign_in(owner, EMAIL, address="198.51.100.7").status_code == 303


def test_a_half_sign_in_is_worth_nothing_as_a_session(app):
    make_staff(app, EMAIL, MANAGER)
    client = app.test_client()
    _password_only(client, EMAIL, "198.51.100.7")
    data = session_data(app, client)
    assert "_user_id" not in data
    pending = data["staff_pending"]
    # Its token planted where a signed-in session's goes (as if the key had leaked) opens nothing.
    thief = app.test_client()
    thief.set_cookie(
        SESSION_COOKIE,
        forged_cookie(app, {"_user_id": pending, "_fresh": True}),
        domain="clinic.test",
    )
    for path in ("/staff/", "/staff/records/audit", "/staff/account"):
        assert redirects_to_login(thief.get(path)), path


# --- user enumeration --------------------------------------------------------------------------


def _normalised(response, typed_email: str, typed_password: str) -> tuple:
    """A refusal with what legitimately differs taken out: the CSRF token and what was typed
    (the password should not be sent back at all: see the password field test below)."""
    body = response.get_data(as_text=True).replace(typed_email, "EMAIL")
    body = body.replace(typed_password, "PASSWORD")
    body = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', 'name="csrf_token" value=""', body)
    body = re.sub(r'nonce="[^"]+"', 'nonce=""', body)  # a fresh script nonce each response
    headers = sorted(
        (name, re.sub(r"'nonce-[^']+'", "'nonce-'", value))
        for name, value in response.headers.items()
        if name != "Content-Length"
    )
    return response.status_code, headers, body


def test_every_refusal_is_the_same_response_whatever_the_account(app):
    for email in ("wrong@clinic.example", "off@clinic.example"):
        make_staff(app, email, NURSE)
    with app.app_context():
        set_active(find_staff("off@clinic.example"), False)

    cases = {
        "unknown account": ("nobody@clinic.example", WRONG),
        "unknown account, a real password": ("nobody@clinic.example", PASSWORD),
        "wrong password": ("wrong@clinic.example", WRONG),
        "switched off, wrong password": ("off@clinic.example", WRONG),
        "switched off, right password": ("off@clinic.example", PASSWORD),
    }
    answers = {}
    for name, (email, password) in cases.items():
        client = app.test_client()
        response = sign_in(client, email, password)
        answers[name] = _normalised(response, email, password)  # headers, cookies included
        assert "_user_id" not in session_data(app, client), name
    reference = answers["unknown account"]
    assert reference[0] == 401
    for name, answer in answers.items():
        assert answer == reference, name


def test_a_throttled_refusal_is_the_same_whatever_the_account(make_app, limits_clock):
    app = make_app(SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS="2 per 15 minutes")
    make_staff(app, "real@clinic.example", NURSE)
    answers = {}
    for n, email in enumerate(("real@clinic.example", "nobody@clinic.example")):
        address = f"203.0.113.{n}"
        for _ in range(2):
            sign_in_from(app.test_client(), email, WRONG, address)
        client = app.test_client()
        response = sign_in_from(client, email, PASSWORD, address)
        assert response.status_code == 429
        answers[email] = _normalised(response, email, PASSWORD)
        assert "_user_id" not in session_data(app, client)
    assert answers["real@clinic.example"] == answers["nobody@clinic.example"]


def _password_inputs(html: str) -> dict[str, str]:
    """name -> the whole ``<input>`` tag, for each input whose name mentions a password."""
    return {
        re.search(r'name="([^"]+)"', tag).group(1): tag
        for tag in re.findall(r"<input\b[^>]*>", html)
        if re.search(r'name="[^"]*password[^"]*"', tag)
    }


def test_passwords_are_typed_into_password_fields_and_never_sent_back(app):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    page = client.get("/staff/login")
    inputs = _password_inputs(page.text)
    assert set(inputs) == {"password"}
    assert 'type="password"' in inputs["password"], inputs["password"]

    typed = "my-secret-attempt-4711"
    refused = sign_in(client, EMAIL, typed)
    assert refused.status_code == 401
    assert typed not in refused.text, "the sign-in page sends the typed password back"

    assert sign_in(client, EMAIL).status_code == 303
    page = client.get("/staff/password")
    inputs = _password_inputs(page.text)
    assert set(inputs) == {"current_password", "new_password", "confirm_password"}
    for tag in inputs.values():
        assert 'type="password"' in tag, tag
    attempt = {
        "current_password": "not-my-current-one-31",
        "new_password": "new-and-secret-orchard-8",
        "confirm_password": "new-and-secret-orchard-9",
    }
    refused = client.post("/staff/password", data={"csrf_token": csrf_token(page.text), **attempt})
    assert refused.status_code == 200
    echoed = [name for name, value in attempt.items() if value in refused.text]
    assert not echoed, f"the password page sends back what was typed in {echoed}"


# --- session fixation --------------------------------------------------------------------------


def test_a_session_cookie_planted_before_sign_in_is_worthless_after_it(app):
    make_staff(app, EMAIL, NURSE)
    attacker = app.test_client()
    Patient(attacker).start()  # the planted session even holds a questionnaire of the attacker's
    attacker.get("/staff/login")
    planted = session_cookie(attacker)
    assert "intake_token" in session_data(app, attacker)

    victim = app.test_client()
    victim.set_cookie(SESSION_COOKIE, planted, domain="clinic.test")
    planted_csrf = csrf_token(victim.get("/staff/login").text)
    assert sign_in(victim, EMAIL).status_code == 303

    assert session_cookie(victim) != planted
    after = session_data(app, victim)
    assert after.get("_user_id"), "the victim is signed in"
    assert "intake_token" not in after, "data planted before sign-in carried over"
    assert after.get("csrf_token") != session_data(app, attacker).get("csrf_token")
    # The attacker's copy of the cookie opens nothing ...
    assert redirects_to_login(attacker.get("/staff/"))
    # ... and a form token from before sign-in is no good against the signed-in session.
    victim.post("/staff/logout", data={"csrf_token": planted_csrf})
    assert signed_in_now(victim)


@pytest.mark.parametrize(
    "forged",
    [
        {"_user_id": "1", "_fresh": True},  # the account's row id, as plain Flask-Login uses
        {"_user_id": "rosa.diaz@clinic.example", "_fresh": True},
        {"_user_id": "made-up-session-token-made-up-session-token", "_fresh": True},
        {"_user_id": "", "_fresh": True},
    ],
    ids=["row id", "email", "made-up token", "empty"],
)
def test_a_signed_cookie_naming_no_live_session_opens_nothing(app, forged):
    make_staff(app, EMAIL, NURSE)
    assert sign_in(app.test_client(), EMAIL).status_code == 303  # a live session exists
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, forged_cookie(app, forged), domain="clinic.test")
    assert redirects_to_login(thief.get("/staff/"))


def test_a_cookie_signed_with_another_key_is_ignored(make_app):
    app = make_app()
    make_staff(app, EMAIL, NURSE)
    owner = app.test_client()
    assert sign_in(owner, EMAIL).status_code == 303
    other = make_app(SECRET_KEY="another-secret")
    thief = app.test_client()
    real = session_data(app, owner)
    thief.set_cookie(SESSION_COOKIE, forged_cookie(other, real), domain="clinic.test")
    assert redirects_to_login(thief.get("/staff/"))


# --- replaying a captured cookie ---------------------------------------------------------------


def _end_by_sign_out(app, owner, clock):
    assert sign_out(owner).status_code == 303


def _end_by_timeout(app, owner, clock):
    clock.advance(minutes=16)
    assert redirects_to_login(owner.get("/staff/"))


def _end_by_password_change_elsewhere(app, owner, clock):
    elsewhere = app.test_client()
    assert sign_in(elsewhere, EMAIL).status_code == 303
    page = elsewhere.get("/staff/password")
    form = {
        "csrf_token": csrf_token(page.text),
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    assert elsewhere.post("/staff/password", data=form).status_code == 303


def _end_by_deactivation(app, owner, clock):
    with app.app_context():
        set_active(find_staff(EMAIL), False)


@pytest.mark.parametrize(
    "end_session",
    [_end_by_sign_out, _end_by_timeout, _end_by_password_change_elsewhere, _end_by_deactivation],
    ids=["sign-out", "timeout", "password changed elsewhere", "deactivated"],
)
def test_a_captured_cookie_stays_refused_however_the_session_ended(app, clock, end_session):
    make_staff(app, EMAIL, NURSE)
    owner = app.test_client()
    assert sign_in(owner, EMAIL).status_code == 303
    captured = session_cookie(owner)
    assert owner.get("/staff/").status_code == 200

    end_session(app, owner, clock)

    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, captured, domain="clinic.test")
    for path in ("/staff/", "/staff/today", "/staff/password", "/staff/invitations"):
        assert redirects_to_login(thief.get(path)), path
    # The owner signing in again (reactivated when needed) does not bring the old cookie back.
    with app.app_context():
        set_active(find_staff(EMAIL), True)
    again = app.test_client()
    password = NEW_PASSWORD if end_session is _end_by_password_change_elsewhere else PASSWORD
    assert sign_in(again, EMAIL, password).status_code == 303
    assert redirects_to_login(thief.get("/staff/"))


def test_a_captured_cookie_and_form_cannot_post_a_decision_after_sign_out(app):
    sid, _, _ = submit_screening(app, **RESOLVABLE)
    make_staff(app, EMAIL, NURSE)
    nurse = app.test_client()
    assert sign_in(nurse, EMAIL).status_code == 303
    page = nurse.get(f"/staff/screenings/{sid}")
    captured_cookie = session_cookie(nurse)
    captured_form = {
        "csrf_token": csrf_token(page.text),
        "row_version": re.search(r'name="row_version" value="(\d+)"', page.text).group(1),
        "reason": "Replayed after sign-out",
    }
    assert sign_out(nurse).status_code == 303
    before = audit_rows(app)

    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, captured_cookie, domain="clinic.test")
    response = thief.post(f"/staff/screenings/{sid}/findings/pregnancy/resolve", data=captured_form)

    assert redirects_to_login(response)
    assert decisions_count(app) == 0
    assert [row.action for row in audit_rows(app)[len(before) :]] == []


# --- timeouts ----------------------------------------------------------------------------------


def test_the_idle_timeout_is_exact_and_refuses_a_decision_posted_after_it(app, clock):
    sid, _, _ = submit_screening(app, **RESOLVABLE)
    user_id = make_staff(app, EMAIL, NURSE)
    nurse = app.test_client()
    assert sign_in(nurse, EMAIL).status_code == 303
    clock.advance(minutes=15)  # exactly 15 minutes idle: still within the limit
    page = nurse.get(f"/staff/screenings/{sid}")
    assert page.status_code == 200
    form = {"reason": "Posted after a long pause"}

    clock.advance(minutes=15, seconds=1)
    before = audit_rows(app)
    response = nurse.post(
        f"/staff/screenings/{sid}/findings/pregnancy/resolve",
        data={
            **form,
            "csrf_token": csrf_token(page.text),
            "row_version": re.search(r'name="row_version" value="(\d+)"', page.text).group(1),
        },
    )
    assert redirects_to_login(response)
    assert decisions_count(app) == 0
    assert new_rows(app, before) == [("timeout", "ok", user_id)]


def test_the_absolute_timeout_counts_from_sign_in_whatever_the_activity(app, clock):
    make_staff(app, EMAIL, NURSE)
    nurse = app.test_client()
    assert sign_in(nurse, EMAIL).status_code == 303
    for _ in range(48):  # a request every 10 minutes: exactly 8 hours
        clock.advance(minutes=10)
        assert nurse.get("/staff/today").status_code == 200
    clock.advance(seconds=1)
    assert redirects_to_login(nurse.get("/staff/today"))
    assert not signed_in_now(nurse)


# --- signing out -------------------------------------------------------------------------------


def test_signing_out_needs_a_post_with_the_sessions_own_csrf_token(app):
    make_staff(app, EMAIL, NURSE)
    make_staff(app, "other@clinic.example", NURSE)
    nurse, other = app.test_client(), app.test_client()
    assert sign_in(nurse, EMAIL).status_code == 303
    assert sign_in(other, "other@clinic.example").status_code == 303
    foreign_token = csrf_token(other.get("/staff/password").text)

    assert nurse.get("/staff/logout").status_code == 405
    assert nurse.post("/staff/logout").status_code == 400
    assert nurse.post("/staff/logout", data={"csrf_token": ""}).status_code == 400
    assert nurse.post("/staff/logout", data={"csrf_token": foreign_token}).status_code == 400
    cross_site = nurse.post(
        "/staff/logout",
        data={"csrf_token": "forged"},
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"},
    )
    assert cross_site.status_code == 400
    assert signed_in_now(nurse), "a forged sign-out ended the session"
    assert sign_out(nurse).status_code == 303
    assert not signed_in_now(nurse)


# --- cookie and cache headers ------------------------------------------------------------------


def test_the_session_cookie_is_http_only_same_site_and_secure(app):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    client.get("https://clinic.test/staff/login")
    page = client.get("https://clinic.test/staff/login")
    response = client.post(
        "https://clinic.test/staff/login",
        data={"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD},
    )
    assert response.status_code == 303
    (cookie,) = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{SESSION_COOKIE}=")
    ]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite" in attributes and "SameSite=Lax" in cookie
    assert "secure" in attributes, f"the session cookie can travel over plain HTTP: {cookie}"


def test_pages_showing_patient_details_are_never_stored_by_the_browser(app):
    """After sign-out, the back button or a shared computer's cache must not show a patient."""
    sid, result_url, patient = submit_screening(app)
    make_staff(app, EMAIL, NURSE)
    nurse = app.test_client()
    assert sign_in(nurse, EMAIL).status_code == 303
    pages = {
        "queue": (nurse, "/staff/?status=all"),
        "today": (nurse, "/staff/today"),
        "screening": (nurse, f"/staff/screenings/{sid}"),
        "invitations": (nurse, "/staff/invitations"),
        "patient's outcome": (patient, result_url),
        "check your answers": (None, None),
    }
    other = Patient(app.test_client())
    other.start()
    other.answer_all()
    pages["check your answers"] = (other.client, "/intake/check")
    missing = []
    for name, (client, path) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        if "no-store" not in response.headers.get("Cache-Control", ""):
            missing.append(name)
    assert not missing, f"pages without Cache-Control: no-store: {missing}"
