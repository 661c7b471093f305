"""The reminder outbox under faults, with real processes (a script, not a test).

    .venv/bin/python bench/outbox_faults.py [--sqlite] [--no-pg] [--pg URL] [--tasks 15000]
        [--scenarios 1,2,3,4,5,6,7] [--slow 0.3] [--lease 2] [--defer-seconds 60] [--keep]

On PostgreSQL (a scratch database ``faultrun_outbox``, created and dropped) and, with
``--sqlite``, SQLite (a temporary file): loads the demo workload for today, plans once with
``tracker reminders plan --at NOW`` (~3,000 outbox rows in ~260 mails), then runs each
scenario from that same fresh outbox, with ``tracker reminders deliver`` subprocesses
talking to a real aiosmtpd server in this process:

1. two delivery processes in loops against a slow server, with a lease shorter than a pass;
2. kill -9 of a delivery process mid-batch, just after the server took a mail and before
   the worker heard the 250 (by default at a mail whose recipient has other rows waiting
   outside the claim, ``--kill-when any`` for any mail), then a fresh process takes over
   once the lease is over;
3. the server answers 451 to every recipient for the first minute, then 250;
4. a 3-hour outage stepped with ``deliver --at`` (nothing listening), then the server up;
5. a poison row (an escalation whose record was deleted) among the others;
6. tasks given a far later due date in SQL between planning and delivery;
7. two delivery processes, the second started 20 s after the first, with a lease longer
   than a pass but shorter than one command's several passes (a backlog).

For each it prints the rows planned, sent, cancelled, failed, pending; the mails received
and their distinct Message-IDs; duplicates (the same Message-ID twice; the same recipient
and content under two Message-IDs; the same reminder — recipient, task, kind — in two
mails); rows marked sent that the server never received (lost), and those received only
in a second copy under a Message-ID that an earlier, different mail had (a receiver that
drops a Message-ID it has seen never shows them); and the time taken. Exits 1 if anything
was lost or so hidden, sent twice (beyond the one mail a kill -9 may repeat under its own
Message-ID) or left unsettled, or a scenario's own check failed. About 8 minutes per
database on an idle two-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, delete, func, insert, make_url, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.smtp import Handler, free_port  # noqa: E402
from tracker.calendar import local_zone  # noqa: E402
from tracker.models import (  # noqa: E402
    Escalation,
    MailHealth,
    OutboxMessage,
    OutboxState,
    Task,
    User,
)

TRACKER = Path(sys.executable).with_name("tracker")  # this venv's console script
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/faultrun_outbox"
MAIL_FROM = "nhacviec@faults.local"
OUTBOX = OutboxMessage.__table__
OPEN = (OutboxState.PENDING, OutboxState.SENDING)


# --- the mail server ---------------------------------------------------------------------


class Sink(Handler):
    """tests/smtp.py's handler, plus: 451 to every RCPT until ``defer_until`` (monotonic),
    and ``on_message(count, recipients)`` called once a mail is recorded, before its 250."""

    def __init__(self):
        super().__init__()
        self.defer_until = 0.0
        self.deferred = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if time.monotonic() < self.defer_until:
            self.deferred += 1
            return "451 4.3.0 try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
        self.data_delay, self.defer_until, self.deferred, self.on_message = 0.0, 0.0, 0, None

    def received(self) -> list[tuple[list[str], object]]:
        with self.lock:
            return list(self.messages)


class Server:
    def __init__(self):
        self.port = free_port()
        self.handler = Sink()
        self.controller: Controller | None = None

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- delivery processes ------------------------------------------------------------------


class Worker:
    """Runs ``tracker reminders deliver`` subprocesses one after another (a cron job, or an
    operator); its output goes to a log file."""

    def __init__(self, name: str, env: dict, log: Path):
        self.name, self.env, self.log = name, env, log
        self.proc: subprocess.Popen | None = None
        self.runs = 0
        self.killed: list[int] = []
        self.thread: threading.Thread | None = None

    def run_once(self, at: datetime | None = None) -> int:
        args = [str(TRACKER), "reminders", "deliver"]
        if at is not None:
            args += ["--at", at.isoformat()]
        with self.log.open("a") as out:
            out.write(f"--- {self.name} {' '.join(args[1:])}\n")
            out.flush()
            self.proc = subprocess.Popen(args, env=self.env, stdout=out, stderr=out, cwd=ROOT)
            self.runs += 1
            return self.proc.wait()

    def kill(self) -> int | None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            self.killed.append(proc.pid)
            return proc.pid
        return None

    def loop(self, done, deadline: float, pause: float = 0.5) -> None:
        def run():
            while not done() and time.monotonic() < deadline:
                self.run_once()
                time.sleep(pause)

        self.thread = threading.Thread(target=run, name=self.name, daemon=True)
        self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


# --- the database ------------------------------------------------------------------------


class Database:
    def __init__(self, label: str, url: str):
        self.label, self.url = label, url
        self.engine = create_engine(url)  # the script's own reads and resets, short ones
        self.snapshot: list[dict] = []

    def open_rows(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(
                select(func.count()).select_from(OUTBOX).where(OUTBOX.c.state.in_(OPEN))
            )

    def reset(self) -> None:
        """The outbox as planned, no mail-server health."""
        with self.engine.begin() as conn:
            conn.execute(delete(OUTBOX))
            conn.execute(delete(MailHealth.__table__))
            conn.execute(insert(OUTBOX), self.snapshot)

    def rows(self) -> list:
        with self.engine.connect() as conn:
            return conn.execute(
                select(
                    OUTBOX.c.id,
                    OUTBOX.c.state,
                    OUTBOX.c.kind,
                    OUTBOX.c.task_id,
                    OUTBOX.c.message_id,
                    OUTBOX.c.end_reason,
                    OUTBOX.c.last_error,
                    OUTBOX.c.claimed_by,
                    OUTBOX.c.recipient_id,
                    OUTBOX.c.day,
                    User.__table__.c.email,
                ).join(User.__table__, User.__table__.c.id == OUTBOX.c.recipient_id)
            ).all()


def create_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def base_env(url: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_DATABASE_URL=url,
        TRACKER_SMTP_HOST="127.0.0.1",
        TRACKER_SMTP_PORT=str(port),
        TRACKER_SMTP_TIMEOUT="10",
        TRACKER_MAIL_FROM=MAIL_FROM,
        # Day reminders are planned from 07:00 local; the run may be earlier in the day.
        TRACKER_REMINDER_DAILY_AT="00:00",
    )
    return env


def prepare(db: Database, env: dict, args, workdir: Path) -> datetime:
    """Schema, demo workload for today, one plan; returns the planning time."""
    subprocess.run([str(TRACKER), "init-db"], env=env, check=True, capture_output=True, cwd=ROOT)
    from tracker import create_app, demo
    from tracker.database import analyze
    from tracker.extensions import db as flask_db

    plan_at = datetime.now(UTC).replace(microsecond=0)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db.url}, instance_path=str(workdir / "instance"))
    with app.app_context():
        started = time.perf_counter()
        today = plan_at.astimezone(local_zone()).date()
        demo.generate(flask_db.session, tasks=args.tasks, units=args.units, seed=2021, today=today)
        flask_db.session.commit()
        analyze(flask_db.engine)
        flask_db.session.remove()
        flask_db.engine.dispose()
        loaded = time.perf_counter() - started
    started = time.perf_counter()
    out = subprocess.run(
        [str(TRACKER), "reminders", "plan", "--at", plan_at.isoformat()],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    planned = time.perf_counter() - started
    with db.engine.connect() as conn:
        db.snapshot = [dict(r._mapping) for r in conn.execute(select(OUTBOX).order_by(OUTBOX.c.id))]
        groups = conn.scalar(
            select(func.count()).select_from(select(OUTBOX.c.recipient_id).distinct().subquery())
        )
    print(
        f"[{db.label}] demo {args.tasks} tasks, {args.units} units for {today:%d/%m/%Y} in "
        f"{loaded:.1f} s; plan --at {plan_at.isoformat()} in {planned:.1f} s: {out}"
    )
    print(f"[{db.label}] outbox: {len(db.snapshot)} rows for {groups} recipients")
    return plan_at


# --- what the server received against what the outbox says ------------------------------

WHEN_KINDS = (
    ("ngày làm việc đến hạn", "due_soon"),
    ("đến hạn hôm nay", "due_today"),
    ("quá hạn", "overdue"),
    ("nhiệm vụ mới", "assigned"),
)
ESCALATION_LINE = re.compile(r"^(NHẮC NHỞ|PHÊ BÌNH|YÊU CẦU GIẢI TRÌNH|ĐÔN ĐỐC): ")
TASK_LINK = re.compile(r"Xem nhiệm vụ: \S*/tasks/(\d+)")


def reminders_in(body: str) -> set[tuple[str, int]]:
    """(kind, task id) of each reminder a mail's plain text states (digests aside)."""
    found, kind = set(), None
    for line in body.splitlines():
        if line.startswith("* "):
            when = line.rsplit(" — ", 1)[-1]
            kind = next((k for words, k in WHEN_KINDS if words in when), "?")
        elif ESCALATION_LINE.match(line):
            kind = "escalation"
        elif line.startswith("TỔNG HỢP"):
            kind = None
        match = TASK_LINK.search(line)
        if match and kind:
            found.add((kind, int(match.group(1))))
    return found


