"""Benchmark the progress pages at the demo workload (100,000 tasks, 200 units).

For SQLite (a scratch file) and PostgreSQL (a scratch database ``bench_dashboard``, created
and dropped here), load the workload with ``tracker.demo.generate``, start the app under
gunicorn on 127.0.0.1, sign in as a leader and print p50/p95 over N requests each for the
dashboard, the period report, a filtered task list and the bare /healthz route (the
ceiling). Run:  .venv/bin/python bench/dashboard.py [--tasks 100000] [--requests 60]
"""

from __future__ import annotations

import argparse
import datetime
import http.cookiejar
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gunicorn_server import free_port, start_gunicorn  # noqa: E402

PASSWORD = "benchmark password 2021"
EMAIL = "bench.leader@tracker.local"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def load(url: str, tasks: int, units: int) -> None:
    from flask_migrate import upgrade

    from tracker import create_app, demo
    from tracker.calendar import local_today
    from tracker.extensions import db
    from tracker.models import User
    from tracker.passwords import hash_password
    from tracker.seeding import seed_holidays

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER": False})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        seed_holidays()
        started = time.perf_counter()
        summary = demo.generate(db.session, tasks=tasks, units=units, today=local_today())
        db.session.add(
            User(email=EMAIL, name="Lãnh đạo (benchmark)", role="leader",
                 password_hash=hash_password(PASSWORD))
        )  # fmt: skip
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as c:
                c.execute(text("ANALYZE"))
        print(f"  loaded {summary} in {time.perf_counter() - started:.0f} s", flush=True)
        db.engine.dispose()


def sign_in(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", data=data.encode()).read()
    assert opener.open(f"{base}/dashboard").geturl().endswith("/dashboard"), "sign-in failed"
    return opener


def measure(opener, url: str, count: int) -> tuple[float, float]:
    for _ in range(3):  # warm-up: caches, connection pools, both workers
        opener.open(url).read()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = opener.open(url)
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, url
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def run(name: str, url: str, args) -> None:
    print(f"== {name}: loading {args.tasks} tasks, {args.units} units", flush=True)
    load(url, args.tasks, args.units)
    port = free_port()
    process = start_gunicorn(url, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        opener = sign_in(base)
        past = (datetime.date.today() - datetime.timedelta(days=90)).isoformat()
        pages = [
            ("hello (/healthz)", f"{base}/healthz"),
            ("dashboard", f"{base}/dashboard"),
            # As of a past date the statuses read the dated histories (issue 10).
            ("dashboard, 90 days ago", f"{base}/dashboard?as_of={past}"),
            ("period report (this month)", f"{base}/reports"),
            ("filtered task list", f"{base}/tasks?status=overdue&sort=due"),
        ]
        print(f"  {'page':<28} {'p50 ms':>8} {'p95 ms':>8}   ({args.requests} requests)")
        for label, page in pages:
            p50, p95 = measure(opener, page, args.requests)
            print(f"  {label:<28} {p50:8.1f} {p95:8.1f}", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", PG_ADMIN_URL))
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.requests < 50:
        parser.error("--requests must be at least 50")

    if args.only != "postgresql":
        folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
        try:
            run("SQLite", f"sqlite:///{folder / 'bench.db'}", args)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.only != "sqlite":
        admin = create_engine(make_url(args.postgres), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "bench_dashboard" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "bench_dashboard"'))
        try:
            url = make_url(args.postgres).set(database="bench_dashboard")
            run("PostgreSQL", url.render_as_string(hide_password=False), args)
        finally:
            with admin.connect() as conn:
                conn.execute(text('DROP DATABASE IF EXISTS "bench_dashboard" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
