"""Staff accounts, sign-in, sessions and the audit trail of them."""

from __future__ import annotations

import re
import statistics
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from screening.access import ADMIN, MANAGER, NURSE
from screening.extensions import db
from screening.models import AuditEvent, StaffSession, StaffUser
from screening.security import SESSION_COOKIE_HOST_NAME as SESSION_COOKIE
from tests.intake.patient import csrf_token
from tests.staff.helpers import PASSWORD, make_staff, sign_in

NEW_PASSWORD = "quiet-orchard-bicycle-17"
EMAIL = "rosa.diaz@clinic.example"


# --- helpers -----------------------------------------------------------------------------------


def redirects_to_login(response) -> bool:
    return response.status_code in (302, 303) and (
        urlsplit(response.location).path == "/staff/login"
    )


def signed_in_now(client: FlaskClient) -> bool:
    """Whether the client's session still opens a staff page (the password page: every role).
    Half signed in (the code still to come) is not signed in."""
    response = client.get("/staff/password")
    if redirects_to_login(response) or urlsplit(response.location or "").path == "/staff/mfa":
        return False
    assert response.status_code == 200, response.status_code
    return True


def sign_out(client: FlaskClient):
    page = client.get("/staff/password")
    return client.post("/staff/logout", data={"csrf_token": csrf_token(page.text)})


def session_cookie(client: FlaskClient) -> str:
    return client.get_cookie(SESSION_COOKIE, domain="clinic.test").value


def login_id(app: Flask, client: FlaskClient) -> str | None:
    """The Flask-Login id in the client's (signed) session cookie."""
    data = app.session_interface.get_signing_serializer(app).loads(session_cookie(client))
    return data.get("_user_id")