@dataclass
class Outcome:
    label: str
    scenario: str
    planned: int = 0
    states: Counter = field(default_factory=Counter)
    received: int = 0
    distinct_ids: int = 0
    same_id: int = 0
    same_content: int = 0
    same_reminder: int = 0
    lost: int = 0
    hidden: int = 0  # reminders only in a second copy under a reused Message-ID
    seconds: float = 0.0
    allowed_same_id: int = 0
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def assess(outcome: Outcome, db: Database, server: Server, log: Path) -> None:
    rows = db.rows()
    received = server.handler.received()
    outcome.planned = len(rows)
    outcome.states = Counter(row.state for row in rows)
    outcome.received = len(received)
    by_id: dict[str, list] = defaultdict(list)
    for rcpts, message in received:
        by_id[str(message["Message-ID"])].append((rcpts, message))
    outcome.distinct_ids = len(by_id)
    outcome.same_id = sum(len(copies) - 1 for copies in by_id.values())
    content = Counter()
    said = Counter()
    stated: dict[str, list[set]] = {}  # per Message-ID, the reminders of each copy
    for mid, copies in by_id.items():
        stated[mid] = []
        for n, (rcpts, message) in enumerate(copies):
            body = message.get_body(("plain",)).get_content()
            stated[mid].append(reminders_in(body))
            if n == 0:  # a second copy under one Message-ID is counted above
                content[(tuple(sorted(rcpts)), str(message["Subject"]), body)] += 1
        for kind, task_id in set().union(*stated[mid]):
            for rcpt in copies[0][0]:
                said[(rcpt, kind, task_id)] += 1
    outcome.same_content = sum(n - 1 for n in content.values() if n > 1)
    outcome.same_reminder = sum(n - 1 for n in said.values() if n > 1)
    lost, hidden = [], []
    for row in rows:
        if row.state != OutboxState.SENT:
            continue
        copies = by_id.get(row.message_id or "")
        if not copies or row.email not in copies[0][0]:
            lost.append(row.id)
        elif row.kind != "digest":
            where = [
                n
                for n, said_here in enumerate(stated[row.message_id])
                if (row.kind, row.task_id) in said_here
            ]
            if not where:
                lost.append(row.id)
            elif where[0] > 0:
                # Only in a later copy under the first copy's Message-ID: a receiver that
                # drops a Message-ID it has seen never shows this reminder.
                hidden.append(f"{row.id} ({row.kind} of {row.day:%d/%m})")
    outcome.lost = len(lost)
    outcome.hidden = len(hidden)
    if lost:
        outcome.problems.append(f"lost rows {lost[:10]}")
    if hidden:
        outcome.problems.append(
            f"rows {', '.join(hidden[:10])} only in a re-sent mail whose Message-ID an "
            "earlier, different mail had"
        )
    if outcome.same_id > outcome.allowed_same_id:
        dup_ids = [mid for mid, copies in by_id.items() if len(copies) > 1]
        outcome.problems.append(
            f"{outcome.same_id} mails received twice under one Message-ID "
            f"(allowed {outcome.allowed_same_id}), e.g. {dup_ids[:3]}"
        )
    if outcome.same_content or outcome.same_reminder:
        outcome.problems.append("a reminder sent twice under different Message-IDs")
    unsettled = sum(outcome.states[s] for s in OPEN)
    if unsettled:
        outcome.problems.append(f"{unsettled} rows still pending or sending")
    text_log = log.read_text() if log.exists() else ""
    takeovers = text_log.count("lost its hold")
    late = text_log.count("no longer in sending")
    # compose.py logs the traceback of a mail it cannot build (scenario 5): expected.
    tracebacks = text_log.count("Traceback") - text_log.count("reminders.compose cannot")
    outcome.notes.append(
        f"takeovers logged {takeovers}, sent after a takeover {late}, tracebacks {tracebacks}"
    )
    if tracebacks:
        outcome.problems.append(f"{tracebacks} tracebacks in {log}")
    failed = [r for r in rows if r.state == OutboxState.FAILED]
    if failed:
        reasons = Counter(r.end_reason for r in failed)
        outcome.notes.append(f"failed by reason {dict(reasons)}")
    cancelled = Counter(r.end_reason for r in rows if r.state == OutboxState.CANCELLED)
    if cancelled:
        outcome.notes.append(f"cancelled by reason {dict(cancelled)}")


