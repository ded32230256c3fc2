"""Screenings stored before the lifecycle, derived again by its migration (issue 14, point 9):
each finding keeps only an ending its rule allows, notes verified before cover only the findings
already resolved with them, and every screening whose status changed is listed for a nurse,
soonest appointment first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

import rules
from screening import create_app
from screening.auth.passwords import hash_password
from screening.extensions import db
from screening.models import Note, Screening, StatusChange
from tests.conftest import Clock, _config, database_of_its_own
from tests.contract import no_answers
from tests.staff.helpers import PASSWORD, sign_in

pytestmark = pytest.mark.usefixtures("light_password_hashing")

BEFORE = "9f3c2a6d4b18"  # the last revision before the lifecycle
NOW = datetime(2026, 12, 1, 20, 0)
MIGRATION_DATABASE = "preclear_migration_test"


@pytest.fixture
def old_app(tmp_path):
    """An app on a database of its own, migrated only up to the revision before the lifecycle."""
    with database_of_its_own(tmp_path, MIGRATION_DATABASE) as database_url:
        app = create_app(_config(database_url, Clock(NOW.replace(tzinfo=UTC))))
        with app.app_context():
            upgrade(revision=BEFORE)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _findings(changes: dict, appointment: date) -> list[dict]:
    result = rules.evaluate(
        "pdo_smooth_threads", appointment, no_answers(**changes), today=date(2026, 12, 1)
    )
    return [finding.to_dict() for finding in result.findings]


def old_screening(connection, number: int, appointment: date, changes: dict, states: dict):
    """A screening row as the app stored them before the lifecycle; returns its id."""
    tables = sa.MetaData()
    tables.reflect(connection, only=("drafts", "screenings"))
    drafts, screenings = tables.tables["drafts"], tables.tables["screenings"]
    draft_id = connection.execute(
        drafts.insert().values(
            token_hash=f"{number:064d}", data={}, created_at=NOW, updated_at=NOW, expires_at=NOW
        )
    ).inserted_primary_key[0]
    return connection.execute(
        screenings.insert().values(
            draft_id=draft_id,
            first_name="Ana",
            last_name=f"López {number}",
            email="ANA@example.com",
            phone="+1 909 555 0100",
            treatment="pdo_smooth_threads",
            appointment_date=appointment,
            answers=no_answers(**changes),
            ruleset_id="pdo_smooth_threads",
            ruleset_version="2",
            questions_not_asked=[],
            findings=_findings(changes, appointment),
            finding_states=states,
            instructions=[],
            outcome="reschedule",
            earliest_date=None,
            status="reschedule",
            consent_signature="Ana",
            consent_text_hash="0" * 64,
            consent_signed_at=NOW,
            consent_ip="127.0.0.1",
            consent_user_agent="test",
            consent_language="en",
            submitted_at=NOW,
            updated_at=NOW,
            row_version=3,
        )
    ).inserted_primary_key[0]


def decision(connection, screening_id: int, staff_id: int, kind: str, details: dict) -> int:
    decisions = sa.Table("decisions", sa.MetaData(), autoload_with=connection)
    return connection.execute(
        decisions.insert().values(
            screening_id=screening_id,
            staff_id=staff_id,
            kind=kind,
            rule_id=None,
            reason="",
            details=details,
            created_at=NOW,
        )
    ).inserted_primary_key[0]


def verified_note(connection, screening_id: int, staff_id: int, kind: str) -> int:
    notes = sa.Table("notes", sa.MetaData(), autoload_with=connection)
    return connection.execute(
        notes.insert().values(
            screening_id=screening_id,
            kind=kind,
            on_paper=True,
            uploaded_by_id=staff_id,
            uploaded_at=NOW,
            verified_by_id=staff_id,
            verified_at=NOW,
        )
    ).inserted_primary_key[0]


def set_states(connection, screening_id: int, status: str, states: dict) -> None:
    screenings = sa.Table("screenings", sa.MetaData(), autoload_with=connection)
    connection.execute(
        screenings.update()
        .where(screenings.c.id == screening_id)
        .values(status=status, finding_states=states)
    )


def test_the_migration_derives_every_stored_screening_under_the_lifecycle(old_app):
    app = old_app
    with app.app_context(), db.engine.begin() as connection:
        # The account as that revision stored it: today's model has columns it lacks.
        staff_users = sa.Table("staff_users", sa.MetaData(), autoload_with=connection)
        nurse = connection.execute(
            staff_users.insert().values(
                email="nurse@example.com",
                name="Nurse",
                roles="nurse",
                password_hash=hash_password(PASSWORD),
                active=True,
                failed_logins=0,
                created_at=NOW,
                password_changed_at=NOW,
            )
        ).inserted_primary_key[0]
        # A cold sore "resolved" by a rebooking (a move): now waiting for the patient's answer.
        moved = old_screening(connection, 1, date(2026, 12, 20), {"cold_sore": "yes"}, {})
        move = decision(connection, moved, nurse, "acknowledge", {"new_appointment_date": "x"})
        set_states(
            connection, moved, "cleared", {"cold_sore": {"state": "resolved", "decision_id": move}}
        )
        # Feeling unwell "resolved" by a nurse's say-so: open again.
        unwell = old_screening(connection, 2, date(2026, 12, 8), {"feeling_unwell": "yes"}, {})
        say_so = decision(connection, unwell, nurse, "resolve", {})
        set_states(
            connection,
            unwell,
            "cleared",
            {"feeling_unwell": {"state": "resolved", "decision_id": say_so}},
        )
        # Two provider-note findings and one note verified before, one finding resolved with it:
        # the note covers that one only, the other waits for a note verified for it.
        both = old_screening(
            connection,
            3,
            date(2026, 12, 15),
            {"neuromuscular_disorder": "yes", "immunosuppressive_disorder": "yes"},
            {},
        )
        resolved = decision(connection, both, nurse, "resolve", {})
        set_states(
            connection,
            both,
            "needs_review",
            {"neuromuscular_disorder": {"state": "resolved", "decision_id": resolved}},
        )
        note = verified_note(connection, both, nurse, "provider_note")
        # A pregnancy acknowledged: not eligible, before and after.
        pregnant = old_screening(connection, 4, date(2026, 12, 10), {"pregnant": "yes"}, {})
        told = decision(connection, pregnant, nurse, "acknowledge", {})
        set_states(
            connection,
            pregnant,
            "not_eligible",
            {"pregnancy": {"state": "acknowledged", "decision_id": told}},
        )

    with app.app_context():
        upgrade()
        by_id = {s.id: s for s in db.session.scalars(sa.select(Screening))}
        assert by_id[moved].status == "awaiting_recheck"
        assert by_id[moved].finding_states["cold_sore"]["state"] == "awaiting_recheck"
        assert by_id[unwell].status == "reschedule"
        assert by_id[unwell].finding_states == {}
        assert by_id[both].status == "awaiting_note"
        assert db.session.get(Note, note).covers == ["neuromuscular_disorder"]
        assert by_id[pregnant].status == "not_eligible"
        # Findings stay as the rules gave them: the contract's shape (and, since a later
        # migration, each one's message).
        kept = [{k: v for k, v in f.items() if k != "message"} for f in by_id[both].findings]
        assert kept == _findings(
            {"neuromuscular_disorder": "yes", "immunosuppressive_disorder": "yes"},
            date(2026, 12, 15),
        )
        # The person's keys, so the next questionnaire of the same person is linked.
        assert by_id[moved].last_name_key == "lopez1"
        assert by_id[moved].email_key == "ana@example.com"
        assert by_id[moved].phone_key == "9095550100"
        assert by_id[moved].date_of_birth == date(1990, 5, 17)
        changes = db.session.scalars(sa.select(StatusChange).order_by(StatusChange.id)).all()
        assert {(c.screening_id, c.status_before, c.status_after) for c in changes} == {
            (moved, "cleared", "awaiting_recheck"),
            (unwell, "cleared", "reschedule"),
            (both, "needs_review", "awaiting_note"),
        }

    # Listed for a nurse, soonest appointment first, until each is marked handled.
    nurse_client = app.test_client()
    assert sign_in(nurse_client, "nurse@example.com").status_code == 303
    page = nurse_client.get("/staff/")
    assert "Check the status changes" in page.text
    listed = nurse_client.get("/staff/status-changes").text
    order = [listed.index(f"/staff/screenings/{i}") for i in (unwell, both, moved)]
    assert order == sorted(order)
    form = listed.split('action="/staff/status-changes/', 1)[1]
    change_id = form.split("/", 1)[0]
    token = listed.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    handled = nurse_client.post(
        f"/staff/status-changes/{change_id}/handled", data={"csrf_token": token}
    )
    assert handled.status_code == 303
    with app.app_context():
        assert db.session.get(StatusChange, int(change_id)).handled_at is not None


def test_the_migration_runs_on_an_empty_database(old_app):
    with old_app.app_context():
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatusChange)) == 0
    assert old_app.test_client().get("/intake/").status_code == 200
