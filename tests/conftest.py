"""Fixtures shared by the whole suite: ``app``, ``client``, ``runner``, and a controllable clock.

Each test gets its own database: a copy of an SQLite file migrated once per session, or, with
``TEST_DATABASE_URL`` set, the PostgreSQL database migrated once and emptied after each test.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from screening import create_app
from screening.auth import passwords
from screening.database import init_db
from screening.extensions import db
from tests.checking_client import CheckingClient
from tests.mail_sink import MailSink, free_port

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def _config(database_url: str, clock: Clock, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "CLOCK": clock,
        "SERVER_NAME": "clinic.test",
        "RATELIMIT_ENABLED": False,
        **extra,
    }


@pytest.fixture(autouse=True)
def own_instance_folder(tmp_path, monkeypatch):
    """Each test's apps keep their instance folder (the audit key and anchor among its files)
    in the test's own folder, never the project's ``instance/``; apps a test builds again
    share it."""
    monkeypatch.setenv("PRECLEAR_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A database at the latest migration, made once per test session."""
    instance = str(tmp_path_factory.mktemp("instance"))
    if TEST_DATABASE_URL:
        # Emptied before the app is built (audit rows left by an interrupted run, with no key
        # in this new instance folder, would stop it from starting), tables of other branches'
        # migrations included.
        engine = create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        app = create_app(
            _config(TEST_DATABASE_URL, Clock(datetime.now(UTC)), INSTANCE_PATH=instance)
        )
        with app.app_context():
            init_db()
        return TEST_DATABASE_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app(
        _config(f"sqlite:///{template}", Clock(datetime.now(UTC)), INSTANCE_PATH=instance)
    )
    with app.app_context():
        init_db()
        db.engine.dispose()
    return template


@contextmanager
def database_of_its_own(tmp_path, name: str):
    """The URL of an empty database of its own, for a test that migrates one step by step: an
    SQLite file in ``tmp_path``, or with ``TEST_DATABASE_URL`` a PostgreSQL database ``name``,
    dropped afterwards."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return
    url = sa.engine.make_url(TEST_DATABASE_URL)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


@pytest.fixture
def clock():
    """Noon in Los Angeles on 1 December 2026 (20:00 UTC)."""
    return Clock(datetime(2026, 12, 1, 20, 0, tzinfo=UTC))


@pytest.fixture
def database_url(migrated_database, tmp_path):
    if TEST_DATABASE_URL:
        yield TEST_DATABASE_URL
        return
    copy = tmp_path / "preclear.sqlite3"
    shutil.copyfile(migrated_database, copy)
    yield f"sqlite:///{copy}"


@pytest.fixture
def make_app(database_url, clock, tmp_path):
    """Build an app on this test's database; call it again to simulate a restart."""
    apps = []

    def make(**extra):
        extra.setdefault("UPLOAD_FOLDER", str(tmp_path / "uploads"))
        app = create_app(_config(database_url, clock, **extra))
        app.test_client_class = CheckingClient
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            if TEST_DATABASE_URL and app is apps[-1]:
                tables = ", ".join(t.name for t in db.metadata.sorted_tables)
                db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                db.session.commit()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def light_password_hashing(monkeypatch):
    """Where signing in is not under test, a light argon2 keeps the tests fast."""
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", light)
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def limits_clock(clock, monkeypatch):
    """The sign-in throttles' windows follow the test clock (the ``limits`` memory storage and
    ``screening.auth.throttle`` read ``time.time``): ``clock.advance`` moves them on."""
    import limits.storage.memory

    from screening.auth import throttle

    follows = SimpleNamespace(time=lambda: clock.now.timestamp())
    monkeypatch.setattr(limits.storage.memory, "time", follows)
    monkeypatch.setattr(throttle, "time", follows)
    return clock


@pytest.fixture
def mail():
    """A local SMTP server; its ``messages`` are what the app sent."""
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture
def mail_app(make_app, mail):
    """An app that sends its email to the local ``mail`` server."""
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.port)
