"""Helpers for the staff tests: accounts, signing in, and screenings made through the real pages."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from screening.auth.service import create_staff
from screening.extensions import db
from screening.models import Draft, Screening, new_token, token_hash
from tests.intake.patient import Patient, csrf_token

PASSWORD = "blue-harbor-lantern-42"


def make_staff(app: Flask, email: str, *roles: str, password: str = PASSWORD, name: str = ""):
    """Create an account (as the CLI does) and return its id."""
    with app.app_context():
        user = create_staff(email, name or email.split("@")[0].title(), list(roles), password)
        return user.id


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):
    """Post the sign-in form with its CSRF token; returns the response."""
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
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
