"""Database settings that SQLAlchemy leaves to us: SQLite pragmas and locking."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

# Execution option of a transaction that only reads (see ``begin_without_write_lock``).
WITHOUT_WRITE_LOCK = "preclear_without_write_lock"


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_immediate(conn: Connection) -> None:
    # A deferred transaction that reads and then writes fails with "database is locked" when
    # another worker wrote in between, whatever the busy timeout; taking the write lock at
    # BEGIN makes concurrent writers wait their turn instead.
    if conn.dialect.name != "sqlite":
        return
    if conn.get_execution_options().get(WITHOUT_WRITE_LOCK):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def begin_without_write_lock(session: Session) -> None:
    """Begin the session's next transaction without taking SQLite's write lock.

    For a request that reads, works, and only then writes: every SQLite transaction otherwise
    holds the one write lock from its first statement, so such a request keeps every other
    worker waiting while it works. The reading transaction must end (commit) before the first
    write, which then begins a transaction of its own, with the lock. Does nothing when a
    transaction is already under way, or on another database.
    """
    if not session.in_transaction():
        session.connection(execution_options={WITHOUT_WRITE_LOCK: True})


def sqlite_uri(path: str) -> str:
    """The SQLAlchemy URI of an SQLite file."""
    return f"sqlite:///{path}"
