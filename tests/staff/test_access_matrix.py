"""Who may open which page: every route, every audience, checked against one table.

The table below is the specification. A route added to the app without a row here fails
``test_the_table_covers_every_route``; a route whose declaration differs from its row, or whose
behaviour differs from it, fails ``test_every_route_answers_every_audience_as_the_table_says``.
Among the audiences are a manager and an admin half signed in (the password given, the code or
the two-step set-up still to come): they reach the two-step pages and sign-out, and every other
staff page sends them back to the code, never showing itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from screening.access import ADMIN, MANAGER, NURSE, PATIENT, PUBLIC, SIGNING_IN
from screening.extensions import db
from screening.models import AuditEvent, Note, Screening, StatusChange
from screening.outreach.invitations import create_invitation
from tests.intake.patient import accept_invitation, csrf_token
from tests.staff.helpers import PASSWORD, make_staff, sign_in, submit_screening

STAFF = {NURSE, MANAGER, ADMIN}

# endpoint -> who may open it. PUBLIC: anyone; PATIENT: anyone holding the patient's own link.
ACCESS = {
    "public.index": {PUBLIC},
    "public.set_language": {PUBLIC},
    "intake.start": {PUBLIC},
    "intake.step": {PUBLIC},
    "intake.check": {PUBLIC},
    "intake.consent": {PUBLIC},
    "intake.later": {PUBLIC},
    "intake.cannot_go_ahead": {PUBLIC},
    "intake.resume": {PATIENT},
    "intake.result": {PATIENT},
    "intake.upload_note": {PATIENT},
    "intake.ask_new_date": {PATIENT},
    "api.evaluate": {PUBLIC},
    "auth.login": {PUBLIC},
    "auth.logout": STAFF | {SIGNING_IN},
    "auth.password": STAFF,
    "auth.account": STAFF,
    "auth.mfa_code": {SIGNING_IN},
    "auth.mfa_setup": STAFF | {SIGNING_IN},
    "auth.accounts": {ADMIN},
    "auth.set_active": {ADMIN},
    "review.queue": {NURSE, MANAGER},
    "review.today": {NURSE, MANAGER},
    "review.screening_page": {NURSE, MANAGER},
    "review.resolve": {NURSE},
    "review.acknowledge": {NURSE},
    "review.record_check_in": {NURSE},
    "review.current_rules": {NURSE, MANAGER},
    "review.accept_rules": {NURSE},
    "review.upload_note": {NURSE},
    "review.paper_note": {NURSE},
    "review.verify": {NURSE},
    "review.download_note": {NURSE},
    "review.move": {NURSE},
    "review.cancel": {NURSE, MANAGER},
    "review.undo_cancel": {NURSE, MANAGER},
    "review.new_date_done": {NURSE, MANAGER},
    "review.compare": {NURSE},
    "review.status_changes": {NURSE, MANAGER},
    "review.status_change_handled": {NURSE},
    "review.cancel_invitation": {NURSE, MANAGER},
    "review.undo_cancel_invitation": {NURSE, MANAGER},
    "intake.recheck": {PATIENT},
    "records.audit_trail": {MANAGER},
    "records.dashboard_page": {MANAGER},
    "records.exports_page": {MANAGER},
    "records.export_csv": {MANAGER},
    "records.export_xlsx": {MANAGER},
    "records.export_fhir": {MANAGER},
    "records.rules_page": STAFF,
    "records.outbox_page": {MANAGER},
    "review.invitation_list": {NURSE, MANAGER},
    "intake.invitation": {PATIENT},
    "intake.answers_by_invitation": {PATIENT},
    "intake.email_link": {PUBLIC},
    "api.create_invitation": {PUBLIC},
}

ANONYMOUS = "anonymous"
PATIENT_LINK = "patient link"
# Half signed in: the right password, then nothing yet.
MANAGER_BEFORE_CODE = "manager before the code"
ADMIN_BEFORE_SET_UP = "admin before the two-step set-up"
HALF_SIGNED_IN = (MANAGER_BEFORE_CODE, ADMIN_BEFORE_SET_UP)
AUDIENCES = (ANONYMOUS, PATIENT_LINK, NURSE, MANAGER, ADMIN, *HALF_SIGNED_IN)


def declared(audience: str) -> str:
    """What a view declares to let ``audience`` in: its role, or ``SIGNING_IN``."""
    return SIGNING_IN if audience in HALF_SIGNED_IN else audience


PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"trailer << /Size 4 /Root 1 0 R >>\n%%EOF\n"
)
NEEDS_PROVIDER_NOTE = {"health": {"neuromuscular_disorder": "yes"}}
RULE_ID = "neuromuscular_disorder"


@dataclass
class World:
    """Real records to fill the URL variables with, and one client per audience."""

    app: Flask
    screening_id: int
    token: str
    note_id: int
    stored_name: str
    user_ids: dict[str, int]
    clients: dict[str, FlaskClient]
    invitation_id: int
    change_id: int


def new_invitation_token(app: Flask) -> str:
    return new_invitation(app)[1]


def new_invitation(app: Flask) -> tuple[int, str]:
    with app.test_request_context():
        invitation, token = create_invitation(
            first_name="Ida",
            last_name="Vance",
            email="ida@example.com",
            phone="",
            treatment="pdo_smooth_threads",
            appointment_date="2026-12-10",
            appointment_time="10:00",
            via="cli",
        )
        return invitation.id, token


def new_status_change(app: Flask, screening_id: int) -> int:
    with app.app_context():
        change = StatusChange(
            screening_id=screening_id,
            status_before="cleared",
            status_after="reschedule",
            why="test",
            created_at=datetime.now(UTC),
        )
        db.session.add(change)
        db.session.commit()
        return change.id


def password_only(client: FlaskClient, email: str):
    """The first step of signing in, and no more."""
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": PASSWORD},
    )


def token_of(result_url: str) -> str:
    return urlsplit(result_url).path.rstrip("/").rsplit("/", 1)[1]


def upload_as_patient(client: FlaskClient, token: str, content: bytes = PDF, name="note.pdf"):
    page = client.get(f"/intake/result/{token}")
    assert page.status_code == 200
    return client.post(
        f"/intake/result/{token}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def notes_of(app: Flask, screening_id: int) -> list[Note]:
    with app.app_context():
        return db.session.scalars(
            select(Note).where(Note.screening_id == screening_id).order_by(Note.id)
        ).all()


def make_world(make_app, tmp_path) -> World:
    app = make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))
    screening_id, result_url, patient = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    token = token_of(result_url)
    assert upload_as_patient(patient, token).status_code == 303
    (note,) = notes_of(app, screening_id)
    clients = {ANONYMOUS: app.test_client(), PATIENT_LINK: patient}
    user_ids = {}
    for role in (NURSE, MANAGER, ADMIN):
        email = f"{role}@clinic.example"
        user_ids[role] = make_staff(app, email, role)
        clients[role] = app.test_client()
        assert sign_in(clients[role], email).status_code == 303
    for audience, role, step in (
        (MANAGER_BEFORE_CODE, MANAGER, "/staff/mfa"),
        (ADMIN_BEFORE_SET_UP, ADMIN, "/staff/mfa/setup"),
    ):
        email = f"{role}.half@clinic.example"
        user_ids[audience] = make_staff(app, email, role, mfa_on=audience == MANAGER_BEFORE_CODE)
        clients[audience] = app.test_client()
        response = password_only(clients[audience], email)
        assert (response.status_code, response.location) == (303, step), audience
    invitation_id, _ = new_invitation(app)
    change_id = new_status_change(app, screening_id)
    return World(
        app,
        screening_id,
        token,
        note.id,
        note.stored_name,
        user_ids,
        clients,
        invitation_id,
        change_id,
    )


def url_for_rule(world: World, rule, audience: str, token: str | None = None) -> str:
    """The rule's URL with real values: this screening, its note, its token, one's own id."""
    if token is None and rule.endpoint == "intake.invitation":
        token = new_invitation_token(world.app)  # an invitation link works once
    if token is None and rule.endpoint == "intake.answers_by_invitation":
        token = new_invitation_token(world.app)  # a used one: its patient's answers again
        accept_invitation(world.app.test_client(), token)
    values = {
        "screening_id": world.screening_id,
        "note_id": world.note_id,
        "token": token or world.token,
        "step_id": "about_you",
        "rule_id": RULE_ID,
        # An admin posting to their own account changes nothing (one cannot switch oneself off).
        "user_id": world.user_ids.get(audience, world.user_ids[ADMIN]),
        "invitation_id": world.invitation_id,
        "change_id": world.change_id,
    }
    arguments = {name: values[name] for name in rule.arguments}
    return world.app.url_map.bind("clinic.test").build(rule.endpoint, arguments)


def page_token(client: FlaskClient, audience: str) -> str:
    """A CSRF token of this client's session, so that the access check, not CSRF, decides."""
    path = {MANAGER_BEFORE_CODE: "/staff/mfa", ADMIN_BEFORE_SET_UP: "/staff/mfa/setup"}.get(
        audience, "/staff/password" if audience in STAFF else "/staff/login"
    )
    page = client.get(path)
    assert page.status_code == 200
    return csrf_token(page.text)


