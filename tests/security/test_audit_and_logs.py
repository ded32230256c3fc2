"""Audit completeness, and no protected health information (PHI) or link token in any log.

Every action that ``screening.audit.Action`` names is made to happen, through the real pages,
the API and the command line, and each occurrence writes exactly one row, with its person and
result, and the chain still verifies. A refused API credential is an authentication failure and
is audited like a failed sign-in.

A patient whose every free-text answer carries a canary ("Zyxorbicin", as a name, a signature, a
forged medicine and an extra field) goes through the questionnaire, its errors and a stale page,
uploads a note, is invited, reviewed and exported. Nothing of the canary, and none of the
patient's link tokens, may then appear in what the app logs (caught by pytest's ``caplog``), in
the request log of the development server (werkzeug's own access-log code, and a real server),
in any log file under ``instance/`` or the test's folder, or in the access log of gunicorn, the
production server this project ships with.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from screening.access import ADMIN, MANAGER, NURSE
from screening.audit import Action
from screening.extensions import db
from screening.models import AuditEvent
from tests.checking_client import CheckingClient
from tests.intake.patient import ABOUT_YOU, Patient, csrf_token
from tests.mail_sink import free_port, send_outbox
from tests.security.test_upload_attacks import png_declaring
from tests.staff.helpers import PASSWORD, make_staff, row_version, sign_in, submit_screening
from tests.test_privacy import log_text

CANARY = "Zyxorbicin"
PERSON = {
    "first_name": CANARY,
    "last_name": "Quorvathex",
    "email": "zyxorbicin.quorvathex@example.org",
    "phone": "(909) 555-0163",
    "date_of_birth": "1983-04-11",
}
SIGNATURE = f"{CANARY} Quorvathex"
SMTP_SINK_LOGGER = "mail.log"  # aiosmtpd, the tests' mail server: not the app
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Size 3 /Root 1 0 R >>\n%%EOF\n"
)
FLAGGED = {
    # One to resolve; not a "yes", which stops the questionnaire before the note's question.
    "pregnancy": {"pregnant": "unsure"},
    "health": {"neuromuscular_disorder": "yes"},  # waits for a provider's note
}


def canaries_in(text: str) -> list[str]:
    """The canary patient's details found in ``text`` (any case, any phone format)."""
    lowered = text.lower()
    found = [
        value
        for value in (CANARY, PERSON["last_name"], PERSON["email"], PERSON["date_of_birth"])
        if value.lower() in lowered
    ]
    if "9095550163" in re.sub(r"[\s().+-]", "", text):
        found.append("phone digits")
    return found