def report(outcome: Outcome) -> None:
    s = outcome.states
    pending = s[OutboxState.PENDING] + s[OutboxState.SENDING]
    print(f"[{outcome.label}] {outcome.scenario}")
    print(
        f"    rows planned {outcome.planned} | sent {s[OutboxState.SENT]} cancelled "
        f"{s[OutboxState.CANCELLED]} failed {s[OutboxState.FAILED]} pending {pending}"
    )
    print(
        f"    mails received {outcome.received}, distinct Message-IDs {outcome.distinct_ids} | "
        f"duplicates: same Message-ID {outcome.same_id} (allowed {outcome.allowed_same_id}), "
        f"same recipient+content under another Message-ID {outcome.same_content}, "
        f"same reminder in two mails {outcome.same_reminder}"
    )
    print(
        f"    lost (marked sent, never received) {outcome.lost} | only in a re-sent copy under "
        f"a Message-ID an earlier, different mail had {outcome.hidden} | {outcome.seconds:.1f} s"
    )
    for note in outcome.notes:
        print(f"    {note}")
    print(f"    {'OK' if outcome.ok else 'PROBLEM: ' + '; '.join(outcome.problems)}")
    sys.stdout.flush()


# --- the scenarios -----------------------------------------------------------------------


def settle(db: Database, workers: list[Worker], deadline: float) -> None:
    for worker in workers:
        worker.join()
    if db.open_rows() and time.monotonic() >= deadline:
        print(f"    (deadline reached with {db.open_rows()} rows open)")


