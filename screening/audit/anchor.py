"""The audit chain's head, kept outside the database: its row count, last row id and last MAC.

After each commit that added audit rows the head moves forward (``advance``), so that removing
the last rows of the trail, or all of them, is noticed: the chain alone cannot show a missing
end. Where it goes is ``AUDIT_ANCHOR``: a file (``instance/audit.anchor`` unless set), and/or
``syslog:`` (the local syslog, or ``syslog:HOST:PORT`` over UDP) to send each head elsewhere.

The file is one line of JSON (``{"rows": 25, "last_id": 25, "mac": "...", "key_id": "...",
"at": "..."}``), rewritten in place under ``fcntl.flock``. It only ever moves forward, and only
along the chain: a head is written when it comes after the anchored one (more rows, and the
anchored row is still there, unchanged); an older head (two workers committing at once, in the
other order) never overwrites a newer one. It is written after the commit, outside any
transaction, and is not synced: a crash before it is written leaves the newest rows "not yet
anchored", which ``flask audit verify`` reports as such (they are anchored by the next commit).
"""

from __future__ import annotations

import fcntl
import json
import logging
import logging.handlers
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from ..private_files import FILE_MODE

ANCHOR_FILE_NAME = "audit.anchor"
GENESIS_MAC = "0" * 64
SYSLOG = "syslog:"
_RECORD_SIZE = 256  # the file is rewritten in place with one fixed-size write
_log = logging.getLogger(__name__)
# The anchored row and the rows since: checked only when heads arrive out of order.
_SINCE = text(
    "SELECT (SELECT row_hash FROM audit_events WHERE id = :anchored), count(*) "
    "FROM audit_events WHERE id > :anchored AND id <= :last"
)


