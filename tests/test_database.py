"""The database: migrations, connection settings, UTC datetimes, configuration and locking."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from screening import create_app
from screening.config import PLACEHOLDER_SECRET_KEY
from screening.extensions import db
from screening.models import Draft, Screening
from tests.intake.patient import Patient


def test_init_db_is_idempotent(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "Database is up to date." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
        version = db.session.execute(text("SELECT version_num FROM alembic_version")).all()
        assert len(version) == 1


def test_connection_settings(app):
    with app.app_context(), db.engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":

            def pragma(name: str):
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 2  # FULL
            assert pragma("busy_timeout") > 0
        else:
            assert dialect == "postgresql"
            assert connection.dialect.driver == "psycopg"


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_screening_datetimes_are_stored_in_utc_and_read_back_aware(make_app, clock):
    # The clock in the clinic's zone: noon in Los Angeles is 20:00 UTC.
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    app = make_app()
    assert Patient(app.test_client()).complete().status_code == 303

    expected = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    with make_app().app_context():  # a fresh app: nothing cached from the request
        screening = db.session.scalars(select(Screening)).one()
        for value in (
            screening.submitted_at,
            screening.updated_at,
            screening.consent_signed_at,
            screening.draft.created_at,
        ):
            assert value.tzinfo is not None
            assert value.utcoffset().total_seconds() == 0
            assert value == expected
        raw = db.session.execute(text("SELECT submitted_at FROM screenings")).scalar()
        if isinstance(raw, str):  # SQLite keeps text
            assert raw.startswith("2026-12-01 20:00:00")
        else:
            assert raw == datetime(2026, 12, 1, 20, 0)


def _app_with(**config):
    return create_app({"TESTING": True, "SECRET_KEY": "k", **config})


def test_database_url_in_config_chooses_the_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/from-environment.sqlite3")
    app = _app_with(DATABASE_URL="postgresql://clinic@db.example/preclear")
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://clinic@db.example/preclear"
    )


@pytest.mark.parametrize(
    ("url", "uri"),
    [
        (
            "postgresql://clinic@db.example/preclear",
            "postgresql+psycopg://clinic@db.example/preclear",
        ),
        (
            "postgres://clinic@db.example/preclear",
            "postgresql+psycopg://clinic@db.example/preclear",
        ),
        ("sqlite:////tmp/elsewhere.sqlite3", "sqlite:////tmp/elsewhere.sqlite3"),
    ],
)
def test_database_url_in_environment_chooses_the_database(monkeypatch, url, uri):
    monkeypatch.setenv("DATABASE_URL", url)
    assert _app_with().config["SQLALCHEMY_DATABASE_URI"] == uri


def test_without_database_url_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = _app_with()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///")
    assert uri.endswith("/instance/preclear.sqlite3")


@pytest.mark.parametrize("key", [None, "", PLACEHOLDER_SECRET_KEY])
def test_refuses_a_missing_or_placeholder_secret_key_outside_testing(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"TESTING": False, "SECRET_KEY": key})


def test_refuses_when_no_secret_key_is_configured_at_all(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"TESTING": False})


def test_accepts_a_real_secret_key_outside_testing(database_url):
    app = create_app(
        {
            "SECRET_KEY": "a-real-secret-" * 3,
            "DATABASE_URL": database_url,
            "PUBLIC_URL": "https://screening.example-clinic.com",
        }
    )
    assert app.testing is False
    with app.app_context():
        db.engine.dispose()


def test_concurrent_writers_never_see_database_is_locked(app, caplog):
    caplog.set_level(logging.ERROR)
    threads_count, starts = 4, 20
    barrier = threading.Barrier(threads_count)
    statuses: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def patient_starts() -> None:
        patient = Patient(app.test_client())
        try:
            barrier.wait(timeout=10)
            for _ in range(starts):
                response = patient.start()
                with lock:
                    statuses.append(response.status_code)
        except BaseException as error:  # noqa: BLE001  (reported by the assertion below)
            with lock:
                failures.append(error)

    threads = [threading.Thread(target=patient_starts) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    assert statuses == [303] * (threads_count * starts)
    assert "database is locked" not in caplog.text
    with app.app_context():
        drafts = db.session.scalar(select(func.count()).select_from(Draft))
    assert drafts == threads_count * starts
