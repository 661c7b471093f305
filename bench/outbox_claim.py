"""Benchmark the outbox claim on PostgreSQL over a freshly created, never-analysed table.

Creates a scratch database ``bench_outbox_claim`` (dropped at the end), applies the
migrations, adds 2,000 people and N pending outbox rows (default 50,000: 5 days of
reminders each, so every mail has several rows) with autovacuum off for the table so it is
never analysed, then prints the time of each of a few claims of 100 mails, the plan of the
leading-rows scan, and for comparison the claim query before issue 9 (a grouped subquery,
cut off after --old-timeout seconds). Run:  .venv/bin/python bench/outbox_claim.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NAME = "bench_outbox_claim"
PEOPLE = 2000


def old_claim_sql(limit: int) -> str:
    """The claim as it was before issue 9 (tracker/reminders/outbox.py at f59ca0e)."""
    claimable = (
        "((state = 'pending' AND next_attempt_at <= :now)"
        " OR (state = 'sending' AND lease_until < :now))"
    )
    return (
        f"UPDATE outbox SET state = 'sending', lease_until = :lease, claimed_by = 'old',"
        f" attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox WHERE {claimable}"
        f" AND (recipient_id, day) IN (SELECT recipient_id, day FROM outbox WHERE {claimable}"
        f" GROUP BY recipient_id, day ORDER BY recipient_id, day LIMIT {limit})"
        f" FOR UPDATE SKIP LOCKED) AND {claimable} RETURNING id"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--claims", type=int, default=5)
    parser.add_argument("--old-timeout", type=int, default=30)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from tracker import create_app
    from tracker.extensions import db
    from tracker.reminders.outbox import claim

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{NAME}"'))
    url = make_url(PG_ADMIN_URL).set(database=NAME).render_as_string(hide_password=False)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER": False})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            now = datetime.now(UTC).replace(microsecond=0)
            with db.engine.begin() as c:
                c.execute(text("ALTER TABLE outbox SET (autovacuum_enabled = false)"))
                c.execute(
                    text(
                        'INSERT INTO "user" (email, name, role, password_hash, active,'
                        " wants_digest, must_change_password, created_at)"
                        " SELECT 'p' || i || '@bench.local', 'Người ' || i, 'unit_staff', 'x',"
                        " true, false, false, :now FROM generate_series(1, :n) AS i"
                    ),
                    {"n": PEOPLE, "now": now.replace(tzinfo=None)},
                )
                started = time.perf_counter()
                c.execute(
                    text(
                        "INSERT INTO outbox (key, kind, day, recipient_id, reason, state,"
                        " attempts, next_attempt_at, created_at)"
                        " SELECT 'bench:' || i, 'overdue', DATE '2021-03-01' + (i % 5),"
                        " (SELECT min(id) FROM \"user\") + (i / 5) % :people, 'focal',"
                        " 'pending', 0, :now - make_interval(secs => i), :now"
                        " FROM generate_series(1, :n) AS i"
                    ),
                    {"n": args.rows, "people": PEOPLE, "now": now.replace(tzinfo=None)},
                )
                print(f"inserted {args.rows} pending rows in {time.perf_counter() - started:.1f} s")
            with db.engine.connect() as c:
                stats = c.execute(
                    text(
                        "SELECT last_analyze, last_autoanalyze, n_mod_since_analyze"
                        " FROM pg_stat_user_tables WHERE relname = 'outbox'"
                    )
                ).one()
                print(f"outbox statistics: last_analyze={stats[0]} last_autoanalyze={stats[1]}")
                plan = c.execute(
                    text(
                        "EXPLAIN SELECT recipient_id, day FROM outbox WHERE state = 'pending'"
                        " AND next_attempt_at <= :now ORDER BY state, next_attempt_at, id"
                        " LIMIT 100 FOR UPDATE SKIP LOCKED"
                    ),
                    {"now": now.replace(tzinfo=None)},
                ).scalars()
                print("leading rows:", " / ".join(line.strip() for line in plan))
            with db.engine.connect() as c:
                for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                    c.execute(text(f"SET LOCAL {setting} = off"))
                plan = c.execute(
                    text(
                        "EXPLAIN ANALYZE SELECT recipient_id, day FROM outbox WHERE state = 'pending'"
                        " AND next_attempt_at <= :now ORDER BY state, next_attempt_at, id"
                        " LIMIT 100 FOR UPDATE SKIP LOCKED"
                    ),
                    {"now": now.replace(tzinfo=None)},
                ).scalars()
                print("\n".join(plan))
                c.rollback()
                c.execute(text("SET LOCAL enable_seqscan = off"))
                groups = " OR ".join(
                    f"(recipient_id = {r} AND day = DATE '2021-03-0{d}')"
                    for r in range(1, 21)
                    for d in range(1, 6)
                )
                plan = c.execute(
                    text(
                        f"EXPLAIN ANALYZE SELECT id FROM outbox WHERE ({groups}) FOR UPDATE SKIP LOCKED"
                    ),
                ).scalars()
                print("\n".join(list(plan)[-6:]))
                c.rollback()
            for k in range(args.claims):
                started = time.perf_counter()
                ids = claim(db.session, now, f"bench-{k}", limit=100, lease_seconds=300)
                elapsed = time.perf_counter() - started
                print(f"claim {k + 1}: {len(ids)} rows of 100 mails in {elapsed * 1000:.1f} ms")
            db.session.remove()
            with db.engine.connect() as c:
                c.execute(text(f"SET statement_timeout = {args.old_timeout * 1000}"))
                started = time.perf_counter()
                try:
                    found = c.execute(
                        text(old_claim_sql(100)),
                        {
                            "now": now.replace(tzinfo=None),
                            "lease": (now + timedelta(seconds=300)).replace(tzinfo=None),
                        },
                    ).all()
                    outcome = f"{len(found)} rows"
                except Exception as exc:  # the statement timeout
                    outcome = f"not finished ({type(exc).__name__})"
                c.rollback()
                elapsed = time.perf_counter() - started
                print(f"the claim before issue 9: {outcome} in {elapsed:.2f} s")
            db.engine.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
