"""Command-line interface: ``flask --app tracker CMD`` or the ``tracker`` console script.

Each command is a thin wrapper around a service function. Bad input exits with status 2
and a message naming what is wrong.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .database import analyze
from .extensions import db

USAGE_ERROR = 2


def fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(USAGE_ERROR)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Apply the database migrations and add the public holidays."""
    from flask_migrate import upgrade

    from .seeding import seed_holidays

    upgrade(revision="heads")
    added = seed_holidays()
    click.echo(f"Database is up to date; {added} holidays added.")


@click.command("seed")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@with_appcontext
def seed_command(file: Path | None):
    """Load directives, tasks and units from FILE (default: seeds/directives.yaml)."""
    from .seeding import DEFAULT_DIRECTIVES, SeedError, seed_directives

    try:
        result = seed_directives(file or DEFAULT_DIRECTIVES)
    except SeedError as exc:
        fail(f"Nothing was imported.\n{exc}")
    analyze(db.engine)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(result.summary())


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, help="admin, office, leader, unit_head, unit_staff, viewer")
@click.option("--unit", "unit_code", help="unit code (required for unit roles)")
@click.option("--position", help="position (chức vụ)")
@click.option("--password", help="omit to be prompted")
@with_appcontext
def create_user_command(email, name, role, unit_code, position, password):
    """Create a user account."""
    from .services.accounts import AccountError, create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, name, role, password, unit_code=unit_code, position=position)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        fail(f"error: {exc}")
    click.echo(f"Created {user.email} ({user.role}).")


@click.command("demo")
@click.option("--tasks", "task_count", default=2000, show_default=True, type=click.IntRange(1))
@click.option("--units", "unit_count", default=40, show_default=True, type=click.IntRange(2))
@click.option("--seed", "random_seed", default=2021, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="do nothing if demo data is already loaded")
@with_appcontext
def demo_command(task_count: int, unit_count: int, random_seed: int, if_empty: bool):
    """Load a reproducible synthetic workload and demo sign-in accounts (one per role)."""
    from . import demo
    from .calendar import local_today

    logins_file = Path(current_app.instance_path) / "demo-logins.txt"
    if if_empty and demo.is_loaded(db.session):
        click.echo("Demo data already loaded.")
        if logins_file.exists():
            click.echo(logins_file.read_text(encoding="utf-8"))
        return
    started = time.perf_counter()
    with click.progressbar(length=task_count, label="Demo tasks", file=sys.stderr) as bar:
        summary = demo.generate(
            db.session,
            tasks=task_count,
            units=unit_count,
            seed=random_seed,
            today=local_today(),
            progress=bar.update,
        )
        logins = create_demo_logins()
        if logins:
            _give_demo_logins_work()
        db.session.commit()
    analyze(db.engine)
    elapsed = time.perf_counter() - started
    click.echo(f"Loaded {summary} in {elapsed:.1f} s.")
    if logins:
        text = format_logins(logins)
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.write_text(text, encoding="utf-8")
        logins_file.chmod(0o600)
        click.echo(text)


DEMO_ACCOUNTS = [
    # role, email, name, preferred unit codes (the first that exists and is active)
    ("admin", "admin@tracker.local", "Quản trị hệ thống", []),
    ("office", "vanphong@tracker.local", "Chuyên viên Văn phòng UBND tỉnh", ["VP_UBND"]),
    ("leader", "lanhdao@tracker.local", "Phó Chủ tịch UBND tỉnh (demo)", []),
    # Sở TT&TT, or its successor once the 2025 merger has made it inactive.
    ("unit_head", "giamdoc.stttt@tracker.local", "Giám đốc Sở TT&TT (demo)", ["STTTT", "SKHCN"]),
    (
        "unit_staff",
        "chuyenvien.stttt@tracker.local",
        "Chuyên viên Sở TT&TT (demo)",
        ["STTTT", "SKHCN"],
    ),
    ("viewer", "theodoi@tracker.local", "Người xem (demo)", []),
]


def create_demo_logins() -> list[tuple[str, str, str]]:
    """One sign-in account per role with a fresh random password; returns (role, email,
    password) for the accounts created (existing ones keep their password)."""
    from .models import Unit, User
    from .services.accounts import create_user

    created = []
    for role, email, name, unit_codes in DEMO_ACCOUNTS:
        if db.session.scalar(db.select(User).filter_by(email=email)):
            continue
        unit_code = next(
            (
                c
                for c in unit_codes
                if db.session.scalar(db.select(Unit).filter_by(code=c, active=True))
            ),
            None,
        )
        if role in {"unit_head", "unit_staff"} and unit_code is None:
            unit_code = db.session.scalar(
                db.select(Unit.code)
                .where(Unit.kind == "department", Unit.active.is_(True))
                .order_by(Unit.id)
            )
        password = secrets.token_urlsafe(12)
        create_user(email, name, role, password, unit_code=unit_code)
        created.append((role, email, password))
    return created


