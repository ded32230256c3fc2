"""Two-step verification: managers and admins set it up at their first sign-in and then give a
code after the password; nurses may turn it on from their account page; recovery codes work
once each; an admin's command takes it off an account; the device cookie a full sign-in sets."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select

from screening.access import ADMIN, MANAGER, NURSE
from screening.extensions import db
from screening.models import RecoveryCode, StaffSession, StaffUser
from tests.intake.patient import csrf_token
from tests.staff.helpers import PASSWORD, enter_code, make_staff, next_code, sign_in
from tests.staff.test_auth import audit_rows, new_rows, signed_in_now, visible_text

pytestmark = pytest.mark.usefixtures("light_password_hashing")

EMAIL = "mara.diaz@clinic.example"


def password_only(client, email: str = EMAIL, password: str = PASSWORD):
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
    )


def set_up_key(html: str) -> str:
    """The key the set-up page shows for typing into an app."""
    return re.search(r'<code id="setup-key">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")


def submit_set_up(client, code: str):
    page = client.get("/staff/mfa/setup")
    return client.post("/staff/mfa/setup", data={"csrf_token": csrf_token(page.text), "code": code})


def recovery_codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>", html)


def stored(app, email: str = EMAIL) -> StaffUser:
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        db.session.expunge(user)
        return user


def location(response) -> str:
    return urlsplit(response.location).path


def test_a_manager_sets_two_step_verification_up_at_the_first_sign_in(app, clock):
    user_id = make_staff(app, EMAIL, MANAGER, mfa_on=False)  # an account from before MFA
    client = app.test_client()
    response = password_only(client)
    assert (response.status_code, location(response)) == (303, "/staff/mfa/setup")
    # Half signed in: every other page sends the person back to the code (then the set-up).
    for path in ("/staff/", "/staff/records/audit", "/staff/password", "/staff/account"):
        assert location(client.get(path)) == "/staff/mfa", path
    assert location(client.get("/staff/mfa")) == "/staff/mfa/setup"
    assert location(client.get("/staff/login")) == "/staff/mfa"

    page = client.get("/staff/mfa/setup")
    assert page.status_code == 200
    assert '<svg role="img" aria-label="QR code' in page.text  # drawn inline, nothing fetched
    assert "<img" not in page.text and "<script" not in page.text
    key = set_up_key(page.text)
    assert len(key) == 32
    assert set_up_key(client.get("/staff/mfa/setup").text) == key  # the same on a reload
    assert stored(app).mfa_secret is None  # nothing is on until a code confirms it

    before = audit_rows(app)
    wrong = submit_set_up(client, "000000" if pyotp.TOTP(key).now() != "000000" else "111111")
    assert wrong.status_code == 401
    assert 'href="#code"' in wrong.text  # the error summary links to the field
    assert "The code is not right" in visible_text(wrong.text)
    assert new_rows(app, before) == [("failed_login", "failed", user_id)]

    before = audit_rows(app)
    done = submit_set_up(client, pyotp.TOTP(key).at(clock.now))
    assert done.status_code == 200
    codes = recovery_codes(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "shown only now" in visible_text(done.text)
    rows = audit_rows(app)[len(before) :]
    assert [(r.action, r.detail) for r in rows] == [
        ("account_change", "two-step verification set up"),
        ("login", "password and new two-step set-up"),
    ]
    assert signed_in_now(client)
    user = stored(app)
    assert (user.mfa_secret, user.mfa_enabled_at) == (key, clock.now)
    with app.app_context():
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10 and not set(codes) & set(hashes)  # only hashes are kept
        secrets = db.session.scalars(select(StaffSession.mfa_setup_secret)).all()
        assert set(secrets) == {None}  # the offered key is not left in the sessions

    # The next sign-in asks for a code after the password, not a new set-up.
    again = app.test_client()
    response = password_only(again)
    assert (response.status_code, location(response)) == (303, "/staff/mfa")
    clock.advance(seconds=30)
    response = enter_code(again, pyotp.TOTP(key).at(clock.now))
    assert (response.status_code, location(response)) == (303, "/staff/")
    assert signed_in_now(again)


def test_a_code_is_taken_once_and_a_wrong_one_is_refused(app, clock):
    user_id = make_staff(app, EMAIL, ADMIN)
    first = app.test_client()
    password_only(first)
    code = next_code(app, EMAIL)
    assert enter_code(first, code).status_code == 303

    second = app.test_client()
    password_only(second)
    before = audit_rows(app)
    replayed = enter_code(second, code)  # the same code, still within its 30 seconds
    assert replayed.status_code == 401
    assert "The code is not right" in visible_text(replayed.text)
    assert new_rows(app, before) == [("failed_login", "failed", user_id)]
    assert audit_rows(app)[-1].detail == "wrong code"
    assert not signed_in_now(second)
    # A code for two minutes ago, or for later than the next step, is not taken either.
    secret = stored(app).mfa_secret
    for moment in (-120, 90):
        stale = pyotp.TOTP(secret).at(clock.now.timestamp() + moment)
        assert enter_code(second, stale).status_code == 401, moment
    assert enter_code(second, next_code(app, EMAIL)).status_code == 303
    assert signed_in_now(second)


def test_each_recovery_code_signs_in_once(app, clock):
    make_staff(app, EMAIL, MANAGER, mfa_on=False)
    client = app.test_client()
    password_only(client)
    key = set_up_key(client.get("/staff/mfa/setup").text)
    codes = recovery_codes(submit_set_up(client, pyotp.TOTP(key).at(clock.now)).text)

    phoneless = app.test_client()
    password_only(phoneless)
    before = audit_rows(app)
    response = enter_code(phoneless, codes[3].upper().replace("-", " "))  # as typed
    assert (response.status_code, location(response)) == (303, "/staff/")
    assert [(r.action, r.detail) for r in audit_rows(app)[len(before) :]] == [
        ("login", "password and recovery code")
    ]
    page = phoneless.get("/staff/")
    assert "recovery code: 9 left" in visible_text(page.text)

    reused = app.test_client()
    password_only(reused)
    assert enter_code(reused, codes[3]).status_code == 401
    assert enter_code(reused, codes[4]).status_code == 303
    page = reused.get("/staff/account")
    assert "8 recovery codes left" in visible_text(page.text)


def test_a_nurse_signs_in_with_the_password_alone_until_turning_two_step_on(app, clock):
    make_staff(app, "nina@clinic.example", NURSE)
    nurse = app.test_client()
    response = password_only(nurse, "nina@clinic.example")
    assert (response.status_code, location(response)) == (303, "/staff/")

    account = nurse.get("/staff/account")
    assert "Two-step verification Off" in visible_text(account.text)
    assert 'href="/staff/mfa/setup"' in account.text
    page = nurse.get("/staff/mfa/setup")
    assert "Cancel and sign out" not in page.text  # signed in: a way back, no sign-out
    key = set_up_key(page.text)
    done = submit_set_up(nurse, pyotp.TOTP(key).at(clock.now))
    assert done.status_code == 200
    assert len(recovery_codes(done.text)) == 10
    assert 'href="/staff/account"' in done.text
    assert "Two-step verification On since" in visible_text(nurse.get("/staff/account").text)
    assert location(nurse.get("/staff/mfa/setup")) == "/staff/account"  # on: nothing to set up

    later = app.test_client()
    response = password_only(later, "nina@clinic.example")
    assert location(response) == "/staff/mfa"
    clock.advance(seconds=30)
    assert enter_code(later, pyotp.TOTP(key).at(clock.now)).status_code == 303


def test_the_key_offered_at_set_up_belongs_to_that_sign_in_alone(app, clock):
    make_staff(app, EMAIL, MANAGER, mfa_on=False)
    attacker, owner = app.test_client(), app.test_client()
    password_only(attacker)
    password_only(owner)
    seen = set_up_key(attacker.get("/staff/mfa/setup").text)
    own = set_up_key(owner.get("/staff/mfa/setup").text)
    assert seen != own
    # A code from the key another session was shown does not set up this one.
    assert submit_set_up(owner, pyotp.TOTP(seen).at(clock.now)).status_code == 401
    assert submit_set_up(owner, pyotp.TOTP(own).at(clock.now)).status_code == 200
    assert stored(app).mfa_secret == own


def test_the_code_must_come_within_minutes_of_the_password(app, clock):
    make_staff(app, EMAIL, MANAGER)
    client = app.test_client()
    password_only(client)
    clock.advance(minutes=10, seconds=1)
    response = client.get("/staff/mfa")
    assert location(response) == "/staff/login"
    page = client.get("/staff/login")
    assert "timed out before the code" in visible_text(page.text)
    with app.app_context():
        ended = db.session.scalars(select(StaffSession.end_reason)).all()
    assert ended == ["timeout"]


def test_cancelling_before_the_code_signs_out(app):
    user_id = make_staff(app, EMAIL, MANAGER)
    client = app.test_client()
    password_only(client)
    page = client.get("/staff/mfa")
    before = audit_rows(app)
    response = client.post("/staff/logout", data={"csrf_token": csrf_token(page.text)})
    assert location(response) == "/staff/login"
    assert new_rows(app, before) == [("logout", "ok", user_id)]
    assert location(client.get("/staff/mfa")) == "/staff/login"
    assert client.get("/staff/login").status_code == 200


def test_an_admin_resets_two_step_verification_on_the_command_line(app, runner, clock):
    user_id = make_staff(app, EMAIL, MANAGER)
    client = app.test_client()
    assert sign_in(client, EMAIL).status_code == 303
    before = audit_rows(app)
    result = runner.invoke(args=["staff", "reset-mfa", "--email", EMAIL.upper()])
    assert result.exit_code == 0, result.output
    assert f"Two-step verification reset for {EMAIL}." in result.output
    rows = audit_rows(app)[len(before) :]
    assert [(r.action, r.object_id, r.detail) for r in rows] == [
        ("account_change", str(user_id), "two-step verification reset")
    ]
    assert not signed_in_now(client)  # its sessions ended
    user = stored(app)
    assert (user.mfa_secret, user.mfa_enabled_at, user.mfa_last_step) == (None, None, None)
    with app.app_context():
        assert db.session.scalars(select(RecoveryCode)).all() == []
    # A manager sets it up again at the next sign-in.
    assert location(password_only(app.test_client())) == "/staff/mfa/setup"

    missing = runner.invoke(args=["staff", "reset-mfa", "--email", "nobody@clinic.example"])
    assert missing.exit_code == 1
    assert "No account for nobody@clinic.example" in missing.output


def test_a_full_sign_in_marks_the_browser_with_a_signed_device_cookie(app):
    make_staff(app, EMAIL, MANAGER)
    client = app.test_client()
    page = client.get("https://clinic.test/staff/login")
    client.post(
        "https://clinic.test/staff/login",
        data={"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD},
    )
    assert not any("device" in c for c in _set_cookies(client, "https://clinic.test/staff/mfa"))
    page = client.get("https://clinic.test/staff/mfa")
    response = client.post(
        "https://clinic.test/staff/mfa",
        data={"csrf_token": csrf_token(page.text), "code": next_code(app, EMAIL)},
    )
    assert response.status_code == 303
    (cookie,) = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-preclear_device=")
    ]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite", "max-age", "path"} <= attributes, cookie
    assert "Max-Age=15552000" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert EMAIL not in cookie  # it names the account by its id, signed


def test_the_device_cookie_is_not_secure_when_the_app_serves_plain_http(make_app):
    app = make_app(SECURE_COOKIES=False)
    make_staff(app, "nina@clinic.example", NURSE)
    client = app.test_client()
    response = sign_in(client, "nina@clinic.example")
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if "device" in c]
    assert cookie.startswith("preclear_device=")
    assert "Secure" not in cookie and "HttpOnly" in cookie


def _set_cookies(client, url: str) -> list[str]:
    return client.get(url).headers.getlist("Set-Cookie")