def two_workers(db, server, env, args, log, outcome, lease=None, batch=None, stagger=0.0) -> None:
    server.handler.data_delay = args.slow
    env = env | {"TRACKER_REMINDER_LEASE_SECONDS": str(lease or args.lease)}
    if batch:
        env["TRACKER_REMINDER_BATCH_SIZE"] = str(batch)
    deadline = time.monotonic() + args.deadline
    workers = [Worker(f"worker-{n}", env, log) for n in (1, 2)]
    for n, worker in enumerate(workers):
        if n and stagger:
            time.sleep(stagger)  # the second one starts while the first is well on
        worker.loop(lambda: db.open_rows() == 0, deadline)
    settle(db, workers, deadline)
    outcome.notes.append(
        f"delivery processes run {sum(w.runs for w in workers)}"
        + (f", the second loop started {stagger:.0f} s after the first" if stagger else "")
    )


def kill_mid_batch(db, server, env, args, log, outcome) -> None:
    server.handler.data_delay = args.slow
    base = env
    env = env | {
        "TRACKER_REMINDER_LEASE_SECONDS": str(args.kill_lease),
        "TRACKER_REMINDER_BATCH_SIZE": str(args.kill_batch),  # a pass shorter than the lease
    }
    victim = Worker("victim", env, log)
    killed = threading.Event()

    def waiting_rows(recipients: list[str]) -> int:
        """The recipient's rows not in the victim's claim (another day's, say)."""
        with db.engine.connect() as conn:
            return conn.scalar(
                select(func.count())
                .select_from(OUTBOX.join(User.__table__))
                .where(
                    User.__table__.c.email.in_(recipients),
                    OUTBOX.c.state == OutboxState.PENDING,
                )
            )

    def on_message(count: int, recipients: list[str]) -> None:
        # The server has the mail; the worker dies before it hears the 250. With
        # --kill-when=joined, at a mail whose recipient has rows the re-send will take in.
        if count < args.kill_after or killed.is_set():
            return
        if args.kill_when == "joined" and not waiting_rows(recipients):
            return
        if victim.kill() is not None:
            killed.set()
            outcome.notes.append(
                f"killed at mail {count}, to {recipients[0]}: {waiting_rows(recipients)} "
                "rows of that recipient were waiting outside the killed worker's claim"
            )

    server.handler.on_message = on_message
    started = time.monotonic()
    thread = threading.Thread(target=victim.run_once, daemon=True)
    thread.start()
    thread.join()  # killed, or done without the moment coming
    if not killed.is_set():
        outcome.problems.append("the delivery process ended before it could be killed")
        return
    killed_at = time.monotonic()
    pid = victim.killed[0]
    with db.engine.connect() as conn:
        stranded = conn.scalar(
            select(func.count())
            .select_from(OUTBOX)
            .where(OUTBOX.c.state == OutboxState.SENDING, OUTBOX.c.claimed_by.like(f"%:{pid}:%"))
        )
    outcome.notes.append(
        f"killed pid {pid} {killed_at - started:.1f} s after it started, "
        f"{stranded} rows left in sending with its lease ({args.kill_lease} s)"
    )
    outcome.allowed_same_id = 1
    # A fresh process (the scheduler restarted, an operator's command) once the lease is
    # over, with the default lease and a batch that takes everything left in one claim:
    # the stranded rows with the other rows due of the same people.
    time.sleep(max(0.0, killed_at + args.kill_lease + 1 - time.monotonic()))
    fresh = Worker("fresh", base | {"TRACKER_REMINDER_BATCH_SIZE": str(args.fresh_batch)}, log)
    deadline = time.monotonic() + args.deadline
    taken_over: list[float] = []

    def watch():
        while time.monotonic() < deadline and not taken_over:
            with db.engine.connect() as conn:
                left = conn.scalar(
                    select(func.count())
                    .select_from(OUTBOX)
                    .where(OUTBOX.c.claimed_by.like(f"%:{pid}:%"), OUTBOX.c.state.in_(OPEN))
                )
            if not left:
                taken_over.append(time.monotonic() - killed_at)
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    fresh.loop(lambda: db.open_rows() == 0, deadline)
    settle(db, [fresh], deadline)
    watcher.join()
    if taken_over:
        outcome.notes.append(
            f"the killed worker's rows were all taken over {taken_over[0]:.1f} s after the kill"
        )
    outcome.notes.append(f"fresh delivery processes run {fresh.runs}")


