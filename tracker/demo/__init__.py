"""A reproducible synthetic workload for demos and load tests (``tracker demo``).

Everything comes from ``random.Random(seed)`` and the ``today`` passed in, so the same
arguments give the same units, people, directives and tasks. A unit the seed has too
(Sở TT&TT, Sở Tài chính, the Office…) is the seeded unit, under its code; a unit only the
demo has gets a code prefixed ``DEMO_``; no unit is created whose name or short name an
existing unit already has. People get ``@tracker.local`` addresses. Units and people
already in the database are reused rather than duplicated, so the generator may run on a
seeded database, or twice; an inactive unit (merged, dissolved) gets no demo work.

The modules: ``reference`` (texts), ``units``, ``people``, ``clock`` (dates and moments),
``workload`` (directives, tasks, reports, extensions) with ``outcomes`` (where a task
stands), ``writer`` (bulk inserts with explicit ids), ``accounts`` (work for the demo
sign-ins). Nothing is committed: the caller commits, so a load is all or nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calendar import load_calendar
from ..models import Directive, Unit, User
from .accounts import give_work_to
from .clock import Clock
from .people import insert_people
from .reference import SYMBOL_TAG
from .units import CODE_PREFIX, OFFICE, insert_units, unit_specs
from .workload import DemoUnit, WorkloadBuilder
from .writer import BatchWriter, Ids, advance_sequences

__all__ = ["CODE_PREFIX", "DemoSummary", "generate", "give_work_to", "is_loaded"]

BATCH_TASKS = 5000  # tasks per executemany batch (children follow in the same flush)


@dataclass
class DemoSummary:
    """What one ``generate`` call added (units and users already present are not counted)."""

    units: int = 0
    users: int = 0
    directives: int = 0
    tasks: int = 0
    reports: int = 0
    extensions: int = 0

    def __str__(self) -> str:
        return (
            f"{self.tasks} tasks in {self.directives} directives, {self.reports} progress "
            f"reports, {self.extensions} extensions, {self.units} new units, "
            f"{self.users} new users"
        )


def is_loaded(session: Session) -> bool:
    """True if demo work is present: a directive with a demo symbol (the demo's units may
    be the seeded ones, so a unit says nothing)."""
    query = (
        select(Directive.id).where(Directive.symbol.contains(SYMBOL_TAG, autoescape=True)).limit(1)
    )
    return session.scalar(query) is not None


def generate(
    session: Session,
    *,
    tasks: int = 2000,
    units: int = 40,
    seed: int = 2021,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Add ``tasks`` tasks spread over ``units`` units (one of them the Office) and the
    directives, people, reports and extensions that go with them. A unit that exists but
    is inactive is left out, so the work may be spread over fewer. Does not commit."""
    if tasks < 0 or units < 2:
        raise ValueError("need tasks >= 0 and units >= 2 (the Office and one other)")
    rng = random.Random(seed)
    summary = DemoSummary()
    clock = Clock(today, rng)

    specs = unit_specs(units - 1)
    unit_ids, summary.units = insert_units(session, [OFFICE, *specs], clock)
    people, summary.users = insert_people(session, rng, specs, unit_ids, clock)
    demo_units = [
        DemoUnit(spec, unit_ids[spec.code], people.heads[spec.code], people.staff[spec.code])
        for spec in specs
        if spec.code in unit_ids
    ]
    if tasks and not demo_units:
        raise ValueError("no active unit to give the demo tasks to")

    writer = BatchWriter(session, progress)
    builder = WorkloadBuilder(
        rng=rng,
        clock=clock,
        calendar=load_calendar(session),
        people=people,
        units=demo_units,
        ids=Ids(session),
        writer=writer,
    )
    remaining = tasks
    while remaining:
        remaining -= builder.directive(min(remaining, rng.randint(1, 15)))
        if writer.pending_tasks >= BATCH_TASKS:
            writer.flush()
    writer.flush()
    advance_sequences(session, [Unit.__table__, User.__table__, *BatchWriter.ORDER])

    summary.directives = builder.counts["directives"]
    summary.tasks = builder.counts["tasks"]
    summary.reports = builder.counts["reports"]
    summary.extensions = builder.counts["extensions"]
    return summary
