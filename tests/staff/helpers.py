"""Helpers for the staff tests: accounts, signing in, and screenings made through the real pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from screening.auth import mfa
from screening.auth.service import create_staff, find_staff
from screening.clock import utcnow
from screening.extensions import db
from screening.models import Draft, Screening, new_token, token_hash
from tests.intake.patient import Patient, csrf_token

PASSWORD = "blue-harbor-lantern-42"


def make_staff(
    app: Flask,
    email: str,
    *roles: str,
    password: str = PASSWORD,
    name: str = "",
    mfa_on: bool | None = None,
):
    """Create an account (as the CLI does) and return its id. An account whose roles need
    two-step verification (``MFA_REQUIRED_ROLES``) has it set up, as at its first sign-in;
    ``mfa_on`` gives it to any account (True) or leaves it off (False)."""
    with app.app_context():
        user = create_staff(email, name or email.split("@")[0].title(), list(roles), password)
        if mfa.required(user) if mfa_on is None else mfa_on:
            user.mfa_secret = pyotp.random_base32()
            user.mfa_enabled_at = utcnow()
            db.session.commit()
        return user.id


def next_code(app: Flask, email: str) -> str:
    """The authenticator app's code for ``email`` that the app will take now: the earliest of
    the steps it accepts (the one before, now, the one after) later than the last one used.
    When all three are used, the test clock moves on 30 seconds."""
    with app.app_context():
        user = find_staff(email)
        totp = pyotp.TOTP(user.mfa_secret, interval=mfa.INTERVAL)
        for _ in range(2):
            now = totp.timecode(utcnow())
            for step in range(now - mfa.DRIFT, now + mfa.DRIFT + 1):
                if user.mfa_last_step is None or step > user.mfa_last_step:
                    return totp.generate_otp(step)
            app.config["CLOCK"].advance(seconds=mfa.INTERVAL)
    raise AssertionError("no code left")


def sign_in(
    client: FlaskClient,
    email: str,
    password: str = PASSWORD,
    *,
    code: str | None = None,
    address: str | None = None,
):
    """Post the sign-in form with its CSRF token and, when the account asks for one, the app's
    code (``code``, or the next one the app would show), from ``address`` (the client's IP as
    the server sees it) when given; returns the last response."""
    environ = {"REMOTE_ADDR": address} if address else {}
    page = client.get("/staff/login", environ_base=environ)
    response = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
        environ_base=environ,
    )
    if response.status_code == 303 and urlsplit(response.location).path == "/staff/mfa":
        code = code or next_code(client.application, email)
        response = enter_code(client, code, address=address)
    return response


def enter_code(client: FlaskClient, code: str, *, address: str | None = None):
    """Post the second step of signing in: the app's code or a recovery code."""
    environ = {"REMOTE_ADDR": address} if address else {}
    page = client.get("/staff/mfa", environ_base=environ)
    return client.post(
        "/staff/mfa",
        data={"csrf_token": csrf_token(page.text), "code": code},
        environ_base=environ,
    )


def signed_in(app: Flask, email: str, *roles: str) -> FlaskClient:
    """A new client signed in as a new account with ``roles``."""
    make_staff(app, email, *roles)
    client = app.test_client()
    response = sign_in(client, email)
    assert response.status_code == 303, response.text[:500]
    return client


def submit_screening(app: Flask, **page_overrides) -> tuple[int, str, FlaskClient]:
    """A patient completes the questionnaire; returns (screening id, result URL, patient client)."""
    patient = Patient(app.test_client())
    response = patient.complete(**page_overrides)
    assert response.status_code == 303, response.status_code
    with app.app_context():
        screening_id = db.session.query(Screening.id).order_by(Screening.id.desc()).first()[0]
    return screening_id, response.location, patient.client


def row_version(html: str) -> str:
    """The screening version a staff page's forms carry."""
    return re.search(r'name="row_version" value="(\d+)"', html).group(1)


def post_decision(client: FlaskClient, screening_id: int, path: str, data: dict, **kwargs):
    """Open the screening page, then post a decision form with its token and version."""
    page = client.get(f"/staff/screenings/{screening_id}")
    form = {"csrf_token": csrf_token(page.text), "row_version": row_version(page.text), **data}
    return client.post(f"/staff/screenings/{screening_id}{path}", data=form, **kwargs)


def copy_screenings(app, template_id: int, changes: list[dict]) -> list[int]:
    """Insert screenings straight through the database, fast: copies of a real one, each with
    its ``changes``; returns their ids."""
    with app.app_context():
        template = db.session.get(Screening, template_id)
        fields = {
            attribute.key: getattr(template, attribute.key)
            for attribute in Screening.__mapper__.column_attrs
            if attribute.key not in ("id", "draft_id")
        }
        now = template.submitted_at
        drafts = [
            {
                "token_hash": token_hash(new_token()),
                "data": {},
                "created_at": now,
                "updated_at": now,
                "expires_at": now,
            }
            for _ in changes
        ]
        draft_ids = db.session.scalars(
            insert(Draft).returning(Draft.id, sort_by_parameter_order=True), drafts
        ).all()
        ids = db.session.scalars(
            insert(Screening).returning(Screening.id, sort_by_parameter_order=True),
            [
                {**fields, **change, "draft_id": d}
                for change, d in zip(changes, draft_ids, strict=True)
            ],
        ).all()
        db.session.commit()
        return list(ids)
