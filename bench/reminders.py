"""Benchmark of the reminder planner and delivery (a script, not a test).

    .venv/bin/python bench/reminders.py [--tasks 100000] [--pg URL | --no-pg]

On SQLite (a scratch file) and PostgreSQL (a scratch database ``bench_reminders``, created
and dropped): loads the demo workload (``tracker.demo.generate``), then measures
- the planner: wall time and the number of SQL statements of one ``plan(now)`` pass, and of a
  second pass at the same moment (which must add nothing);
- delivery: mails and reminders per second to a local aiosmtpd server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, func, make_url, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.smtp import SmtpServer  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.calendar import local_zone  # noqa: E402
from tracker.extensions import db  # noqa: E402

PG_DATABASE = "bench_reminders"


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def bench(
    url: str, tasks: int, smtp: SmtpServer, instance: str, deliver_limit: int, single_mails: int
) -> dict:
    from flask_migrate import upgrade

    from tracker import demo
    from tracker.models import OutboxMessage
    from tracker.reminders import delivery, planner
    from tracker.seeding import seed_holidays

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port,
            "MAIL_FROM": "nhacviec@bench.local",
        },
        instance_path=instance,
    )
    figures = {}
    with app.app_context():
        upgrade(revision="heads")
        seed_holidays()
        db.session.commit()
        zone = local_zone()
        today = datetime.now(zone).date()
        monday = today - timedelta(days=today.weekday())  # digests go out on Mondays
        started = time.perf_counter()
        demo.generate(db.session, tasks=tasks, units=40, seed=2021, today=monday)
        db.session.commit()
        figures["demo load s"] = time.perf_counter() - started
        now = datetime.combine(monday, datetime.min.time(), zone).replace(hour=8).astimezone(UTC)

        counter = QueryCounter(db.engine)
        for label in ("plan", "plan again"):
            db.session.remove()
            counter.count = 0
            started = time.perf_counter()
            result = planner.plan(now)
            db.session.commit()
            figures[f"{label} s"] = time.perf_counter() - started
            figures[f"{label} SQL statements"] = counter.count
            figures[f"{label} new rows"] = result.inserted
        figures["tasks selected"] = result.tasks_seen
        figures["reminders planned"] = result.planned
        figures["by kind"] = {str(k): n for k, n in sorted(result.by_kind.items())}

        # Delivery: at most deliver_limit reminders (the rest is cancelled beforehand).
        keep = select(OutboxMessage.id).order_by(OutboxMessage.id).limit(deliver_limit)
        db.session.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.id.not_in(keep.scalar_subquery()))
            .values(state="cancelled")
        )
        db.session.commit()
        smtp.take()
        counter.count = 0
        started = time.perf_counter()
        mails = reminders = 0
        while True:
            done = delivery.deliver(now)
            if not done.claimed:
                break
            mails += done.mails
            reminders += done.sent
        elapsed = time.perf_counter() - started
        received = len(smtp.take())
        figures["delivered mails"] = mails
        figures["delivered reminders"] = reminders
        figures["received by SMTP server"] = received
        figures["delivery s"] = elapsed
        figures["mails/s"] = mails / elapsed if elapsed else 0
        figures["reminders/s"] = reminders / elapsed if elapsed else 0
        figures["delivery SQL statements"] = counter.count
        figures["outbox rows"] = db.session.scalar(select(func.count()).select_from(OutboxMessage))

        # Small mails: one reminder each (distinct days make distinct mails), the worst case
        # for per-mail overhead (SMTP round trips, one commit per mail).
        from tracker.models import Task, User
        from tracker.reminders.outbox import OutboxItem, insert_items

        pairs = db.session.execute(
            select(Task.id, Task.focal_person_id)
            .join(User, User.id == Task.focal_person_id)
            .where(Task.state.in_(["assigned", "in_progress"]), User.active.is_(True))
            .order_by(Task.id)
            .limit(single_mails)
        ).all()
        items = [
            OutboxItem("overdue", monday - timedelta(days=1 + k), user, "focal", task, {"days": 1})
            for k, (task, user) in enumerate(pairs)
        ]
        insert_items(db.session, items, now)
        db.session.commit()
        smtp.take()
        started = time.perf_counter()
        mails = 0
        while True:
            done = delivery.deliver(now)
            if not done.claimed:
                break
            mails += done.mails
        elapsed = time.perf_counter() - started
        figures["single-reminder mails"] = mails
        figures["received by SMTP server "] = len(smtp.take())
        figures["single mails/s"] = mails / elapsed if elapsed else 0
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--deliver", type=int, default=5_000, help="reminders to deliver")
    parser.add_argument("--single", type=int, default=1_000, help="one-reminder mails to deliver")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()

    smtp = SmtpServer().start()
    results = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-reminders-") as scratch:
            if not args.no_sqlite:
                url = f"sqlite:///{Path(scratch) / 'bench.db'}"
                results["SQLite"] = bench(url, args.tasks, smtp, scratch, args.deliver, args.single)
            if not args.no_pg:
                admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
                    conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
                try:
                    url = make_url(args.pg).set(database=PG_DATABASE)
                    results["PostgreSQL"] = bench(
                        url.render_as_string(hide_password=False),
                        args.tasks,
                        smtp,
                        scratch,
                        args.deliver,
                        args.single,
                    )
                finally:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
                    admin.dispose()
    finally:
        smtp.stop()

    print(f"\nReminder benchmark: {args.tasks} demo tasks")
    for name, figures in results.items():
        print(f"\n{name}")
        for key, value in figures.items():
            shown = f"{value:.2f}" if isinstance(value, float) else value
            print(f"  {key:<28} {shown}")


if __name__ == "__main__":
    main()