def deferring(db, server, env, args, log, outcome) -> None:
    server.handler.defer_until = time.monotonic() + args.defer_seconds
    env = env | {"TRACKER_REMINDER_RETRY_BASE_SECONDS": str(args.retry_base)}
    deadline = time.monotonic() + args.deadline + args.defer_seconds
    worker = Worker("worker", env, log)
    worker.loop(lambda: db.open_rows() == 0, deadline, pause=1.0)
    settle(db, [worker], deadline)
    with db.engine.connect() as conn:
        attempts = Counter(
            conn.execute(
                select(OUTBOX.c.attempts).where(OUTBOX.c.state == OutboxState.SENT)
            ).scalars()
        )
    outcome.notes.append(
        f"451 answered {server.handler.deferred} times in {args.defer_seconds} s "
        f"(retry base {args.retry_base} s); attempts of the sent rows {dict(sorted(attempts.items()))}; "
        f"delivery processes run {worker.runs}"
    )


def outage(db, server, env, args, log, outcome) -> None:
    server.stop()  # nothing listening on the port
    worker = Worker("worker", env, log)
    start = datetime.now(UTC)
    step = timedelta(minutes=args.step_minutes)
    steps = int(timedelta(hours=args.outage_hours) / step)
    for n in range(steps + 1):
        worker.run_once(at=start + n * step)
    with db.engine.connect() as conn:
        tried = conn.scalar(
            select(func.count()).select_from(OUTBOX).where(OUTBOX.c.first_attempt_at.is_not(None))
        )
        failed = conn.scalar(
            select(func.count()).select_from(OUTBOX).where(OUTBOX.c.state == OutboxState.FAILED)
        )
    server.start()
    after = 0
    at = start + steps * step
    while db.open_rows() and after < 30:
        after += 1
        worker.run_once(at=at + after * step)
    end = at + after * step
    zone = local_zone()
    outcome.notes.append(
        f"outage {start.astimezone(zone):%d/%m %H:%M} to {(start + steps * step).astimezone(zone):%d/%m %H:%M}"
        f" local, {steps + 1} passes with nothing listening: {tried} rows tried, {failed} failed; "
        f"server up, settled by {end.astimezone(zone):%d/%m %H:%M} in {after} more passes"
    )
    if failed:
        outcome.problems.append(f"{failed} rows failed during a {args.outage_hours} h outage")