def audit_rows(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


# --- audit completeness ------------------------------------------------------------------------


class Trail:
    """Counts the audit rows each step writes."""

    def __init__(self, app):
        self.app = app
        self.seen: dict[str, int] = {}

    def expect(self, action: str, result: str, step, staff_id: int | None = ..., then=()) -> None:
        """``step`` writes one ``action`` row, then the rows ``then`` names, if any (a page
        shown after an action: its own view row)."""
        before = len(audit_rows(self.app))
        step()
        rows = audit_rows(self.app)[before:]
        written = [(row.action, row.result) for row in rows]
        assert written == [(action, result), *then], (action, written)
        if staff_id is not ...:
            assert rows[0].staff_id == staff_id, (action, rows[0].staff_id)
        self.seen[action] = self.seen.get(action, 0) + 1


def test_every_audited_action_writes_exactly_one_row_each_time(make_app, tmp_path, clock):
    app = make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))
    runner = app.test_cli_runner()
    sid, result_url, patient = submit_screening(app, **FLAGGED)
    # Told the visit cannot go ahead, she sends her answers: a finding no one may override.
    never_sid, _, _ = submit_screening(app, pregnancy={"breastfeeding": "yes"})
    # A cold sore: the visit moves, and the outcome page asks for a new date.
    someone_else = {**ABOUT_YOU, "last_name": "Moreno", "email": "moreno@example.com"}
    moved_sid, moved_url, moved_patient = submit_screening(
        app, about_you=someone_else, feeling={"cold_sore": "yes"}
    )
    ids = {
        role: make_staff(app, f"{role}@clinic.example", role) for role in (NURSE, MANAGER, ADMIN)
    }
    clients = {role: app.test_client() for role in ids}
    trail = Trail(app)

    for role, client in clients.items():
        trail.expect(
            "login",
            "ok",
            lambda c=client, r=role: sign_in(c, f"{r}@clinic.example"),
            staff_id=ids[role],
        )
    nurse, manager, admin = clients[NURSE], clients[MANAGER], clients[ADMIN]
    trail.expect(
        "failed_login",
        "failed",
        lambda: sign_in(app.test_client(), "nurse@clinic.example", "wrong-password-here"),
        staff_id=ids[NURSE],
    )
    trail.expect(
        "failed_login",
        "failed",
        lambda: sign_in(app.test_client(), "nobody@clinic.example"),
        staff_id=None,
    )
    trail.expect("view_screening", "ok", lambda: nurse.get(f"/staff/screenings/{sid}"))
    trail.expect(
        "view_screening", "ok", lambda: manager.get(f"/staff/screenings/{sid}"), ids[MANAGER]
    )

    page = patient.get(result_url)
    trail.expect(
        "upload_note",
        "ok",
        lambda: patient.post(
            f"{result_url}/notes",
            data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "n.pdf")},
        ),
        staff_id=None,
    )
    page = patient.get(result_url)
    trail.expect(
        "limited",
        "refused",
        lambda: patient.post(
            f"{result_url}/notes",
            data={
                "csrf_token": csrf_token(page.text),
                "file": (io.BytesIO(png_declaring(7_000, 7_000)), "n.png"),
            },
        ),
        staff_id=None,
    )
    page = nurse.get(f"/staff/screenings/{sid}")
    trail.expect(
        "upload_note",
        "ok",
        lambda: nurse.post(
            f"/staff/screenings/{sid}/notes",
            data={
                "csrf_token": csrf_token(page.text),
                "row_version": row_version(page.text),
                "kind": "provider_note",
                "file": (io.BytesIO(PDF), "n.pdf"),
            },
        ),
        staff_id=ids[NURSE],
    )
    trail.expect("view_note", "ok", lambda: nurse.get(f"/staff/screenings/{sid}/notes/1"))

    def post_on_page(path: str, data: dict, screening_id: int = sid):
        page = nurse.get(f"/staff/screenings/{screening_id}")
        token, version = csrf_token(page.text), row_version(page.text)
        return lambda: nurse.post(
            f"/staff/screenings/{screening_id}{path}",
            data={"csrf_token": token, "row_version": version, **data},
        )

    trail.expect(
        "decision",
        "ok",
        post_on_page("/notes/1/verify", {"covers": "neuromuscular_disorder"}),
        ids[NURSE],
    )
    trail.expect(
        "decision", "ok", post_on_page("/findings/pregnancy/resolve", {"reason": "Test done"})
    )
    trail.expect(
        "refused_action",
        "refused",
        post_on_page("/findings/breastfeeding/resolve", {"reason": "Insists"}, never_sid),
        ids[NURSE],
    )
    trail.expect("refused_action", "refused", lambda: nurse.get("/staff/records/audit"))
    manager_token = csrf_token(manager.get("/staff/password").text)
    trail.expect(
        "refused_action",
        "refused",
        lambda: manager.post(
            f"/staff/screenings/{sid}/notes/paper", data={"csrf_token": manager_token}
        ),
        ids[MANAGER],
    )
    trail.expect("view_screening", "ok", lambda: manager.get(f"/staff/screenings/{sid}"))

    for fmt in ("exports.csv", "exports.xlsx", "exports.ndjson"):
        trail.expect(
            "export", "ok", lambda f=fmt: manager.get(f"/staff/records/{f}").data, ids[MANAGER]
        )
    export_args = ["export", "--format", "csv", "--from", "2026-01-01", "--to", "2026-12-31"]
    trail.expect(
        "export",
        "ok",
        lambda: runner.invoke(args=[*export_args, "--out", str(tmp_path / "x.csv")]),
        staff_id=None,
    )

    # Pages that list patients, and a patient's own links: one row a view (their details are
    # tests/security/test_phi_list_views.py's).
    for action, role, path in (
        ("view_queue", NURSE, "/staff/"),
        ("view_today", NURSE, "/staff/today"),
        ("view_status_changes", NURSE, "/staff/status-changes"),
        ("view_invitations", NURSE, "/staff/invitations"),
        ("view_dashboard", MANAGER, "/staff/records/dashboard"),
        ("view_audit", MANAGER, "/staff/records/audit"),
        ("view_outbox", MANAGER, "/staff/records/outbox"),
    ):
        trail.expect(action, "ok", lambda c=clients[role], p=path: c.get(p), ids[role])
    trail.expect("view_outcome", "ok", lambda: patient.get(result_url), staff_id=None)
    answering = Patient(app.test_client())
    answering.start()
    resume = re.search(r"/intake/resume/[\w-]+", answering.client.get("/intake/later").text)
    trail.expect("view_draft", "ok", lambda: app.test_client().get(resume.group(0)), staff_id=None)
    from tests.test_invitations import invited_and_sent, reopen

    used, _ = invited_and_sent(app)
    trail.expect(
        "answers_reopened",
        "ok",
        lambda: reopen(app.test_client(), used, "1990-05-17"),
        staff_id=None,
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        trail.expect(
            "backup",
            "ok",
            lambda: runner.invoke(args=["backup", str(tmp_path / "backup.sqlite3")]),
            staff_id=None,
        )
    else:
        trail.seen["backup"] = 0  # flask backup copies SQLite only (PostgreSQL: pg_dump)
    trail.expect(
        "audit_trail", "ok", lambda: runner.invoke(args=["audit", "reanchor"]), staff_id=None
    )

    page = nurse.get("/staff/invitations")
    invitation = {
        "csrf_token": csrf_token(page.text),
        "first_name": "Ida",
        "last_name": "Vance",
        "email": "ida@example.com",
        "phone": "",
        "treatment": "pdo_smooth_threads",
        "appointment_date": "2026-12-20",
        "appointment_time": "10:00",
    }
    trail.expect(
        "invitation",
        "ok",
        lambda: nurse.post("/staff/invitations", data=invitation),
        ids[NURSE],
        then=[("view_invitations", "ok")],  # the list shown again below the new link
    )
    token_holder = {}
    trail.expect(
        "account_change",
        "ok",
        lambda: token_holder.update(
            token=runner.invoke(args=["api-token", "create", "--name", "booking"]).output.strip()
        ),
    )
    api_invitation = {k: v for k, v in invitation.items() if k != "csrf_token"}
    trail.expect(
        "invitation",
        "ok",
        lambda: app.test_client().post(
            "/api/v1/invitations",
            json=api_invitation,
            headers={"Authorization": f"Bearer {token_holder['token']}"},
        ),
        staff_id=None,
    )
    trail.expect(
        "account_change",
        "ok",
        lambda: runner.invoke(args=["api-token", "revoke", "--name", "booking"]),
    )
    trail.expect(
        "account_change",
        "ok",
        lambda: runner.invoke(
            args=[
                "staff",
                "create",
                "--email",
                "new@clinic.example",
                "--name",
                "New Nurse",
                "--role",
                "nurse",
                "--password-stdin",
            ],
            input=f"{PASSWORD}\n",
        ),
    )
    accounts = admin.get("/staff/accounts")
    trail.expect(
        "account_change",
        "ok",
        lambda: admin.post(
            f"/staff/accounts/{ids[MANAGER]}/active",
            data={"csrf_token": csrf_token(accounts.text), "active": "0"},
        ),
        staff_id=ids[ADMIN],
    )
    page = nurse.get("/staff/password")
    new_password = "quiet-orchard-bicycle-17"
    trail.expect(
        "password_change",
        "ok",
        lambda: nurse.post(
            "/staff/password",
            data={
                "csrf_token": csrf_token(page.text),
                "current_password": PASSWORD,
                "new_password": new_password,
                "confirm_password": new_password,
            },
        ),
        staff_id=ids[NURSE],
    )
    page = moved_patient.get(moved_url)
    trail.expect(
        "new_date_asked",
        "ok",
        lambda: moved_patient.post(
            f"{moved_url}/new-date",
            data={
                "csrf_token": csrf_token(page.text),
                "preferred_times": "Mondays",
                "contact_by": "phone",
                "phone": "909 555 0100",
                "email": "moreno@example.com",
            },
        ),
        staff_id=None,
    )
    page = nurse.get(f"/staff/screenings/{moved_sid}")
    trail.expect(
        "new_date_done",
        "ok",
        lambda: nurse.post(
            f"/staff/screenings/{moved_sid}/new-date-done",
            data={"csrf_token": csrf_token(page.text)},
        ),
        staff_id=ids[NURSE],
    )
    page = admin.get("/staff/password")
    trail.expect(
        "logout",
        "ok",
        lambda: admin.post("/staff/logout", data={"csrf_token": csrf_token(page.text)}),
        staff_id=ids[ADMIN],
    )
    clock.advance(minutes=16)
    trail.expect("timeout", "ok", lambda: nurse.get("/staff/"), staff_id=ids[NURSE])
    trail.expect(
        "submitted",
        "ok",
        lambda: submit_screening(app),  # from the patient's link: no member of staff
        staff_id=None,
    )
    trail.expect("purge", "ok", lambda: runner.invoke(args=["purge"]), staff_id=None)

    every_action = {value for name, value in vars(Action).items() if not name.startswith("_")}
    assert set(trail.seen) == every_action, sorted(every_action - set(trail.seen))
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    rows = audit_rows(app)
    assert f"intact: {len(rows)} rows" in verified.output


@pytest.mark.parametrize(
    "authorization",
    ["Bearer {revoked}", "Bearer not-a-token-at-all", "Basic {revoked}"],
    ids=["revoked token", "unknown token", "wrong scheme"],
)
def test_a_refused_api_credential_is_audited_without_the_credential(app, authorization):
    runner = app.test_cli_runner()
    revoked = runner.invoke(args=["api-token", "create", "--name", "old"]).output.strip()
    runner.invoke(args=["api-token", "revoke", "--name", "old"])
    before = len(audit_rows(app))
    headers = {"Authorization": authorization.format(revoked=revoked)}
    response = app.test_client().post(
        "/api/v1/invitations", json={"first_name": "Ida"}, headers=headers
    )
    assert response.status_code == 401
    rows = audit_rows(app)[before:]
    assert [(row.action, row.result) for row in rows] == [("refused_action", "refused")], (
        "a refused API credential left no trace in the audit trail"
    )
    assert revoked not in rows[0].detail and revoked not in rows[0].object_id


# --- no PHI and no token in any log ------------------------------------------------------------


class AccessLoggingClient(CheckingClient):
    """A test client that writes each request to the development server's access log, with
    werkzeug's own code (``WSGIRequestHandler.log_request``), as ``flask run`` would."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
        handler.client_address = (request.remote_addr or "127.0.0.1", 50000)
        handler.command = request.method
        handler.path = request.full_path.rstrip("?")
        handler.request_version = "HTTP/1.1"
        handler.requestline = f"{request.method} {handler.path} HTTP/1.1"
        handler.log_request(response.status_code, response.content_length or "-")
        return response


def link_tokens(urls) -> set[str]:
    """The link tokens in patient URLs (resume, result, invitation)."""
    return {
        match.group(1)
        for url in urls
        if url
        for match in [re.search(r"/intake/(?:resume|result|invite)/([A-Za-z0-9_-]{20,})", url)]
        if match
    }


def log_files(app, tmp_path: Path) -> list[Path]:
    """Every file a log handler writes to, and every ``*.log`` under instance/ and tmp."""
    loggers = [logging.getLogger(), app.logger, logging.getLogger("werkzeug")]
    loggers += [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    files = {
        Path(handler.baseFilename)
        for logger in loggers
        if isinstance(logger, logging.Logger)
        for handler in logger.handlers
        if isinstance(handler, logging.FileHandler)
    }
    for root in (Path(app.instance_path), tmp_path):
        files.update(root.rglob("*.log"))
    return sorted(files)


def test_a_canary_patient_leaves_no_phi_and_no_token_in_any_log(
    make_app, mail, tmp_path, clock, caplog
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.port)
    app.test_client_class = AccessLoggingClient
    urls: list[str] = []

    patient = Patient(app.test_client())
    patient.start()
    # Errors first: a forged medicine, an extra field, a stale page; all carry the canary.
    forged = patient.answer("about_you", {**PERSON, "email": "not-an-email", "notes": CANARY})
    assert forged.status_code in (200, 400)
    stale = patient.client.post("/intake/about_you", data={**PERSON, "csrf_token": "stale"})
    assert stale.status_code == 400
    patient.answer_all(about_you=PERSON, **FLAGGED)
    refused = patient.answer(
        "medicines",
        {"bleeding_risk_substances": [CANARY.lower()], "other_medication": f"{CANARY} 20 mg"},
    )
    assert refused.status_code in (200, 400)
    patient.client.post(
        "/intake/email-link", data={"csrf_token": csrf_token(patient.client.get("/").text)}
    )
    submitted = patient.sign(signature=SIGNATURE)
    assert submitted.status_code == 303
    result_url = urlsplit(submitted.location).path
    urls.append(result_url)
    page = patient.client.get(result_url)
    patient.client.post(
        f"{result_url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(b"MZ"), f"{CANARY}.exe")},
    )
    patient.client.post(
        f"{result_url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), f"{CANARY}.pdf")},
    )
    patient.client.post(
        "/language",
        query_string={"next": result_url},
        data={"csrf_token": csrf_token(page.text), "language": "es"},
    )
    urls.append(result_url.replace("/result/", "/resume/"))
    patient.client.get(urls[-1])

    make_staff(app, "nurse@clinic.example", NURSE, MANAGER)
    nurse = app.test_client()
    assert sign_in(nurse, "nurse@clinic.example").status_code == 303
    page = nurse.get("/staff/screenings/1")
    nurse.post(
        "/staff/screenings/1/findings/pregnancy/resolve",
        data={
            "csrf_token": csrf_token(page.text),
            "row_version": row_version(page.text),
            "reason": f"Spoke to {CANARY} Quorvathex on (909) 555-0163",
        },
    )
    for path in ("/staff/?status=all", "/staff/records/exports.csv", "/staff/records/audit"):
        nurse.get(path)
    page = nurse.get("/staff/invitations")
    invited = nurse.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page.text),
            **{k: PERSON[k] for k in ("first_name", "last_name", "email", "phone")},
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-20",
            "appointment_time": "10:00",
        },
    )
    assert invited.status_code == 200
    # The outbox sender sends them (its own logging is checked below with the rest).
    send_outbox(app)
    # The emailed links (the resume link asked for, the invitation) are opened as sent.
    emailed = [
        url
        for message in mail.messages
        for url in re.findall(r"https?://\S+", message.get_content())
    ]
    assert any("/intake/invite/" in url for url in emailed), emailed
    for url in emailed:
        app.test_client().get(urlsplit(url).path)
    urls.extend(emailed)
    api = app.test_client().post(
        "/api/v1/evaluate",
        json={
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-10",
            "answers": {"bleeding_risk_substances": [CANARY]},
        },
    )
    assert api.status_code == 422
    tokens = link_tokens(urls)

    assert len(tokens) >= 2, urls
    access_log = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/intake/result/[token]" in line for line in access_log), "no request was logged"
    leaks = []
    for record in caplog.records:
        if record.name.startswith(SMTP_SINK_LOGGER):
            continue  # the test's own SMTP server logging what it received
        text = log_text(record)
        leaks += [(record.name, found) for found in canaries_in(text)]
        leaks += [(record.name, "a link token") for token in tokens if token in text]
    assert not leaks, leaks
    for path in log_files(app, tmp_path):
        text = path.read_text(errors="replace")
        assert not canaries_in(text), path
        assert not [token for token in tokens if token in text], path
    for row in audit_rows(app):
        assert not canaries_in(f"{row.object_type} {row.object_id} {row.detail}"), row.action


def test_a_real_development_server_logs_no_resume_or_result_token(app, caplog):
    _, result_url, _ = submit_screening(app)
    token = urlsplit(result_url).path.rsplit("/", 1)[1]
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (
            f"/intake/result/{token}",
            f"/intake/resume/{token}",
            f"/language?next=/intake/result/{token}",
        ):
            request = urllib.request.Request(
                f"http://127.0.0.1:{server.server_port}{path}", headers={"Host": "clinic.test"}
            )
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=10).read()
        deadline = time.monotonic() + 5
        while caplog.text.count("[token]") < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert caplog.text.count("[token]") >= 3, caplog.text
    assert token not in caplog.text


def test_gunicorn_logs_no_link_token(app, database_url, tmp_path):
    """gunicorn, as installed with the project and with its ``gunicorn.conf.py`` if there is
    one: neither the request line nor the referrer of its access log may hold a link token (a
    page opened by its link asks for the stylesheet with that link as the referrer)."""
    _, result_url, _ = submit_screening(app)
    token = urlsplit(result_url).path.rsplit("/", 1)[1]
    from tests.staff.test_access_matrix import new_invitation_token

    invitation = new_invitation_token(app)
    (tmp_path / "gunicorn_app.py").write_text(
        "from screening import create_app\n"
        f"app = create_app({{'TESTING': True, 'SECRET_KEY': 'test-secret', "
        f"'DATABASE_URL': {database_url!r}, 'RATELIMIT_ENABLED': False}})\n"
    )
    port = free_port()
    access_log = tmp_path / "access.log"
    project = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(project)])}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--no-control-socket",
            "--access-logfile",
            str(access_log),
            "gunicorn_app:app",
        ],
        cwd=project,  # where gunicorn reads ./gunicorn.conf.py
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{base}/", timeout=1).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        requests = [
            (f"/intake/result/{token}", {}),
            (f"/intake/resume/{token}", {}),
            (f"/intake/invite/{invitation}", {}),
            ("/static/preclear.css", {"Referer": f"{base}/intake/result/{token}"}),
        ]
        opener = urllib.request.build_opener(_NoRedirects)
        for path, headers in requests:
            with contextlib.suppress(urllib.error.HTTPError):
                opener.open(urllib.request.Request(base + path, headers=headers), timeout=10)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode(errors="replace")
    logged = access_log.read_text()
    assert "/intake/result/" in logged and "/static/preclear.css" in logged, logged
    for secret in (token, invitation):
        assert secret not in logged, f"a link token in gunicorn's access log:\n{logged}"
        assert secret not in output


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None