def audit_rows(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


def new_rows(app: Flask, before: list[AuditEvent]) -> list[tuple[str, str, int | None]]:
    return [(r.action, r.result, r.staff_id) for r in audit_rows(app)[len(before) :]]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        if data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def create(runner, *args: str, input: str):
    return runner.invoke(args=["staff", "create", *args], input=input)


# --- accounts ----------------------------------------------------------------------------------


def test_no_account_exists_until_one_is_created_on_the_command_line(app, runner, client):
    listed = runner.invoke(args=["staff", "list"])
    assert listed.exit_code == 0
    assert listed.output.strip() == ""
    with app.app_context():
        assert db.session.scalars(select(StaffUser)).all() == []
    assert sign_in(client, EMAIL).status_code == 401

    result = create(
        runner,
        *("--email", EMAIL, "--name", "Rosa Diaz", "--role", "nurse"),
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert f"Created {EMAIL}" in result.output
    assert PASSWORD not in result.output

    result = create(
        runner,
        *("--email", "Sam.Lee@Clinic.Example", "--name", "Sam Lee"),
        *("--role", "manager", "--role", "admin", "--password-stdin"),
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output

    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(StaffUser))}
        assert set(users) == {EMAIL, "sam.lee@clinic.example"}
        assert users[EMAIL].role_set == {NURSE}
        assert users["sam.lee@clinic.example"].role_set == {MANAGER, ADMIN}
        assert all(u.password_hash.startswith("$argon2id$") for u in users.values())
        assert all(PASSWORD not in u.password_hash for u in users.values())
    listed = runner.invoke(args=["staff", "list"])
    assert listed.output.splitlines() == [
        f"{EMAIL}\tnurse\tactive",
        "sam.lee@clinic.example\tmanager admin\tactive",
    ]

    again = create(
        runner,
        *("--email", EMAIL.upper(), "--name", "Rosa Again", "--role", "nurse"),
        "--password-stdin",
        input=f"{NEW_PASSWORD}\n",
    )
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert sign_in(client, EMAIL).status_code == 303


def test_weak_passwords_are_refused_with_a_reason(app, runner):
    cases = {
        "short-pw-1": "at least 12 characters",
        "password1234": "too common",
        "Sunshine2026!": "too common",
        "qwertyuiop123": "too common",
        "rosa.diaz-winter-7": "your name or email address",
        "Winter-DIAZ-lantern": "your name or email address",
    }
    for password, message in cases.items():
        for how in ("prompt", "stdin"):
            if how == "prompt":
                result = create(
                    runner,
                    *("--email", EMAIL, "--name", "Rosa Diaz", "--role", "nurse"),
                    input=f"{password}\n{password}\n",
                )
            else:
                result = create(
                    runner,
                    *("--email", EMAIL, "--name", "Rosa Diaz", "--role", "nurse"),
                    "--password-stdin",
                    input=f"{password}\n",
                )
            assert result.exit_code == 1, (password, how)
            assert message in result.output, (password, how, result.output)
    with app.app_context():
        assert db.session.scalars(select(StaffUser)).all() == []


def test_staff_change_their_password_and_their_other_sessions_end(app):
    make_staff(app, EMAIL, NURSE, name="Rosa Diaz")
    here, elsewhere = app.test_client(), app.test_client()
    assert sign_in(here, EMAIL).status_code == 303
    assert sign_in(elsewhere, EMAIL).status_code == 303

    def change(current: str, new: str, confirm: str | None = None):
        page = here.get("/staff/password")
        form = {
            "csrf_token": csrf_token(page.text),
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        }
        return here.post("/staff/password", data=form)

    refused = {
        ("not-my-password-at-all", NEW_PASSWORD): "Your current password is not right",
        (PASSWORD, "Sunshine2026!"): "too common",
        (PASSWORD, "short-one-1"): "at least 12 characters",
        (PASSWORD, "rosa-diaz-lantern-9"): "your name or email address",
    }
    for (current, new), message in refused.items():
        response = change(current, new)
        assert response.status_code == 200
        assert message in visible_text(response.text), (current, new)
    response = change(PASSWORD, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert "not the same" in visible_text(response.text)
    assert signed_in_now(elsewhere), "a refused change ends nothing"

    before = audit_rows(app)
    response = change(PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303
    assert ("password_change", "ok", 1) in new_rows(app, before)
    assert signed_in_now(here)
    assert not signed_in_now(elsewhere)

    assert sign_in(app.test_client(), EMAIL, PASSWORD).status_code == 401
    assert sign_in(app.test_client(), EMAIL, NEW_PASSWORD).status_code == 303


def test_an_admin_switches_an_account_off_and_its_session_ends_at_once(app, runner):
    admin_id = make_staff(app, "admin@clinic.example", ADMIN)
    nurse_id = make_staff(app, EMAIL, NURSE)
    admin, nurse = app.test_client(), app.test_client()
    assert sign_in(admin, "admin@clinic.example").status_code == 303
    assert sign_in(nurse, EMAIL).status_code == 303
    assert nurse.get("/staff/").status_code == 200

    def switch(user_id: int, active: str):
        page = admin.get("/staff/accounts")
        assert page.status_code == 200
        return admin.post(
            f"/staff/accounts/{user_id}/active",
            data={"csrf_token": csrf_token(page.text), "active": active},
        )

    assert switch(nurse_id, "0").status_code == 303
    assert redirects_to_login(nurse.get("/staff/"))
    assert sign_in(app.test_client(), EMAIL).status_code == 401
    with app.app_context():
        ended = db.session.scalars(select(StaffSession).where(StaffSession.user_id == nurse_id))
        assert [s.end_reason for s in ended] == ["deactivated"]

    assert switch(admin_id, "0").status_code == 303  # one cannot switch oneself off
    assert signed_in_now(admin)

    assert switch(nurse_id, "1").status_code == 303
    assert sign_in(nurse, EMAIL).status_code == 303
    # The command line does the same: the session ends at once.
    result = runner.invoke(args=["staff", "deactivate", "--email", EMAIL])
    assert result.exit_code == 0, result.output
    assert redirects_to_login(nurse.get("/staff/"))


def test_each_role_lands_on_a_page_it_may_open(app):
    for email, roles in (
        ("nurse@clinic.example", (NURSE,)),
        ("manager@clinic.example", (MANAGER,)),
        ("admin@clinic.example", (ADMIN,)),
    ):
        make_staff(app, email, *roles)
        client = app.test_client()
        response = sign_in(client, email)
        assert response.status_code == 303
        assert client.get(response.location).status_code == 200, (roles, response.location)
        again = client.get("/staff/login")
        assert client.get(again.location).status_code == 200, roles


def test_sign_in_never_sends_anyone_elsewhere(app):
    make_staff(app, EMAIL, NURSE)
    for target in ("https://evil.example/staff", "//evil.example/staff", "/intake/"):
        client = app.test_client()
        page = client.get(f"/staff/login?next={target}")
        response = client.post(
            f"/staff/login?next={target}",
            data={"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD},
        )
        assert response.status_code == 303
        assert response.location == "/staff/", target
    client = app.test_client()
    response = client.get("/staff/today")
    assert redirects_to_login(response)
    page = client.get(response.location)
    response = client.post(
        response.location,
        data={"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD},
    )
    assert response.location == "/staff/today"


# --- sessions ----------------------------------------------------------------------------------


def test_each_sign_in_starts_a_new_session(app):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    client.get("/staff/login")
    assert login_id(app, client) is None
    assert sign_in(client, EMAIL).status_code == 303
    first = login_id(app, client)
    assert first and signed_in_now(client)
    assert sign_out(client).status_code == 303
    assert login_id(app, client) is None
    assert sign_in(client, EMAIL).status_code == 303
    second = login_id(app, client)
    assert second and second != first

    other = app.test_client()
    assert sign_in(other, EMAIL).status_code == 303
    assert login_id(app, other) not in (first, second)
    with app.app_context():
        stored = db.session.scalars(select(StaffSession.token_hash)).all()
    assert len(stored) == 3
    assert first not in stored and second not in stored  # only hashes are kept


def test_a_cookie_saved_before_sign_out_is_refused_afterwards(app):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    assert sign_in(client, EMAIL).status_code == 303
    saved = session_cookie(client)
    assert client.get("/staff/").status_code == 200
    assert sign_out(client).status_code == 303
    client.set_cookie(SESSION_COOKIE, saved, domain="clinic.test")
    assert redirects_to_login(client.get("/staff/"))
    # A fresh client holding only the stolen cookie is refused too.
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, saved, domain="clinic.test")
    assert redirects_to_login(thief.get("/staff/"))


def test_a_session_idle_for_15_minutes_ends(app, clock):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    assert sign_in(client, EMAIL).status_code == 303
    clock.advance(minutes=14)
    assert client.get("/staff/").status_code == 200
    clock.advance(minutes=16)
    before = audit_rows(app)
    response = client.get("/staff/")
    assert redirects_to_login(response)
    assert new_rows(app, before) == [("timeout", "ok", 1)]
    page = client.get(response.location)
    assert "timed out" in visible_text(page.text)
    assert not signed_in_now(client)
    assert len(audit_rows(app)) == len(before) + 1


def test_activity_keeps_a_session_alive(app, clock):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    assert sign_in(client, EMAIL).status_code == 303
    for _ in range(7):  # every 10 minutes for an hour
        clock.advance(minutes=10)
        assert client.get("/staff/").status_code == 200


def test_a_session_ends_after_8_hours_even_with_activity(app, clock):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    assert sign_in(client, EMAIL).status_code == 303
    for _ in range(34):  # every 14 minutes, up to 7 h 56 min
        clock.advance(minutes=14)
        assert client.get("/staff/").status_code == 200
    clock.advance(minutes=5)
    before = audit_rows(app)
    assert redirects_to_login(client.get("/staff/"))
    assert new_rows(app, before) == [("timeout", "ok", 1)]
    assert sign_in(client, EMAIL).status_code == 303  # signing in again starts afresh


def test_failures_from_one_address_pause_that_account_there_until_the_window_passes(
    app, limits_clock
):
    user_id = make_staff(app, EMAIL, NURSE)
    here = "198.51.100.20"
    for _ in range(5):
        wrong = sign_in(app.test_client(), EMAIL, "wrong-password-here", address=here)
        assert wrong.status_code == 401
    before = audit_rows(app)
    client = app.test_client()
    refused = sign_in(client, EMAIL, address=here)  # even the right password waits
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 15 * 60
    words = visible_text(refused.text)
    assert "Too many attempts" in words and "try again in 15 minutes" in words
    assert [(r.action, r.result, r.staff_id, r.detail) for r in audit_rows(app)[len(before) :]] == [
        ("failed_login", "refused", user_id, "too many failures per account and address")
    ]
    assert not signed_in_now(client)
    # Nothing is locked: the same account from another address signs in.
    elsewhere = app.test_client()
    assert sign_in(elsewhere, EMAIL, address="198.51.100.21").status_code == 303
    assert signed_in_now(elsewhere)

    limits_clock.advance(minutes=10)
    waiting = sign_in(app.test_client(), EMAIL, address=here)
    assert waiting.status_code == 429
    assert int(waiting.headers["Retry-After"]) == 5 * 60
    limits_clock.advance(minutes=5, seconds=1)
    assert sign_in(client, EMAIL, address=here).status_code == 303
    assert signed_in_now(client)


def test_the_same_answer_for_an_unknown_email_a_wrong_password_and_a_switched_off_account(app):
    make_staff(app, EMAIL, NURSE)
    make_staff(app, "off@clinic.example", NURSE)
    with app.app_context():
        from screening.auth.service import find_staff, set_active

        set_active(find_staff("off@clinic.example"), False)
    client = app.test_client()
    unknown = sign_in(client, "nobody@clinic.example")
    wrong = sign_in(client, EMAIL, "wrong-password-here")
    switched_off = sign_in(client, "off@clinic.example")
    answers = {
        name: (response.status_code, visible_text(response.text))
        for name, response in (
            ("unknown", unknown),
            ("wrong", wrong),
            ("switched off", switched_off),
        )
    }
    assert answers["unknown"][0] == 401
    assert "email address or password is not right" in answers["unknown"][1]
    for name, answer in answers.items():
        assert answer == answers["unknown"], name


def test_an_unknown_email_takes_about_as_long_as_a_wrong_password(app):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    token = csrf_token(client.get("/staff/login").text)

    def timed(email: str) -> float:
        form = {"csrf_token": token, "email": email, "password": "wrong-password-here"}
        start = time.perf_counter()
        response = client.post("/staff/login", data=form)
        elapsed = time.perf_counter() - start
        assert response.status_code == 401
        return elapsed

    timed("warm-up@clinic.example")
    unknown = statistics.median(timed("nobody@clinic.example") for _ in range(5))
    wrong = statistics.median(timed(EMAIL) for _ in range(5))  # under the lockout threshold
    assert unknown < wrong * 3, (unknown, wrong)
    assert wrong < unknown * 3, (unknown, wrong)


def test_an_address_with_many_failures_waits_whatever_the_account(make_app, limits_clock):
    app = make_app(SIGNIN_FAILURES_PER_ADDRESS="8 per 15 minutes")
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    token = csrf_token(client.get("/staff/login").text)
    for n in range(8):  # a different account each time: no per-account count fills
        form = {"csrf_token": token, "email": f"guess{n}@clinic.example", "password": "x" * 12}
        assert client.post("/staff/login", data=form).status_code == 401
    form = {"csrf_token": token, "email": EMAIL, "password": PASSWORD}
    throttled = client.post("/staff/login", data=form)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    assert "something went wrong" not in visible_text(throttled.text).lower()
    assert client.get("/staff/login").status_code == 200  # reading the page is not limited
    assert not signed_in_now(client)
    assert sign_in(app.test_client(), EMAIL, address="198.51.100.30").status_code == 303
    limits_clock.advance(minutes=15, seconds=1)
    assert client.post("/staff/login", data=form).status_code == 303


# --- audit trail -------------------------------------------------------------------------------


def test_each_sign_in_event_writes_exactly_one_audit_row(app, clock, runner):
    user_id = make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    client.get("/staff/login")

    def one_row(action, result="ok", staff_id=user_id):
        def check(do):
            before = audit_rows(app)
            do()
            assert new_rows(app, before) == [(action, result, staff_id)], action

        return check

    one_row("login")(lambda: sign_in(client, EMAIL))
    one_row("logout")(lambda: sign_out(client))
    one_row("failed_login", "failed")(lambda: sign_in(client, EMAIL, "wrong-password-here"))
    one_row("failed_login", "failed", None)(lambda: sign_in(client, "nobody@clinic.example"))
    one_row("login")(lambda: sign_in(client, EMAIL))
    clock.advance(minutes=16)
    one_row("timeout")(lambda: [client.get("/staff/"), client.get("/staff/login")])

    rows = audit_rows(app)
    assert all("wrong-password" not in row.detail and PASSWORD not in row.detail for row in rows)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"intact: {len(rows)} rows" in result.output


def test_audit_verify_names_the_first_altered_or_removed_row(app, runner):
    make_staff(app, EMAIL, NURSE)
    client = app.test_client()
    sign_in(client, EMAIL, "wrong-password-here")
    sign_in(client, EMAIL)
    sign_out(client)
    rows = audit_rows(app)
    assert [r.id for r in rows] == [1, 2, 3, 4]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    def execute(sql: str, **params):
        with app.app_context():
            db.session.execute(text(sql), params)
            db.session.commit()

    execute("UPDATE audit_events SET detail='x' WHERE id=2")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert re.search(r"\brow 2\b", result.output), result.output

    execute("UPDATE audit_events SET detail=:detail WHERE id=2", detail=rows[1].detail)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    execute("DELETE FROM audit_events WHERE id=3")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert re.search(r"\brow 4\b", result.output), result.output


def test_the_orm_refuses_to_change_or_delete_audit_rows(app, runner):
    make_staff(app, EMAIL, NURSE)
    with app.app_context():
        row = db.session.scalars(select(AuditEvent)).first()
        row.detail = "rewritten"
        with pytest.raises(PermissionError, match="append-only"):
            db.session.flush()
        db.session.rollback()

        db.session.delete(db.session.scalars(select(AuditEvent)).first())
        with pytest.raises(PermissionError, match="append-only"):
            db.session.flush()
        db.session.rollback()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    assert [r.detail for r in audit_rows(app)] == ["created"]
