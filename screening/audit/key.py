"""The audit trail's key, kept outside the database.

Each audit row's MAC is an HMAC-SHA256 under this key, so no one can add, alter or re-chain
rows that verify without it, whatever they can do to the database. It lives in
``instance/audit.key`` (``AUDIT_KEY_FILE``), 0600, and is not in database backups: keep a copy
apart from them (README, "The audit trail's key and anchor").

The file is one line of JSON: the key (hex), and where the trail's keyed rows begin. A trail
written before keys existed is adopted once by ``flask audit adopt-key``: its rows verify as
plain SHA-256 up to ``legacy_rows`` (the last one's hash is ``legacy_head``), every later row
by its MAC. The boundary is in this file, not in the database, so rows after it cannot be
passed off as unkeyed ones.

At start (``install``) the key is read; on the first start, with no audit rows yet, it is made.
With rows and no key the app refuses to start rather than make a new key that would pass a
rewritten trail: gunicorn's workers exit with the message. On the command line the app is
built without the key, so that ``flask audit verify`` and ``flask audit adopt-key`` can run;
nothing can be audited then and every request is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..models import AuditEvent
from ..private_files import private_file
from .anchor import GENESIS_MAC, Anchor, Head, write_head

KEY_FILE_NAME = "audit.key"
EXTENSION = "preclear_audit"


class AuditKeyMissing(RuntimeError):
    """Audit rows exist but the key they were written with is not there."""


@dataclass(frozen=True)
class AuditKey:
    """The key, and how many rows of the trail came before it (with the last one's hash)."""

    secret: bytes = field(repr=False)
    legacy_rows: int = 0
    legacy_head: str = GENESIS_MAC

    @property
    def key_id(self) -> str:
        """A name for the key that does not reveal it (recorded in each anchored head)."""
        return hashlib.sha256(b"preclear audit key id\0" + self.secret).hexdigest()[:16]


@dataclass
class AuditTrail:
    """The app's audit key and anchor (``app.extensions["preclear_audit"]``)."""

    key_path: Path
    anchor: Anchor
    key: AuditKey | None = None
    missing: str | None = None  # why there is no key, when audit rows exist without one


def audit_trail(app: Flask | None = None) -> AuditTrail:
    """The app's audit key and anchor."""
    return (app or current_app).extensions[EXTENSION]


def install(app: Flask) -> None:
    """Read the audit key, or make it on the first start; refuse to start without it when
    audit rows exist (``AuditKeyMissing``), except on the command line (see the module)."""
    trail = AuditTrail(
        Path(app.config.get("AUDIT_KEY_FILE") or Path(app.instance_path) / KEY_FILE_NAME),
        Anchor.from_setting(app.config.get("AUDIT_ANCHOR"), app.instance_path),
    )
    app.extensions[EXTENSION] = trail
    try:
        with app.app_context():
            ensure_key(trail)
    except OperationalError:
        pass  # the database cannot be reached now: checked again at the first request
    except AuditKeyMissing as missing:
        if click.get_current_context(silent=True) is None:
            raise
        trail.missing = str(missing)
    app.before_request(_refuse_without_key)


def _refuse_without_key() -> None:
    trail = audit_trail()
    if trail.key is None:
        ensure_key(trail)


def ensure_key(trail: AuditTrail) -> AuditKey:
    """The trail's key: read, or made when the trail has no rows; ``AuditKeyMissing`` when
    it has rows and no key."""
    if trail.key is not None:
        return trail.key
    if trail.missing is not None:
        raise AuditKeyMissing(trail.missing)
    if trail.key_path.exists():
        trail.key = read_key(trail.key_path)
        return trail.key
    rows = _audit_rows_exist()
    if rows:
        raise AuditKeyMissing(
            f"The audit key {trail.key_path} is missing, and the audit trail has rows: "
            "restore the key file from where it is kept (README, 'The audit trail's key and "
            "anchor'). The app does not make a new key for an existing trail. If this trail "
            "was written before audit keys (an upgrade), run once: "
            "flask --app screening audit adopt-key"
        )
    trail.key = create_key(trail.key_path)
    if trail.anchor.path is not None:
        # A new trail starts at no rows; an anchor left from an earlier trail is kept (its
        # rows are gone, which verify reports).
        write_head(trail.anchor.path, Head(0, 0, GENESIS_MAC, trail.key.key_id), replace=False)
    return trail.key


def _audit_rows_exist() -> bool:
    if not inspect(db.engine).has_table(AuditEvent.__tablename__):
        return False  # before the first migration
    with db.engine.connect() as connection:
        return connection.execute(select(AuditEvent.id).limit(1)).first() is not None


def read_key(path: Path) -> AuditKey:
    """The key in ``path``; ``AuditKeyMissing`` when the file is not a key file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = AuditKey(
            bytes.fromhex(data["key"]), int(data["legacy_rows"]), str(data["legacy_head"])
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AuditKeyMissing(f"The audit key {path} cannot be read: {error}") from None
    if len(key.secret) < 32:
        raise AuditKeyMissing(f"The audit key {path} is too short")
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return key


def create_key(path: Path, legacy_rows: int = 0, legacy_head: str = GENESIS_MAC) -> AuditKey:
    """Make a new random key in ``path`` (0600), unless another process just did: then that
    one is returned. Never replaces a key file."""
    key = AuditKey(secrets.token_bytes(32), legacy_rows, legacy_head)
    content = json.dumps(
        {
            "key": key.secret.hex(),
            "legacy_rows": legacy_rows,
            "legacy_head": legacy_head,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    partial = private_file(path.with_name(f".{path.name}.{os.getpid()}.partial"))
    try:
        partial.write_text(content + "\n", encoding="utf-8")
        os.link(partial, path)  # fails when the file exists: a key is never replaced
    except FileExistsError:
        return read_key(path)
    finally:
        partial.unlink(missing_ok=True)
    return key
