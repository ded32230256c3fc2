"""Files and folders that hold patients' data are the app's alone: 0600 and 0700, whatever
the umask of the process that creates them (the database, its WAL and shared-memory files,
backups, ``instance/``, uploads and exports)."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """``path`` as a folder only its owner can open, created when missing."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(path, FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only its owner can read: created empty (0600) when missing, its mode
    narrowed when it exists more open. Created with the mode at once, never opened wider first."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, FILE_MODE)
    else:
        os.close(descriptor)
    return path


def private_sqlite(database: Path) -> None:
    """The SQLite file made private before SQLite opens it: SQLite creates the WAL and
    shared-memory files beside it with the database file's own mode. Files left more open by
    an earlier version are narrowed."""
    private_file(database)
    for suffix in ("-wal", "-shm"):
        companion = database.with_name(database.name + suffix)
        if companion.exists() and companion.stat().st_mode & 0o077:
            os.chmod(companion, FILE_MODE)
