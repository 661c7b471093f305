"""Load benchmark: N signed-in people at once against gunicorn on 127.0.0.1 (a script, not
a test). Prints throughput and p50/p95/p99 and errors per request type.

The mix (issue 12): unit heads open "Việc của tôi", one of their tasks, the dashboard, and
post a progress report; leaders open the dashboard, the period report and the overdue list;
one Office specialist decides a pending extension and confirms a submitted result. Each
person waits ``--think`` seconds (a random value in the range) between requests.

It runs against a database already loaded, e.g. ``tracker demo --tasks 100000`` into a
scratch PostgreSQL database, and writes to it (reports, decisions): never point it at real
data. It adds its own sign-in accounts (``load.*@bench.local``) on first use.

    TRACKER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/perf_100k \\
        .venv/bin/python bench/load.py --users 50 --seconds 60 --workers 2 --threads 4
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gunicorn_server import free_port, start_gunicorn  # noqa: E402

PASSWORD = "benchmark password 2021"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def accounts(url: str, heads: int, leaders: int) -> dict[str, list]:
    """The bench's sign-in accounts, made once: unit heads of the units with the most open
    tasks (with those tasks' ids), leaders, one Office specialist."""
    from sqlalchemy import func, select

    from tracker import create_app
    from tracker.extensions import db
    from tracker.models import Task, TaskState, User
    from tracker.passwords import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER": False})
    found: dict[str, list] = {"unit_head": [], "leader": [], "office": []}
    with app.app_context():
        password_hash = hash_password(PASSWORD)
        open_states = [TaskState.ASSIGNED, TaskState.IN_PROGRESS]
        units = db.session.execute(
            select(Task.lead_unit_id, func.count())
            .where(Task.state.in_(open_states))
            .group_by(Task.lead_unit_id)
            .order_by(func.count().desc())
            .limit(heads)
        ).all()

        def account(email, role, unit_id=None):
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=f"Tải thử {email.split('@')[0]}", role=role,
                            unit_id=unit_id, password_hash=password_hash)  # fmt: skip
                db.session.add(user)
            return email

        for n, (unit_id, _) in enumerate(units):
            email = account(f"load.head{n}@bench.local", "unit_head", unit_id)
            tasks = db.session.scalars(
                select(Task.id)
                .where(Task.lead_unit_id == unit_id, Task.state.in_(open_states))
                .limit(200)
            ).all()
            found["unit_head"].append((email, tasks))
        for n in range(leaders):
            found["leader"].append((account(f"load.leader{n}@bench.local", "leader"), []))
        found["office"].append((account("load.office@bench.local", "office"), []))
        db.session.commit()
        db.engine.dispose()
    return found


class Person:
    def __init__(self, base: str, email: str, tasks: list[int]):
        self.base, self.email, self.tasks = base, email, tasks
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=60) as response:
            return response.read().decode()

    def sign_in(self) -> None:
        page = self.get("/login")
        self.post("/login", {"email": self.email, "password": PASSWORD,
                             "csrf_token": TOKEN.search(page).group(1)})  # fmt: skip


def unit_head_mix(person: Person):
    task = random.choice(person.tasks) if person.tasks else None
    yield "my tasks", lambda: person.get("/tasks/mine")
    if task is None:
        return
    page = {}
    yield "task page", lambda: page.setdefault("html", person.get(f"/tasks/{task}"))
    yield "dashboard", lambda: person.get("/dashboard")
    token = TOKEN.search(page.get("html", "")) if page else None
    if token:
        yield (
            "progress report POST",
            lambda: person.post(
                f"/tasks/{task}/report",
                {
                    "csrf_token": token.group(1),
                    "progress": random.randint(10, 90),
                    "text": "Đã triển khai theo kế hoạch (tải thử).",
                },  # fmt: skip
            ),
        )


def leader_mix(person: Person):
    yield "dashboard", lambda: person.get("/dashboard")
    yield "period report", lambda: person.get("/reports")
    yield "overdue list", lambda: person.get("/tasks?status=overdue&sort=due")


