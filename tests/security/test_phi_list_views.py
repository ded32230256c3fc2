"""Every view of a page that lists patients, every opening of a patient's outcome page or
resume link, and every ``flask backup`` writes exactly one audit row, with counts, and nothing
of the patients it showed nor of the filters and searches asked for.

The patient's details and every filter value are canaries: none may appear in any column of
the rows a view writes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from screening.access import MANAGER, NURSE
from screening.extensions import db
from screening.models import AuditEvent, Draft, StatusChange
from tests.intake.patient import Patient, csrf_token
from tests.staff.helpers import make_staff, sign_in, submit_screening

PERSON = {
    "first_name": "Quillonne",
    "last_name": "Vexmardine",
    "email": "quillonne.vexmardine@example.org",
    "phone": "(909) 555-0177",
    "date_of_birth": "1979-08-23",
}
SEARCHED = "zarquentia.search@example.org"  # typed into a filter: never in the trail
TODAY = "2026-12-01"  # the clinic's today by the test clock


def canaries(text: str) -> list[str]:
    lowered = text.lower()
    found = [value for value in (*PERSON.values(), SEARCHED) if value.lower() in lowered]
    if "9095550177" in re.sub(r"\D", "", text):
        found.append("phone digits")
    return found


def audit_rows() -> list[AuditEvent]:
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    db.session.expunge_all()
    return rows


def one_row_for(app, action: str, view) -> AuditEvent:
    """Run ``view``; exactly one audit row is written, of ``action``, with no PHI in any
    column; returns it."""
    with app.app_context():
        before = len(audit_rows())
    view()
    with app.app_context():
        written = audit_rows()[before:]
    assert [row.action for row in written] == [action], [row.action for row in written]
    row = written[0]
    columns = {column.key: str(getattr(row, column.key)) for column in AuditEvent.__table__.columns}
    assert not canaries(" ".join(columns.values())), columns
    assert row.result == "ok"
    return row


@pytest.fixture
def world(mail_app):
    """A screening of the canary patient for today, a status change on it, an invitation with
    an email waiting in the outbox, a nurse and a manager signed in."""
    app = mail_app
    screening_id, result_url, patient = submit_screening(
        app, about_you=PERSON, visit={"appointment_date": TODAY}
    )
    with app.app_context():
        db.session.add(
            StatusChange(
                screening_id=screening_id,
                status_before="needs_review",
                status_after="cleared",
                why="a rule's ending changed",
                created_at=datetime(2026, 12, 1, 19, 0, tzinfo=UTC),
            )
        )
        db.session.commit()
    make_staff(app, "nurse@clinic.example", NURSE)
    make_staff(app, "manager@clinic.example", MANAGER)
    nurse, manager = app.test_client(), app.test_client()
    assert sign_in(nurse, "nurse@clinic.example").status_code == 303
    assert sign_in(manager, "manager@clinic.example").status_code == 303
    page = nurse.get("/staff/invitations")
    invited = nurse.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page.text),
            **{name: PERSON[name] for name in ("first_name", "last_name", "email", "phone")},
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-20",
            "appointment_time": "10:00",
        },
    )
    assert invited.status_code == 200
    return {
        "app": app,
        "screening_id": screening_id,
        "result_url": result_url,
        "patient": patient,
        "nurse": nurse,
        "manager": manager,
    }


def test_the_nurse_queue_is_audited_with_counts_never_its_filters(world):
    nurse = world["nurse"]
    query = (
        f"/staff/?status=all&treatment=pdo_smooth_threads&date_from={TODAY}"
        f"&date_to=2026-12-31&page=1&q={PERSON['last_name']}&name={SEARCHED}"
    )

    def view():
        page = nurse.get(query)
        assert page.status_code == 200
        assert PERSON["last_name"] in page.text  # the page did show the patient

    row = one_row_for(world["app"], "view_queue", view)
    assert row.detail == "rows=1 page=1 total=1 more=0"
    assert "pdo_smooth_threads" not in row.detail and TODAY not in row.detail
    assert row.staff_id is not None


def test_today_is_audited_with_counts(world):
    def view():
        page = world["nurse"].get("/staff/today")
        assert PERSON["last_name"] in page.text

    assert one_row_for(world["app"], "view_today", view).detail == "rows=1"


def test_the_status_changes_list_is_audited_with_counts(world):
    def view():
        page = world["nurse"].get("/staff/status-changes")
        assert PERSON["last_name"] in page.text

    assert one_row_for(world["app"], "view_status_changes", view).detail == "rows=1"


def test_the_invitations_list_is_audited_with_counts(world):
    def view():
        page = world["nurse"].get("/staff/invitations")
        assert PERSON["last_name"] in page.text

    assert one_row_for(world["app"], "view_invitations", view).detail == "rows=1"


def test_the_dashboard_is_audited_with_counts(world):
    def view():
        page = world["manager"].get(f"/staff/records/dashboard?date_from={TODAY}")
        assert page.status_code == 200

    row = one_row_for(world["app"], "view_dashboard", view)
    assert re.fullmatch(r"screenings=1 weeks=\d+", row.detail), row.detail


def test_the_audit_trail_page_is_audited_with_counts_never_its_search(world):
    manager = world["manager"]
    one_row_for(world["app"], "view_audit", lambda: manager.get("/staff/records/audit"))

    def search():
        page = manager.get(f"/staff/records/audit?staff={SEARCHED}&action=view_queue&page=1")
        assert page.status_code == 200

    row = one_row_for(world["app"], "view_audit", search)
    assert row.detail == "rows=0 page=1 total=0"
    assert "view_queue" not in row.detail


def test_the_outbox_page_is_audited_with_counts(world):
    def view():
        page = world["manager"].get("/staff/records/outbox")
        assert PERSON["email"] in page.text  # the invitation's email, waiting

    assert one_row_for(world["app"], "view_outbox", view).detail == "rows=1"


def test_each_opening_of_the_outcome_page_is_audited_without_staff(world):
    app, patient, url = world["app"], world["patient"], world["result_url"]
    for _ in range(2):
        row = one_row_for(app, "view_outcome", lambda: patient.get(url))
        assert (row.object_type, row.object_id) == ("screening", str(world["screening_id"]))
        assert row.staff_id is None and row.roles == "" and row.detail == ""
    # Through the resume link: the link's own redirect writes nothing, the page one row.
    resume = url.replace("/result/", "/resume/")
    assert one_row_for(app, "view_outcome", lambda: patient.get(resume, follow_redirects=True))


def test_each_opening_of_a_resume_link_is_audited_without_staff(world):
    app = world["app"]
    answering = Patient(app.test_client())
    answering.start()
    answering.answer("about_you", PERSON)
    link = re.search(r"/intake/resume/[\w-]+", answering.client.get("/intake/later").text).group(0)
    with app.app_context():
        draft_id = db.session.scalar(select(Draft.id).order_by(Draft.id.desc()).limit(1))
    for device in (app.test_client(), app.test_client()):
        row = one_row_for(app, "view_draft", lambda d=device: d.get(link))
        assert (row.object_type, row.object_id) == ("draft", str(draft_id))
        assert row.staff_id is None and row.detail == ""


def test_flask_backup_is_audited_with_counts(world, tmp_path):
    app = world["app"]
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("flask backup copies SQLite databases (PostgreSQL: pg_dump)")

    def backup():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.sqlite3")])
        assert result.exit_code == 0, result.output

    row = one_row_for(app, "backup", backup)
    assert row.object_type == "database" and row.staff_id is None
    assert re.fullmatch(r"tables=\d+ rows=\d+", row.detail), row.detail