@dataclass(frozen=True)
class Head:
    """The end of the chain: how many rows, and the last row's id and MAC."""

    rows: int
    last_id: int
    mac: str
    key_id: str = ""

    def as_line(self) -> str:
        """The head as one line of JSON, with the time it was written."""
        return json.dumps(
            {
                "rows": self.rows if self.rows >= 0 else None,
                "last_id": self.last_id,
                "mac": self.mac,
                "key_id": self.key_id,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
            separators=(", ", ": "),
        )

    @classmethod
    def from_line(cls, line: str) -> Head:
        """Read a head written by ``as_line``; ``ValueError`` when it is not one."""
        try:
            data = json.loads(line)
            head = cls(int(data["rows"]), int(data["last_id"]), str(data["mac"]), data["key_id"])
        except (TypeError, KeyError, json.JSONDecodeError) as error:
            raise ValueError(f"not an audit anchor: {error}") from None
        if head.rows < 0 or head.last_id < 0 or len(head.mac) != 64:
            raise ValueError("not an audit anchor")
        return head


@dataclass(frozen=True)
class Appended:
    """What one transaction appended to the chain: the MAC its first row follows, how many
    rows, and its last row's id and MAC."""

    previous_mac: str
    rows: int
    last_id: int
    last_mac: str


@dataclass(frozen=True)
class Anchor:
    """Where heads go (``AUDIT_ANCHOR``): a file, a syslog address, or both."""

    path: Path | None
    syslog: str | tuple[str, int] | None

    @classmethod
    def from_setting(cls, setting: str | list | tuple | None, instance_path: str) -> Anchor:
        """``None``: ``instance/audit.anchor``. Otherwise a path, ``syslog:`` (the local
        syslog), ``syslog:HOST:PORT``, or a list of a path and a syslog entry."""
        entries = [setting] if isinstance(setting, str) or setting is None else list(setting)
        path = syslog = None
        for entry in entries:
            if entry is None:
                path = Path(instance_path) / ANCHOR_FILE_NAME
            elif str(entry).startswith(SYSLOG):
                address = str(entry).removeprefix(SYSLOG)
                host, _, port = address.rpartition(":")
                syslog = (host, int(port)) if host and port.isdigit() else (address or "/dev/log")
            else:
                path = Path(entry)
        return cls(path, syslog)

    def describe(self) -> str:
        """Where heads go, for messages."""
        places = [str(self.path)] if self.path else []
        if self.syslog:
            places.append(f"syslog ({self.syslog})")
        return " and ".join(places)


def advance(anchor: Anchor, appended: Appended, key_id: str, engine: Engine) -> Head | None:
    """Move the anchored head forward past ``appended`` (just committed); returns the head
    written, or ``None`` when it stays (an older head, or a break in the chain, logged).

    Never raises: the rows are committed whatever happens here.
    """
    try:
        if anchor.path is None:
            # Sent only: its row count is not known without a count of the table.
            head = Head(-1, appended.last_id, appended.last_mac, key_id)
        else:
            head = _advance_file(anchor.path, appended, key_id, engine)
        if head is not None and anchor.syslog:
            _send_to_syslog(anchor.syslog, head)
        return head
    except FileNotFoundError:
        _log.error("The audit anchor %s is missing: run flask audit verify", anchor.path)
    except Exception:
        _log.exception("The audit trail's head could not be anchored")
    return None


def _advance_file(path: Path, appended: Appended, key_id: str, engine: Engine) -> Head | None:
    for _ in range(3):
        with _locked(path) as descriptor:
            current = _read(descriptor, path)
            if current is None or appended.last_id <= current.last_id:
                return None  # unreadable (logged), or older than what is anchored
            if appended.previous_mac == current.mac:
                # The common case: these rows follow the anchored head straight on.
                rows = current.rows + appended.rows
                return _write(descriptor, Head(rows, appended.last_id, appended.last_mac, key_id))
        # Rows committed by others lie between (their heads are still to come, or were lost
        # in a crash): the database says whether the anchored row is still there, unchanged,
        # and how many rows came since. Read without holding the file lock.
        since = _rows_since(engine, current, appended.last_id)
        if since is None:
            _log.error(
                "The audit trail's anchored row %s is missing or changed: the anchor stays "
                "at %s rows; run flask audit verify",
                current.last_id,
                current.rows,
            )
            return None
        with _locked(path) as descriptor:
            if _read(descriptor, path) == current:
                head = Head(current.rows + since, appended.last_id, appended.last_mac, key_id)
                return _write(descriptor, head)
        # Someone moved it meanwhile: look again.
    return None


def _rows_since(engine: Engine, anchored: Head, last_id: int) -> int | None:
    with engine.connect() as connection:
        mac, count = connection.execute(
            _SINCE, {"anchored": anchored.last_id, "last": last_id}
        ).one()
    if anchored.last_id and mac != anchored.mac:
        return None
    return count


def read_head(path: Path) -> Head | None:
    """The head anchored in the file at ``path``; ``None`` when there is no file.
    ``ValueError`` when it holds something else."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        return Head.from_line(handle.read(4096).decode().strip())


def write_head(path: Path, head: Head, replace: bool) -> bool:
    """Anchor ``head`` in a new file at ``path`` (0600); with ``replace``, overwrite what is
    there whatever it holds (``flask audit reanchor``). Returns whether it was written."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, FILE_MODE)
    except FileExistsError:
        if not replace:
            return False
        descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        _write(descriptor, head)
    finally:
        os.close(descriptor)
    return True


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    # Never created here: a missing anchor is reported by verify, not silently started again.
    # A bare descriptor: this runs after every audited commit, and a file object's own system
    # calls (fstat, ioctl, lseek) took longer than the write (the submit benchmark's goal).
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield descriptor
    finally:
        os.close(descriptor)


def _read(descriptor: int, path: Path) -> Head | None:
    try:
        return Head.from_line(os.pread(descriptor, 4096, 0).decode().strip())
    except (ValueError, UnicodeDecodeError):
        _log.error("The audit anchor %s is unreadable: run flask audit verify", path)
        return None


def _write(descriptor: int, head: Head) -> Head:
    line = head.as_line().encode()
    record = line.ljust(_RECORD_SIZE - 1) + b"\n" if len(line) < _RECORD_SIZE else line + b"\n"
    os.pwrite(descriptor, record, 0)
    os.ftruncate(descriptor, len(record))
    return head


_syslog_loggers: dict[object, logging.Logger] = {}


def _send_to_syslog(address: str | tuple[str, int], head: Head) -> None:
    logger = _syslog_loggers.get(address)
    if logger is None:
        logger = logging.getLogger(f"{__name__}.syslog.{len(_syslog_loggers)}")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        handler = logging.handlers.SysLogHandler(
            address=address, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV
        )
        handler.setFormatter(logging.Formatter("preclear-audit: %(message)s"))
        logger.addHandler(handler)
        _syslog_loggers[address] = logger
    logger.info("head %s", head.as_line())
