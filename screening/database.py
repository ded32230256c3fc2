"""Database settings that SQLAlchemy leaves to us: SQLite pragmas and locking."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


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
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_uri(path: str) -> str:
    """The SQLAlchemy URI of an SQLite file."""
    return f"sqlite:///{path}"
