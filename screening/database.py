"""Database settings that SQLAlchemy leaves to us: SQLite pragmas and locking.

SQLite has one write lock for the whole database. A transaction here takes it only for its
writes: it begins with its first statement, a plain ``BEGIN`` for a read (in WAL mode readers
never wait for a writer, nor writers for readers); at its first write the reading part ends and
``BEGIN IMMEDIATE`` takes the lock, which is held until the commit. So the writes of a request
go in one short transaction at its end, and a request that only reads never waits for the lock.
(A deferred transaction upgraded in place fails with "database is locked" when another worker
wrote since its first read, whatever the busy timeout; a new ``BEGIN IMMEDIATE`` waits its turn.)

What was read before the lock is not re-read: rows that two people may change at once carry a
version counter (screenings), a unique key (a submit, a reminder) or a conditional update (an
invitation claimed), and the audit chain is extended under the lock (``audit``).

``init_db`` brings the tables up to the latest migration (``flask --app screening init-db``).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

# Keys of ``Connection.info`` for the transaction under way (SQLite only).
_BEGUN = "preclear_begun"  # its BEGIN has been sent
_WRITE_LOCK = "preclear_write_lock"  # it holds the write lock (BEGIN IMMEDIATE)
_READS = ("SELECT", "PRAGMA", "EXPLAIN", "VALUES")
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "END", "SAVEPOINT", "RELEASE")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let us emit BEGIN ourselves (below) instead of pysqlite's deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_with_the_first_statement(conn: Connection) -> None:
    # Whether the transaction needs the write lock is known only from its statements.
    if conn.dialect.name == "sqlite":
        conn.info[_BEGUN] = conn.info[_WRITE_LOCK] = False


@event.listens_for(Engine, "before_cursor_execute")
def _lock_for_writes(conn: Connection, cursor, statement: str, *args) -> None:
    if conn.dialect.name != "sqlite" or not conn.in_transaction():
        return
    first_word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    if first_word in _CONTROL:
        return
    if first_word in _READS:
        if not conn.info.get(_BEGUN):
            _send(conn, "BEGIN")
            conn.info[_BEGUN] = True
        return
    take_write_lock(conn)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_over(conn: Connection) -> None:
    conn.info.pop(_BEGUN, None)
    conn.info.pop(_WRITE_LOCK, None)


def take_write_lock(conn: Connection) -> None:
    """Hold SQLite's write lock from now to the end of the transaction (nothing elsewhere).

    What the transaction read so far is committed first: it needs no lock, and a read
    transaction cannot take the lock safely (see the module's docstring).
    """
    if conn.dialect.name != "sqlite" or conn.info.get(_WRITE_LOCK):
        return
    if conn.info.get(_BEGUN):
        _send(conn, "COMMIT")
    _send(conn, "BEGIN IMMEDIATE")
    conn.info[_BEGUN] = conn.info[_WRITE_LOCK] = True


def refresh_locked(session: Session, instance: object, attributes: list[str]) -> None:
    """Read ``attributes`` of ``instance`` again under a lock (SQLite's write lock, a row lock
    elsewhere), for a read-modify-write that two requests may do at once."""
    take_write_lock(session.connection())
    session.refresh(instance, attributes, with_for_update=True)


def holds_write_lock(conn: Connection) -> bool:
    """Whether this connection holds SQLite's write lock now."""
    return bool(conn.info.get(_WRITE_LOCK)) and conn.in_transaction()


def session_holds_write_lock(session: Session) -> bool:
    """Whether the session's transaction holds SQLite's write lock now."""
    return session.in_transaction() and holds_write_lock(session.connection())


def _send(conn: Connection, statement: str) -> None:
    # Straight to the driver: SQLAlchemy's transaction is already under way (it never sends
    # BEGIN itself, see ``_configure_sqlite``), and these statements only mark where SQLite's
    # own begins and ends.
    try:
        conn.connection.dbapi_connection.execute(statement).close()
    except sqlite3.Error as error:
        # As SQLAlchemy would raise it ("database is locked" on BEGIN IMMEDIATE, say).
        raise DBAPIError.instance(statement, None, error, sqlite3.Error) from error


def sqlite_uri(path: str) -> str:
    """The SQLAlchemy URI of an SQLite file."""
    return f"sqlite:///{path}"


def init_db() -> None:
    """Bring the database up to the latest migration (safe to run again)."""
    from flask_migrate import upgrade  # Alembic loads only when migrating

    upgrade()