def poison(db, server, env, args, log, outcome, workdir) -> None:
    from tracker import create_app
    from tracker.extensions import db as flask_db
    from tracker.models import Role, TaskState
    from tracker.reminders.escalations import record_escalation

    app = create_app({"SQLALCHEMY_DATABASE_URI": db.url}, instance_path=str(workdir / "instance"))
    with app.app_context():
        session = flask_db.session
        heads = select(User.unit_id).where(User.role == Role.UNIT_HEAD, User.active.is_(True))
        task = session.scalars(
            select(Task)
            .where(Task.state == TaskState.IN_PROGRESS, Task.lead_unit_id.in_(heads))
            .order_by(Task.id)
            .limit(1)
        ).one()
        task_id = task.id
        actor = session.scalars(select(User).where(User.role == Role.OFFICE).limit(1)).one()
        escalation = record_escalation(
            session,
            task,
            kind="reminder",
            note="Đề nghị khẩn trương thực hiện.",
            explain_by=None,
            actor=actor,
            now=datetime.now(UTC),
        )
        session.commit()
        poisoned = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.kind == "escalation")
        ).all()
        session.execute(delete(Escalation).where(Escalation.id == escalation.id))
        session.commit()
        recipients = session.scalars(
            select(OutboxMessage.recipient_id).where(OutboxMessage.id.in_(poisoned))
        ).all()
        same_mail = session.scalar(
            select(func.count())
            .select_from(OUTBOX)
            .where(OUTBOX.c.recipient_id.in_(recipients), OUTBOX.c.id.not_in(poisoned))
        )
        session.remove()
        flask_db.engine.dispose()
    deadline = time.monotonic() + args.deadline
    worker = Worker("worker", env, log)
    worker.loop(lambda: db.open_rows() == 0, deadline)
    settle(db, [worker], deadline)
    rows = {row.id: row for row in db.rows()}
    ended = Counter(rows[i].state for i in poisoned)
    failed = [r for r in rows.values() if r.state == OutboxState.FAILED and r.id not in poisoned]
    with_it = sum(1 for r in failed if r.recipient_id in recipients)
    outcome.notes.append(
        f"poison rows {len(poisoned)} (escalation of task {task_id}, its record deleted) ended "
        f"{dict(ended)}; the same recipient's {same_mail} other rows: {with_it} failed with it; "
        f"rows of other mails failed {len(failed) - with_it}"
    )
    if any(rows[i].state != OutboxState.FAILED for i in poisoned):
        outcome.problems.append("the poison row did not fail")