def _give_demo_logins_work() -> None:
    from . import demo
    from .calendar import local_today
    from .models import User

    def user_id(email: str) -> int:
        return db.session.scalar(db.select(User.id).filter_by(email=email))

    leader_id, office_id = user_id("lanhdao@tracker.local"), user_id("vanphong@tracker.local")
    if leader_id and office_id:
        demo.give_work_to(db.session, leader_id=leader_id, office_id=office_id, today=local_today())


def format_logins(logins: list[tuple[str, str, str]]) -> str:
    lines = ["Demo sign-in accounts (passwords generated for this install):"]
    lines += [f"  {role:<11} {email:<32} {password}" for role, email, password in logins]
    return "\n".join(lines) + "\n"


@click.command("report")
@click.option(
    "--period", "period_text", required=True, help="2021-03, 2021-Q1, 2021-H1, 2021 or FROM..TO"
)
@click.option("--as-of", "as_of_text", help="YYYY-MM-DD (default: the period's end or today)")
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True
)
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--scope",
    type=click.Choice(["assigned", "due", "cumulative"]),
    help="tasks assigned in the period, due in it, or in force in it (default: the setting "
    "REPORT_PERIOD_SCOPE)",
)
@click.option(
    "--later-confirmations",
    is_flag=True,
    help="count results confirmed after the as-of date (default: only what was known then)",
)
@with_appcontext
def report_command(
    period_text: str,
    as_of_text: str | None,
    fmt: str,
    output: Path,
    scope: str | None,
    later_confirmations: bool,
):
    """Write the period report (Excel "PHỤ LỤC" layout or CSV) to OUTPUT, as the Office sees it."""
    from datetime import date

    from .calendar import local_today
    from .models import Role, User
    from .services import exports
    from .services.reports import PeriodError, date_range, parse_period
    from .services.tasks import status_context

    try:
        period = parse_period(period_text, scope)
    except PeriodError as exc:
        fail(f"error: {exc}")
    try:
        as_of = date.fromisoformat(as_of_text) if as_of_text else min(period.end, local_today())
    except ValueError:
        fail(f"error: invalid --as-of {as_of_text!r}: expected YYYY-MM-DD")
    low, high = date_range()
    if not low <= as_of <= high:
        fail(f"error: invalid --as-of {as_of_text!r}: it must lie between {low} and {high}")
    # The whole province, as the Office sees it.
    reader = User(role=Role.OFFICE.value, name="tracker report", email="cli@localhost")
    ctx = status_context(as_of, later_confirmations)
    build = exports.build_xlsx if fmt == "xlsx" else exports.build_csv
    data = build(reader, ctx, period)
    output.write_bytes(data)
    click.echo(
        f"Wrote {output} ({period.label}, {period.scope}, as of {as_of:%d/%m/%Y}"
        f"{', including later confirmations' if later_confirmations else ''})."
    )


def _moment(value: str | None):
    """--at ISO-DATETIME: a naive time is local (Asia/Ho_Chi_Minh); none means now."""
    from datetime import UTC, datetime

    from .calendar import local_zone

    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"error: --at {value!r} is not an ISO date-time (e.g. 2021-03-15T08:00)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment


@click.group("reminders")
def reminders_group():
    """Plan and deliver reminder mails once (the scheduler does it every few minutes)."""


_at_option = click.option(
    "--at", "at", metavar="ISO-DATETIME", help="as of this time (default: now)"
)


def _echo_plan(result) -> None:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.by_kind.items())) or "none"
    click.echo(
        f"Planned {result.planned} reminders for {result.day:%d/%m/%Y} ({kinds}); "
        f"{result.inserted} new in the outbox."
    )
    if result.caught_up:
        days = ", ".join(f"{day:%d/%m/%Y}" for day in result.caught_up)
        click.echo(f"Caught up the days missed: {days}.")


def _echo_delivery(result) -> None:
    click.echo(
        f"Delivered {result.mails} mails ({result.sent} reminders); retry later "
        f"{result.retried}, failed {result.failed}, cancelled {result.cancelled}."
    )
    if result.timed_out:
        click.echo("Stopped at the time limit: run it again, or let the scheduler send the rest.")
    if result.paused:
        click.echo(
            f"Paused: the mail server refused the sign-in or relaying; {result.paused} "
            "reminders wait until the SMTP settings are fixed.",
            err=True,
        )
    for error in sorted(set(result.errors)):
        click.echo(f"  error: {error}", err=True)