EXTENSION = re.compile(r'action="(/extensions/(\d+)/decide)"')
CONFIRM = re.compile(r'action="(/tasks/(\d+)/confirm)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)"')


def office_mix(person: Person):
    """The pending extensions and the results awaiting confirmation: each is decided on
    its task's page."""
    for kind, list_path, form_pattern, data in (
        ("extension", "/extensions/pending", EXTENSION, {"decision": "reject", "note": "Tải thử."}),
        ("confirm", "/tasks?state=awaiting_confirmation", CONFIRM, {"decision": "confirm"}),
    ):
        listing, task_page = {}, {}
        yield f"{kind} list", lambda p=list_path, d=listing: d.setdefault("html", person.get(p))
        link = TASK_LINK.search(listing.get("html", ""))
        if not link:
            continue
        task_path = f"/tasks/{link.group(1)}"
        yield "task page", lambda p=task_path, d=task_page: d.setdefault("html", person.get(p))
        form = form_pattern.search(task_page.get("html", ""))
        token = TOKEN.search(task_page.get("html", ""))
        if form and token:
            fields, action = {"csrf_token": token.group(1), **data}, form.group(1)
            yield f"{kind} POST", lambda p=action, f=fields: person.post(p, f)


MIXES = {"unit_head": unit_head_mix, "leader": leader_mix, "office": office_mix}


def run_person(person: Person, role: str, deadline: float, think, results, errors) -> None:
    try:
        person.sign_in()
    except Exception as exc:  # counted, the others go on
        errors["sign-in"].append(repr(exc))
        return
    while time.monotonic() < deadline:
        for kind, request in MIXES[role](person):
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            try:
                request()
                results[kind].append((time.perf_counter() - started) * 1000)
            except (urllib.error.URLError, OSError) as exc:
                errors[kind].append(repr(exc)[:200])
            time.sleep(random.uniform(*think))


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q * len(values))) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TRACKER_DATABASE_URL"))
    parser.add_argument("--users", type=int, default=50, help="people at once")
    parser.add_argument("--leaders", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", default="1,2", help="seconds between requests: min,max")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="> 1: gthread workers")
    args = parser.parse_args()
    if not args.url:
        parser.error("set TRACKER_DATABASE_URL (a scratch database with the demo loaded)")
    think = tuple(float(x) for x in args.think.split(","))
    heads = max(0, args.users - args.leaders - 1)
    people = accounts(args.url, heads, args.leaders)
    port = free_port()
    process = start_gunicorn(args.url, port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    try:
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=run_person,
                args=(Person(base, email, tasks), role, deadline, think, results, errors),
                daemon=True,
            )
            for role, group in people.items()
            for email, tasks in group
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    everything = [t for times in results.values() for t in times]
    total_errors = sum(len(e) for e in errors.values())
    print(f"{len(threads)} people, {args.seconds} s, gunicorn {args.workers} workers"
          f"{f' x {args.threads} threads' if args.threads > 1 else ' (sync)'},"
          f" think {args.think} s")  # fmt: skip
    print(f"{'request':<26} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind in sorted(set(results) | set(errors)):
        times = results.get(kind, [])
        if times:
            line = (f"{statistics.median(times):8.1f} {percentile(times, 0.95):8.1f}"
                    f" {percentile(times, 0.99):8.1f}")  # fmt: skip
        else:
            line = f"{'-':>8} {'-':>8} {'-':>8}"
        print(f"{kind:<26} {len(times):>6} {line} {len(errors.get(kind, [])):>7}")
    if everything:
        print(f"{'all':<26} {len(everything):>6} {statistics.median(everything):8.1f}"
              f" {percentile(everything, 0.95):8.1f} {percentile(everything, 0.99):8.1f}"
              f" {total_errors:>7}")  # fmt: skip
    print(f"throughput: {len(everything) / elapsed:.1f} req/s")
    for kind, found in errors.items():
        print(f"  {kind}: {found[0]}")
    sys.exit(1 if total_errors else 0)


if __name__ == "__main__":
    main()