def extension(db, server, env, args, log, outcome) -> None:
    with db.engine.begin() as conn:
        overdue = (
            conn.execute(
                select(OUTBOX.c.task_id)
                .where(OUTBOX.c.kind == "overdue")
                .group_by(OUTBOX.c.task_id)
                .order_by(func.count().desc(), OUTBOX.c.task_id)
                .limit(args.extended)
            )
            .scalars()
            .all()
        )
        before = dict(
            conn.execute(
                select(Task.__table__.c.id, Task.__table__.c.current_due_on).where(
                    Task.__table__.c.id.in_(overdue)
                )
            ).all()
        )
        later = datetime.now(UTC).date() + timedelta(days=120)
        conn.execute(
            update(Task.__table__)
            .where(Task.__table__.c.id.in_(overdue))
            .values(current_due_on=later)
        )
    try:
        deadline = time.monotonic() + args.deadline
        worker = Worker("worker", env, log)
        worker.loop(lambda: db.open_rows() == 0, deadline)
        settle(db, [worker], deadline)
    finally:
        with db.engine.begin() as conn:
            for task_id, due in before.items():
                conn.execute(
                    update(Task.__table__)
                    .where(Task.__table__.c.id == task_id)
                    .values(current_due_on=due)
                )
    rows = [r for r in db.rows() if r.task_id in before and r.kind == "overdue"]
    ended = Counter((r.state, r.end_reason) for r in rows)
    mailed = 0
    for _, message in server.handler.received():
        body = message.get_body(("plain",)).get_content()
        mailed += sum(1 for kind, t in reminders_in(body) if kind == "overdue" and t in before)
    outcome.notes.append(
        f"tasks {sorted(before)} extended to {later:%d/%m/%Y} after planning: their "
        f"{len(rows)} overdue rows ended {dict(ended)}; overdue notices of them received {mailed}"
    )
    if mailed or any(r.state != OutboxState.CANCELLED for r in rows):
        outcome.problems.append("an overdue notice of an extended task was sent")


def long_command(db, server, env, args, log, outcome) -> None:
    """A lease longer than one pass but shorter than one command's several passes (a
    backlog of many batches, as after an outage, with the default 300 s lease)."""
    two_workers(
        db,
        server,
        env,
        args,
        log,
        outcome,
        lease=args.lease7,
        batch=args.batch7,
        stagger=2 * args.lease7,
    )


SCENARIOS = {
    "1": (
        "1. two delivery processes in loops, slow server, lease shorter than a pass",
        two_workers,
    ),
    "2": ("2. kill -9 of a delivery process mid-batch, a fresh one takes over", kill_mid_batch),
    "3": ("3. the server answers 451 for the first minute, then 250", deferring),
    "4": ("4. a 3-hour outage stepped with deliver --at, then the server up", outage),
    "5": ("5. a poison row (escalation record deleted) among the others", poison),
    "6": ("6. tasks extended in SQL between planning and delivery", extension),
    "7": (
        "7. two delivery processes in loops, slow server, lease longer than a pass, "
        "shorter than a command",
        long_command,
    ),
}


def describe(key: str, args) -> str:
    title = SCENARIOS[key][0]
    extra = {
        "1": f" (DATA {args.slow} s, lease {args.lease} s)",
        "2": f" (DATA {args.slow} s; killed: batch {args.kill_batch} mails, lease "
        f"{args.kill_lease} s, at: {args.kill_when}; fresh: batch {args.fresh_batch})",
        "3": f" ({args.defer_seconds} s of 451)",
        "4": f" ({args.outage_hours} h in {args.step_minutes}-minute steps)",
        "7": f" (DATA {args.slow} s, batch {args.batch7} mails, lease {args.lease7} s)",
    }.get(key, "")
    return title + extra


