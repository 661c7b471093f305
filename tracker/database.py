"""Database plumbing shared by every module: UTC timestamps, SQLite connection set-up,
and a retry loop for optimistic-locking conflicts."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")


def insert_for(session):
    """``insert`` of the session's dialect, for INSERT … ON CONFLICT DO NOTHING (SQLite and
    PostgreSQL both have it, through their own dialect's construct)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def analyze(engine: Engine) -> bool:
    """Refresh the planner's statistics after a bulk load (``tracker demo``, ``tracker seed``).
    PostgreSQL's autovacuum analyses a table only some time after it grew: until then a
    query planned on a freshly filled, never-analysed table can take seconds instead of
    milliseconds. SQLite plans without statistics unless asked to keep them, so nothing is
    done there. Returns whether ANALYZE ran."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return True


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


SQLITE_BUSY_TIMEOUT_MS = 30_000


def _on_connect(dbapi_connection, connection_record):
    # Take transaction control away from the driver: by default it opens no transaction
    # before a SELECT, so concurrent read-then-write requests silently lose updates.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(conn):
    # Take the write lock up front: a deferred transaction that reads and later writes
    # fails with "database is locked" when another writer committed in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(conn):
    conn.exec_driver_sql("BEGIN")


def configure_sqlite(engine: Engine, immediate: bool = True) -> None:
    """WAL, busy timeout, foreign keys, and our own BEGIN on every connection of a SQLite
    engine (SQLAlchemy's "emit our own BEGIN" recipe). ``immediate=False`` is for a test
    harness's own reads, which must not hold the single write lock."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _begin_immediate if immediate else _begin_deferred)


SETTING_NAME = re.compile(r"^[a-z_]+$")
SETTING_VALUE = re.compile(r"^[A-Za-z0-9_.]+$")


def configure_postgresql(
    engine: Engine, settings: dict[str, str], web_statement_timeout_ms: int
) -> None:
    """``settings`` (POSTGRES_SETTINGS: ``jit = off``, ``random_page_cost = 1.1``) on every
    connection; in a web request, every transaction also gets ``SET LOCAL
    statement_timeout`` so that one bad query cannot hold a worker (the CLI, the scheduler
    and bulk loads are not limited). 0 turns the timeout off."""
    if engine.dialect.name != "postgresql":
        return
    for name, value in settings.items():
        if not (SETTING_NAME.match(name) and SETTING_VALUE.match(str(value))):
            raise ValueError(f"POSTGRES_SETTINGS: {name!r} = {value!r} is not a plain setting")

    def apply_settings(dbapi_connection, connection_record):
        with dbapi_connection.cursor() as cursor:
            for name, value in settings.items():
                cursor.execute(f"SET {name} = {value}")
        dbapi_connection.commit()  # a SET inside a transaction rolled back would not stay

    event.listen(engine, "connect", apply_settings)
    if web_statement_timeout_ms > 0:

        def limit_web_statements(conn):
            from flask import has_request_context

            if has_request_context():
                conn.exec_driver_sql(
                    f"SET LOCAL statement_timeout = {int(web_statement_timeout_ms)}"
                )

        event.listen(engine, "begin", limit_web_statements)


def run_in_transaction(session, work: Callable[[], T], attempts: int = 20) -> T:
    """Run ``work`` and commit; on a version conflict or a lock time-out start over.

    ``work`` must re-read what it changes, so a retry sees the other writer's result.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            session.commit()
            return result
        except (StaleDataError, OperationalError) as exc:
            session.rollback()
            retriable = isinstance(exc, StaleDataError) or _is_lock_error(exc)
            if not retriable or attempt == attempts:
                raise
            time.sleep(min(0.005 * 2**attempt, 0.2))
    raise AssertionError("unreachable")


def _is_lock_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "deadlock" in text or "could not serialize" in text
