"""Every file the app creates that holds patients' data is the app's alone (issue 15): the
database and its WAL and shared-memory files, backups, ``instance/`` and its config, uploads
and exports, whatever the umask."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from screening import create_app
from screening.database import init_db
from screening.extensions import db
from tests.conftest import TEST_DATABASE_URL, Clock, _config
from tests.intake.patient import csrf_token
from tests.staff.helpers import submit_screening

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The most open umask a server is likely to run with."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("open_umask")
@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's own files")
def test_every_file_the_app_creates_is_its_own(tmp_path, clock):
    instance = tmp_path / "instance"
    database = instance / "preclear.sqlite3"
    app = create_app(
        _config(
            f"sqlite:///{database}",
            clock,
            INSTANCE_PATH=str(instance),
            UPLOAD_FOLDER=str(instance / "uploads"),
        )
    )
    with app.app_context():
        init_db()
    sid, url, patient = submit_screening(app, health={"neuromuscular_disorder": "yes"})
    page = patient.get(url)
    uploaded = patient.post(
        f"{url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "note.pdf")},
    )
    assert uploaded.status_code == 303
    runner = app.test_cli_runner()
    backup = runner.invoke(args=["backup", str(tmp_path / "backup.sqlite3")])
    assert backup.exit_code == 0, backup.output
    export = runner.invoke(
        args=[
            "export",
            "--format",
            "csv",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--out",
            str(tmp_path / "export.csv"),
        ]  # fmt: skip
    )
    assert export.exit_code == 0, export.output

    created = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    created += [tmp_path / "backup.sqlite3", tmp_path / "export.csv"]
    created += [instance / "audit.key", instance / "audit.anchor"]
    created += [p for p in (instance / "uploads").iterdir()]
    assert all(path.exists() for path in created), created
    assert {str(path): oct(mode(path)) for path in created if mode(path) != 0o600} == {}
    assert oct(mode(instance)) == oct(0o700)
    assert oct(mode(instance / "uploads")) == oct(0o700)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.usefixtures("open_umask")
def test_the_instance_config_and_its_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.setenv("PRECLEAR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'instance' / 'db.sqlite3'}")
    # A production app (secure cookies) starts only with the address its patients use.
    monkeypatch.setenv("PRECLEAR_PUBLIC_URL", "https://screening.example-clinic.com")
    app = create_app()
    config = Path(app.instance_path) / "config.py"
    assert oct(mode(config)) == oct(0o600)
    assert oct(mode(Path(app.instance_path))) == oct(0o700)


@pytest.mark.usefixtures("open_umask")
@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's own files")
def test_files_left_open_by_an_earlier_version_are_narrowed(tmp_path):
    database = tmp_path / "old.sqlite3"
    for path in (database, Path(f"{database}-wal")):
        path.write_bytes(b"")
        path.chmod(0o644)
    create_app(_config(f"sqlite:///{database}", Clock(None)))
    assert oct(mode(database)) == oct(0o600)
    assert oct(mode(Path(f"{database}-wal"))) == oct(0o600)
