"""Bulk writes for the demo workload: explicit ids and one executemany per table.

Rows are written with bulk Core inserts, never ORM objects, and the ids are assigned here
from each table's current maximum, so a task is linked to its coordinating units, reports
and extensions without reading anything back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from ..models import (
    Directive,
    DueDateChange,
    ExtensionRequest,
    ProgressReport,
    Task,
    TaskStateChange,
    task_coordinating_unit,
)


class Ids:
    """Hands out explicit primary keys, continuing after each table's current maximum."""

    def __init__(self, session: Session):
        self.session = session
        self.next: dict[str, int] = {}

    def first(self, table: Table) -> int:
        return (self.session.scalar(select(func.max(table.c.id))) or 0) + 1

    def take(self, table: Table) -> int:
        if table.name not in self.next:
            self.next[table.name] = self.first(table)
        value = self.next[table.name]
        self.next[table.name] = value + 1
        return value


class BatchWriter:
    """Collects rows per table and writes them with one executemany per table, parents
    before children so foreign keys hold at every statement."""

    ORDER: tuple[Table, ...] = (
        Directive.__table__,
        Task.__table__,
        task_coordinating_unit,
        ProgressReport.__table__,
        ExtensionRequest.__table__,
        DueDateChange.__table__,
        TaskStateChange.__table__,
    )

    def __init__(self, session: Session, progress: Callable[[int], None] | None):
        self.session = session
        self.progress = progress
        self.rows: dict[Table, list[dict[str, Any]]] = {table: [] for table in self.ORDER}
        self.pending_tasks = 0

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.rows[table].append(row)
        if table is Task.__table__:
            self.pending_tasks += 1

    def flush(self) -> None:
        for table in self.ORDER:
            if self.rows[table]:
                self.session.execute(insert(table), self.rows[table])
                self.rows[table] = []
        if self.progress and self.pending_tasks:
            self.progress(self.pending_tasks)
        self.pending_tasks = 0


def advance_sequences(session: Session, tables: Sequence[Table]) -> None:
    """PostgreSQL: move each id sequence past the ids given explicitly here, or the next
    ORM insert (e.g. the CLI's sign-in accounts) would collide. SQLite needs nothing."""
    if session.connection().dialect.name != "postgresql":
        return
    quote = session.connection().dialect.identifier_preparer.quote
    for table in tables:
        if "id" not in table.c:  # the association table has no sequence
            continue
        top = session.scalar(select(func.max(table.c.id)))
        if top is None:
            continue
        # GREATEST: never move a sequence backwards past values another session took.
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                "GREATEST(:top, nextval(pg_get_serial_sequence(:t, 'id'))))"
            ),
            {"t": quote(table.name), "top": top},
        )