def send(client: FlaskClient, method: str, url: str, token: str):
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.post(url, json={"treatment": "pdo_smooth_threads", "answers": {}})
    return client.post(url, data={"csrf_token": token})


def redirects_to_login(response) -> bool:
    return response.status_code in (302, 303) and (
        urlsplit(response.location).path == "/staff/login"
    )


def redirects_to_code(response) -> bool:
    """Sent back to the second step of signing in (the code; it moves on to the set-up)."""
    return response.status_code in (302, 303) and (urlsplit(response.location).path == "/staff/mfa")


def refusals(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "refused_action").order_by(AuditEvent.id)
        ).all()


def latest_action(app: Flask) -> tuple[str, int | None]:
    with app.app_context():
        row = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        return row.action, row.staff_id


def requests_in_order(app: Flask):
    """(endpoint, rule, method) for every route but ``static``; signing out comes last."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint == "auth.logout", rule.endpoint, method, rule))
    return [(endpoint, rule, method) for _, endpoint, method, rule in sorted(found)]


def test_the_table_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert set(ACCESS) - endpoints == set(), "rows for routes that no longer exist"
    assert endpoints - set(ACCESS) == set(), "routes without a row in ACCESS"


def test_every_view_declares_its_audience_as_the_table_says(app):
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        assert hasattr(view, "allowed"), f"{endpoint} declares no audience"
        assert view.allowed == ACCESS[endpoint], endpoint


def test_a_view_without_a_declaration_is_refused_to_everyone(make_app):
    app = make_app()
    app.add_url_rule("/staff/undeclared", "undeclared", lambda: "open to all")
    make_staff(app, "admin@clinic.example", NURSE, MANAGER, ADMIN)
    staff = app.test_client()
    assert sign_in(staff, "admin@clinic.example").status_code == 303
    for client in (app.test_client(), staff):
        response = client.get("/staff/undeclared")
        assert response.status_code == 404
        assert "open to all" not in response.text


def altered(token: str) -> str:
    """The token with its first character changed (a random token may start with "x")."""
    return ("y" if token[0] == "x" else "x") + token[1:]


def test_every_route_answers_every_audience_as_the_table_says(make_app, tmp_path):
    world = make_world(make_app, tmp_path)
    tokens = {a: page_token(c, a) for a, c in world.clients.items()}
    checked = 0
    for endpoint, rule, method in requests_in_order(world.app):
        allowed = ACCESS[endpoint]
        for audience in AUDIENCES:
            client = world.clients[audience]
            where = f"{audience} {method} {endpoint}"
            url = url_for_rule(world, rule, audience)
            before = len(refusals(world.app))
            response = send(client, method, url, tokens[audience])
            checked += 1
            if PUBLIC in allowed or PATIENT in allowed:
                assert response.status_code not in (403, 404), where
                assert response.status_code < 500, where
                assert not redirects_to_login(response), where
            elif declared(audience) not in allowed and audience in HALF_SIGNED_IN:
                assert redirects_to_code(response), (where, response.status_code)
                assert len(refusals(world.app)) == before, where
            elif declared(audience) not in allowed and audience in STAFF:
                assert response.status_code == 403, (where, response.status_code)
                rows = refusals(world.app)
                assert len(rows) == before + 1, where
                assert (rows[-1].result, rows[-1].object_id) == ("refused", endpoint), where
                assert rows[-1].staff_id == world.user_ids[audience], where
            elif declared(audience) not in allowed:
                assert redirects_to_login(response), (where, response.status_code)
                assert len(refusals(world.app)) == before, where
            elif endpoint == "auth.logout":  # allowed: it signs out, and says so in the trail
                assert response.status_code == 303, where
                assert latest_action(world.app) == ("logout", world.user_ids[audience]), where
            else:
                assert response.status_code not in (403, 404), (where, response.status_code)
                assert response.status_code < 500, where
                assert not redirects_to_login(response), where
                assert not redirects_to_code(response) or endpoint.startswith("auth.mfa"), where
                assert len(refusals(world.app)) == before, where
            if PATIENT in allowed:
                wrong = url_for_rule(world, rule, audience, token=altered(world.token))
                response = send(client, method, wrong, tokens[audience])
                assert response.status_code == 404, where
    assert checked >= len(ACCESS) * len(AUDIENCES)


def test_a_patient_link_reaches_only_its_own_screening(make_app, tmp_path):
    app = make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))
    first_id, first_url, first = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    second_id, second_url, second = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    first_token, second_token = token_of(first_url), token_of(second_url)

    assert upload_as_patient(first, first_token).status_code == 303
    assert [n.screening_id for n in notes_of(app, first_id)] == [first_id]
    assert notes_of(app, second_id) == []

    # The link in the URL decides, never the session: the first patient's session cookie with a
    # forged token opens nothing and stores nothing.
    page = first.get(first_url)
    for forged in (altered(second_token), "", "..%2f" + second_token, str(second_id)):
        response = first.post(
            f"/intake/result/{forged}/notes",
            data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "note.pdf")},
            content_type="multipart/form-data",
        )
        assert response.status_code in (404, 405), forged
    assert len(notes_of(app, first_id)) == 1
    assert notes_of(app, second_id) == []
    assert first.get(f"/intake/result/{second_id}").status_code == 404

    # A note sent with the second patient's link is the second patient's, not the sender's.
    assert upload_as_patient(second, second_token).status_code == 303
    assert len(notes_of(app, first_id)) == 1
    assert [n.screening_id for n in notes_of(app, second_id)] == [second_id]

    # A patient is nobody on the staff side: the note file stays behind the sign-in.
    (note,) = notes_of(app, first_id)
    for client in (first, second):
        for path in (
            f"/staff/screenings/{first_id}/notes/{note.id}",
            f"/staff/screenings/{first_id}",
        ):
            response = client.get(path)
            assert redirects_to_login(response), path
            assert PDF not in response.data


def test_a_nurse_cannot_fetch_a_file_by_path(make_app, tmp_path):
    world = make_world(make_app, tmp_path)
    other_id, other_url, other = submit_screening(world.app, **NEEDS_PROVIDER_NOTE)
    nurse = world.clients[NURSE]
    sid = world.screening_id
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 2

    good = nurse.get(f"/staff/screenings/{sid}/notes/{world.note_id}")
    assert good.status_code == 200
    assert good.data == PDF

    for path in (
        f"/staff/screenings/{sid}/notes/../../../instance/config.py",
        f"/staff/screenings/{sid}/notes/..%2f..%2f..%2finstance%2fconfig.py",
        f"/staff/screenings/{sid}/notes/abc",
        f"/staff/screenings/{sid}/notes/{world.stored_name}",
        f"/staff/screenings/{sid}/notes/-1",
        f"/staff/screenings/{other_id}/notes/{world.note_id}",  # a note of another screening
        f"/instance/uploads/{world.stored_name}",
        f"/uploads/{world.stored_name}",
        "/instance/config.py",
        "/static/../instance/config.py",
        "/static/%2e%2e/instance/config.py",
        "/static/..%2finstance%2fconfig.py",
        "/static/../screening/config.py",
    ):
        response = nurse.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert PDF not in response.data, path
        assert b"SECRET_KEY" not in response.data, path