def run_database(label: str, url: str, args, workdir: Path) -> list[Outcome]:
    server = Server()
    server.start()
    env = base_env(url, server.port)
    db = Database(label, url)
    outcomes = []
    try:
        prepare(db, env, args, workdir)
        for key in args.scenarios:
            db.reset()
            server.start()
            server.handler.reset()
            log = workdir / f"{label}-scenario-{key}.log"
            outcome = Outcome(label, describe(key, args))
            started = time.monotonic()
            run = SCENARIOS[key][1]
            if key == "5":
                run(db, server, env, args, log, outcome, workdir)
            else:
                run(db, server, env, args, log, outcome)
            outcome.seconds = time.monotonic() - started
            assess(outcome, db, server, log)
            report(outcome)
            outcomes.append(outcome)
    finally:
        server.stop()
        db.engine.dispose()
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL URL of a scratch database")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--sqlite", action="store_true", help="also run on SQLite (a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    parser.add_argument("--tasks", type=int, default=15000)
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--scenarios", default="1,2,3,4,5,6,7")
    parser.add_argument("--slow", type=float, default=0.3, help="seconds per DATA (1, 2)")
    parser.add_argument("--lease", type=int, default=2, help="lease seconds (1)")
    parser.add_argument("--kill-lease", type=int, default=5, help="lease seconds (2)")
    parser.add_argument("--kill-batch", type=int, default=10, help="batch size (2)")
    parser.add_argument("--fresh-batch", type=int, default=1000, help="batch after (2)")
    parser.add_argument("--kill-after", type=int, default=15, help="mails before the kill (2)")
    parser.add_argument(
        "--kill-when",
        choices=("joined", "any"),
        default="joined",
        help="kill at a mail whose recipient has rows outside the claim (joined) or at any (2)",
    )
    parser.add_argument("--defer-seconds", type=float, default=60, help="451 for this long (3)")
    parser.add_argument("--retry-base", type=int, default=10, help="retry base seconds (3)")
    parser.add_argument("--outage-hours", type=float, default=3)
    parser.add_argument("--step-minutes", type=int, default=10)
    parser.add_argument("--extended", type=int, default=3, help="tasks extended (6)")
    parser.add_argument("--batch7", type=int, default=10, help="batch size (7)")
    parser.add_argument("--lease7", type=int, default=10, help="lease seconds (7)")
    parser.add_argument("--deadline", type=float, default=240, help="seconds per scenario")
    args = parser.parse_args()
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if unknown := [s for s in args.scenarios if s not in SCENARIOS]:
        parser.error(f"unknown scenarios {unknown}")
    started = time.monotonic()
    outcomes: list[Outcome] = []
    workdir = Path(tempfile.mkdtemp(prefix="outbox_faults_"))
    print(f"logs in {workdir}")
    if not args.no_pg:
        create_database(args.pg)
        try:
            outcomes += run_database("postgresql", args.pg, args, workdir)
        finally:
            if not args.keep:
                drop_database(args.pg)
    if args.sqlite:
        url = f"sqlite:///{workdir / 'outbox_faults.db'}"
        outcomes += run_database("sqlite", url, args, workdir)
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    (workdir / f"outbox_faults.db{suffix}").unlink()
    print()
    print(
        f"{'database':<11} {'scenario':<9} {'sent':>5} {'canc':>5} {'fail':>5} {'pend':>5} "
        f"{'mails':>6} {'ids':>5} {'dupID':>5} {'dupC':>5} {'lost':>5} {'hid':>5} {'s':>6}  result"
    )
    for o in outcomes:
        s = o.states
        print(
            f"{o.label:<11} {o.scenario.split('.')[0]:<9} {s['sent']:>5} {s['cancelled']:>5} "
            f"{s['failed']:>5} {s['pending'] + s['sending']:>5} {o.received:>6} "
            f"{o.distinct_ids:>5} {o.same_id:>5} {o.same_content + o.same_reminder:>5} "
            f"{o.lost:>5} {o.hidden:>5} {o.seconds:>6.1f}  {'OK' if o.ok else 'PROBLEM'}"
        )
    print(f"total {time.monotonic() - started:.0f} s")
    return 0 if outcomes and all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
