"""Online backups of the SQLite database, taken while the app keeps serving.

SQLite's backup API copies the pages from a consistent snapshot: in WAL mode writers go on while
it reads, and a half-written file is never left under the target name. A file copy of a live
database can catch it mid-transaction, so it is never used.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .private_files import private_file


class BackupRefused(Exception):
    """The backup cannot be taken; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    """What was written: the file, its SHA-256 and the row count of every table."""

    path: Path
    sha256: str
    row_counts: dict[str, int]


def backup_sqlite(source: Path, target: Path) -> BackupReport:
    """Copy the live database at ``source`` to ``target`` and check the copy.

    Raises ``BackupRefused`` when ``target`` exists or the copy fails its integrity check.
    """
    if target.exists():
        raise BackupRefused(f"{target} already exists: choose a new file name")
    if not source.exists():
        raise BackupRefused(f"There is no database at {source}")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    private_file(partial)  # 0600 before a byte is written: the copy holds every patient's data
    live = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        # One step: a single read transaction gives a consistent snapshot. Copying in several
        # steps would restart whenever another connection writes, and under load never finish.
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        status = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupRefused(f"The copy failed its integrity check: {status}")
        counts = table_row_counts(copy)
    finally:
        copy.close()
        live.close()
    os.replace(partial, target)
    return BackupReport(target, file_sha256(target), counts)


def table_row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows in every table of an SQLite database, by table name."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {}
    for name in names:
        # Table names come from the database's own catalogue, quoted: no user input.
        query = f'SELECT count(*) FROM "{name}"'  # noqa: S608  # nosec B608
        counts[name] = connection.execute(query).fetchone()[0]
    return counts


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