@reminders_group.command("plan")
@_at_option
@with_appcontext
def reminders_plan_command(at):
    """Put the reminders due now into the outbox."""
    from .reminders.planner import plan

    result = plan(_moment(at))
    db.session.commit()
    _echo_plan(result)


_time_limit_option = click.option(
    "--time-limit",
    type=click.IntRange(1, 24 * 3600),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="stop delivering after this long (the scheduler sends the rest)",
)


@reminders_group.command("deliver")
@_at_option
@_time_limit_option
@with_appcontext
def reminders_deliver_command(at, time_limit):
    """Send everything due in the outbox (SMTP, or .eml files in instance/mail/)."""
    from .reminders.delivery import deliver_all

    _echo_delivery(deliver_all(_moment(at), time_limit=time_limit))


@reminders_group.command("run")
@_at_option
@_time_limit_option
@with_appcontext
def reminders_run_command(at, time_limit):
    """Plan, then deliver everything due."""
    from .reminders.delivery import deliver_all
    from .reminders.planner import plan

    moment = _moment(at)
    result = plan(moment)
    db.session.commit()
    _echo_plan(result)
    _echo_delivery(deliver_all(moment, time_limit=time_limit))


@reminders_group.command("purge")
@_at_option
@with_appcontext
def reminders_purge_command(at):
    """Delete sent and cancelled outbox rows older than REMINDER_PURGE_AFTER_DAYS."""
    from .reminders.housekeeping import purge_outbox

    purged = purge_outbox(_moment(at))
    db.session.commit()
    click.echo(
        f"Purged {purged} sent or cancelled messages older than "
        f"{current_app.config['REMINDER_PURGE_AFTER_DAYS']} days."
    )


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the reminder scheduler in this process (for gunicorn or several hosts: start
    exactly this one next to the web workers, and leave TRACKER_SCHEDULER off for them)."""
    import logging

    from .reminders.scheduler import build_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = current_app._get_current_object()
    scheduler = build_scheduler(app, blocking=True)
    click.echo(f"Reminder scheduler running (time zone {app.config['TIMEZONE']}); Ctrl-C stops it.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@click.command("intake")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="print the proposal as JSON")
@with_appcontext
def intake_command(file: Path, as_json: bool):
    """Read a notice (.txt, .docx, .pdf) into a proposed directive and tasks, against the
    units of this database. Nothing is written."""
    import json

    from .calendar import load_calendar
    from .intake import UnreadableFile, catalogue_from_db, read_file, read_notice

    try:
        text = read_file(file)
    except UnreadableFile as exc:
        fail(str(exc))
    proposal = read_notice(text, catalogue_from_db(), load_calendar())
    if as_json:
        click.echo(json.dumps(proposal.as_json(), ensure_ascii=False, indent=2))
        return
    _echo_proposal(proposal)


def _echo_proposal(proposal) -> None:
    from flask_babel import gettext as _

    def day(value) -> str:
        return value.strftime("%d/%m/%Y") if value else "—"

    d = proposal.directive
    click.echo(_("Directive: %(symbol)s of %(day)s", symbol=d.symbol or "—", day=day(d.issued_on)))
    click.echo(_("Signed by: %(signer)s", signer=d.signer or "—"))
    for number, task in enumerate(proposal.tasks, 1):
        lead = task.lead
        lead_text = "—" if lead is None else lead.name
        if lead is not None and lead.unit is None and not lead.generic:
            lead_text += (
                " ("
                + _("unit not found; closest: %(names)s", names=", ".join(lead.closest) or "—")
                + ")"
            )
        click.echo(f"{number}. {task.text}")
        click.echo("   " + _("Lead: %(unit)s", unit=lead_text))
        if task.coordinating:
            names = ", ".join(u.name for u in task.coordinating)
            click.echo("   " + _("Coordinating: %(units)s", units=names))
        due = day(task.due_on) if task.due_on else _("no deadline")
        click.echo("   " + _("Deadline: %(day)s", day=due))
    if not proposal.tasks:
        click.echo(_("No task found in the text."))


COMMANDS = [
    init_db_command,
    seed_command,
    create_user_command,
    demo_command,
    report_command,
    reminders_group,
    scheduler_command,
    intake_command,
]


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def main() -> None:
    from . import create_app

    cli = FlaskGroup(create_app=create_app, name="tracker", help="Tracker commands.")
    cli.main(prog_name="tracker")
