"""The unit head's "Việc của tôi" (/tasks/mine) at a large workload: the visibility rule
before and after issue 12, as EXPLAIN ANALYZE of the page's count query and timings of the
count and the first page of 50 (a script, not a test).

Run against a database already loaded (e.g. ``tracker demo --tasks 100000``):
    TRACKER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/perf_100k \\
        .venv/bin/python bench/unit_tasks.py [--email giamdoc.stttt@tracker.local] [--jit on]
``--jit on`` turns PostgreSQL's JIT back on for the comparison (the app sets it off).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import exists, func, or_, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def old_clause(unit_id: int):
    """The visibility rule before issue 12: lead OR EXISTS (coordinating)."""
    from tracker.models import Task, task_coordinating_unit

    coordinates = exists(
        select(task_coordinating_unit.c.task_id).where(
            task_coordinating_unit.c.task_id == Task.id,
            task_coordinating_unit.c.unit_id == unit_id,
        )
    )
    return or_(Task.lead_unit_id == unit_id, coordinates)


def timed(work, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--email", default="giamdoc.stttt@tracker.local")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--jit", choices=["on", "off"], default="off")
    args = parser.parse_args()

    from tracker import create_app, policy
    from tracker.calendar import local_today
    from tracker.extensions import db
    from tracker.models import Task, User
    from tracker.services import tasks as task_service

    app = create_app({"SCHEDULER": False})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == args.email))
        if user is None or user.unit_id is None:
            sys.exit(f"no unit user {args.email}: load the demo first")
        postgres = db.engine.dialect.name == "postgresql"
        total = db.session.scalar(select(func.count()).select_from(Task))
        print(f"{db.engine.dialect.name}: {total} tasks; {user.email} (unit {user.unit_id})")
        ctx = task_service.status_context(local_today())
        flt = task_service.TaskFilter(involving=user.unit_id)

        def count_sql():
            query, _ = task_service.filtered_query(user, flt, ctx)
            return select(func.count()).select_from(query.subquery())

        new_count = count_sql()
        # Before: the same list with the old rule, applied twice (visibility, then the
        # "involving" filter), as the page did.
        real = policy.involving_unit_clause
        policy.involving_unit_clause = lambda unit_id, task=Task: old_clause(unit_id)
        try:
            query, _ = task_service.filtered_query(user, task_service.TaskFilter(), ctx)
            old_count = select(func.count()).select_from(
                query.where(old_clause(user.unit_id)).subquery()
            )
        finally:
            policy.involving_unit_clause = real

        if postgres and args.jit == "on":
            db.session.execute(text("SET jit = on"))
        for name, stmt in (("before", old_count), ("after", new_count)):
            n = db.session.scalar(stmt)
            median, p95 = timed(lambda stmt=stmt: db.session.scalar(stmt), args.runs)
            print(f"count {name}: {n} tasks, median {median:.1f} ms, p95 {p95:.1f} ms")
            if postgres:
                compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
                plan = db.session.execute(text(f"EXPLAIN ANALYZE {compiled}")).scalars().all()
                print("\n".join(f"    {line}" for line in plan))

        def first_page():
            task_service.list_tasks(user, flt, ctx, page=1, per_page=50)
            db.session.expunge_all()

        median, p95 = timed(first_page, args.runs)
        print(f"/tasks/mine service (count + first 50): median {median:.1f} ms, p95 {p95:.1f} ms")
        db.session.rollback()


if __name__ == "__main__":
    main()
