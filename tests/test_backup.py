"""``flask backup``: an online SQLite backup that a restore proves complete, also under load.

These tests always run on SQLite files of their own (the backup command is for SQLite); on
PostgreSQL the command refuses and names pg_dump.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from screening import create_app
from screening.audit.key import audit_trail, create_key
from screening.database import init_db
from screening.extensions import db
from screening.models import Screening
from screening.private_files import private_folder
from tests.conftest import _config
from tests.staff.helpers import copy_screenings, submit_screening


@pytest.fixture
def sqlite_app(tmp_path, clock):
    """An app on a migrated SQLite file of its own, whatever database the suite runs on."""
    path = tmp_path / "live.sqlite3"
    app = create_app(_config(f"sqlite:///{path}", clock, UPLOAD_FOLDER=str(tmp_path / "up")))
    with app.app_context():
        init_db()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def table_checksums(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and a SHA-256 of every row, in primary-key order, for each table."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        sums = {}
        for table in sorted(tables):
            digest = hashlib.sha256()
            rows = connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()  # noqa: S608
            for row in rows:
                digest.update(repr(row).encode())
            sums[table] = (len(rows), digest.hexdigest())
        return sums
    finally:
        connection.close()


def test_backup_then_restore_gives_the_same_rows(sqlite_app, tmp_path):
    template_id, _, _ = submit_screening(sqlite_app)
    copy_screenings(sqlite_app, template_id, [{} for _ in range(40)])
    target = tmp_path / "backup.sqlite3"

    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])

    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output
    assert "screenings: 41 rows" in result.output
    live = Path(sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    copied, now = table_checksums(target), table_checksums(live)
    # The backup's own audit row is written once the copy is made.
    assert copied.pop("audit_events")[0] == now.pop("audit_events")[0] - 1
    assert copied == now
    sha = hashlib.sha256(target.read_bytes()).hexdigest()
    assert sha in result.output
    # The audit key is kept apart from backups: nothing of it is in the copy.
    with sqlite_app.app_context():
        secret = audit_trail().key.secret
    assert secret.hex().encode() not in target.read_bytes() and secret not in target.read_bytes()
    assert "audit key" in result.output

    restored = create_app(_config(f"sqlite:///{target}", sqlite_app.config["CLOCK"]))
    with restored.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 41
        db.engine.dispose()
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_never_overwrites_a_file(sqlite_app, tmp_path):
    target = tmp_path / "exists.sqlite3"
    target.write_bytes(b"keep me")
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert target.read_bytes() == b"keep me"


def test_backup_under_load_is_consistent_and_loses_nothing_written_before(sqlite_app, tmp_path):
    template_id, _, _ = submit_screening(sqlite_app)
    stop = threading.Event()
    written = []

    def keep_writing():
        while not stop.is_set():
            written.extend(copy_screenings(sqlite_app, template_id, [{} for _ in range(5)]))

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 50:
            stop.wait(0.01)
        before = 1 + len(written)
        target = tmp_path / "under-load.sqlite3"
        result = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    backed_up = copy.execute("SELECT count(*) FROM screenings").fetchone()[0]
    copy.close()
    assert before <= backed_up <= 1 + len(written)


def test_backup_refuses_postgresql_and_names_pg_dump(clock, tmp_path):
    # The command reads only the database URL: no PostgreSQL connection is made (nor at start:
    # with the audit key there, the app does not look for audit rows).
    create_key(private_folder(tmp_path / "instance") / "audit.key")
    app = create_app(_config("postgresql://postgres@127.0.0.1:5432/test", clock))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.sqlite3")])
    assert result.exit_code == 2
    assert "pg_dump" in result.output
    assert not (tmp_path / "x.sqlite3").exists()
