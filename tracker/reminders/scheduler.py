"""APScheduler 3.x jobs: plan and deliver. In the web process for ``make run``, or in its
own ``tracker scheduler`` process for gunicorn and several hosts. Correctness never depends
on only one scheduler running: the outbox's unique key and atomic claim guarantee it."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

PLAN_JOB = "reminders.plan"
DELIVER_JOB = "reminders.deliver"
DAILY_JOB = "reminders.daily"
DIGEST_JOB = "reminders.digest"
PURGE_JOB = "reminders.purge"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# One delivery pass at a time in this process: the every-minute job, the 07:00 daily job
# and the Monday digest job all deliver, under different job ids, so max_instances alone
# lets them overlap. A trigger that finds a pass running skips its delivery (the next
# minute's pass sends what it planned). Across processes the outbox's fencing makes
# overlap harmless.
DELIVERY_LOCK = threading.Lock()


def run_pass(app, *, plan: bool = True, deliver: bool = True, now: datetime | None = None):
    """One planning and/or delivery pass as of ``now`` in its own app context."""
    from ..extensions import db
    from . import delivery, planner

    now = now or datetime.now(UTC)
    with app.app_context():
        try:
            planned = delivered = None
            if plan:
                planned = planner.plan(now)
                db.session.commit()
                log.info(
                    "reminders.plan day=%s tasks=%d planned=%d inserted=%d",
                    planned.day,
                    planned.tasks_seen,
                    planned.planned,
                    planned.inserted,
                )
            if deliver:
                if DELIVERY_LOCK.acquire(blocking=False):
                    try:
                        delivered = delivery.deliver(now)
                    finally:
                        DELIVERY_LOCK.release()
                else:
                    log.info("reminders.deliver skipped: a pass is running in this process")
            return planned, delivered
        except Exception:
            db.session.rollback()
            log.exception("reminders pass failed")
            raise
        finally:
            db.session.remove()


def purge_pass(app, now: datetime | None = None) -> int:
    """Delete old sent and cancelled outbox rows, in its own app context."""
    from ..extensions import db
    from .housekeeping import purge_outbox

    now = now or datetime.now(UTC)
    with app.app_context():
        try:
            purged = purge_outbox(now)
            db.session.commit()
            log.info("reminders.purge deleted=%d", purged)
            return purged
        except Exception:
            db.session.rollback()
            log.exception("reminders purge failed")
            raise
        finally:
            db.session.remove()


def _job(app, run=None, **kw):
    """A job running ``run`` (run_pass by default) in its own app context."""
    run = run or run_pass

    def job():
        # Logged in run_pass / purge_pass; the next tick tries again.
        with contextlib.suppress(Exception):
            run(app, **kw)

    return job


def build_scheduler(app, *, blocking: bool = False):
    """The scheduler with its jobs, not started."""
    from .delivery import check_smtp_settings

    config = app.config
    check_smtp_settings(config)
    zone = ZoneInfo(config["TIMEZONE"])
    cls = BlockingScheduler if blocking else BackgroundScheduler
    # Coalesce: after a pause (laptop asleep, process stopped) run once, not once per
    # missed tick; a tick late by less than the grace time still runs.
    job_options = {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": config["REMINDER_MISFIRE_GRACE_SECONDS"],
        "replace_existing": True,
    }
    scheduler = cls(timezone=zone)
    daily_h, daily_m = (int(x) for x in config["REMINDER_DAILY_AT"].split(":"))
    digest_h, digest_m = (int(x) for x in config["REMINDER_DIGEST_AT"].split(":"))
    scheduler.add_job(
        _job(app, deliver=False),
        IntervalTrigger(minutes=config["REMINDER_PLAN_EVERY_MINUTES"], timezone=zone),
        next_run_time=datetime.now(zone),  # catch up at start-up, then every few minutes
        id=PLAN_JOB,
        name="plan reminders",
        **job_options,
    )
    scheduler.add_job(
        _job(app, plan=False),
        IntervalTrigger(seconds=config["REMINDER_DELIVER_EVERY_SECONDS"], timezone=zone),
        id=DELIVER_JOB,
        name="deliver the outbox",
        **job_options,
    )
    scheduler.add_job(
        _job(app),
        CronTrigger(hour=daily_h, minute=daily_m, timezone=zone),
        id=DAILY_JOB,
        name="daily reminders",
        **job_options,
    )
    scheduler.add_job(
        _job(app),
        CronTrigger(
            day_of_week=WEEKDAYS[config["REMINDER_DIGEST_WEEKDAY"]],
            hour=digest_h,
            minute=digest_m,
            timezone=zone,
        ),
        id=DIGEST_JOB,
        name="weekly digest",
        **job_options,
    )
    purge_h, purge_m = (int(x) for x in config["REMINDER_PURGE_AT"].split(":"))
    scheduler.add_job(
        _job(app, purge_pass),
        CronTrigger(hour=purge_h, minute=purge_m, timezone=zone),
        id=PURGE_JOB,
        name="purge old outbox rows",
        **job_options,
    )
    return scheduler


def should_start_in_process(app) -> bool:
    """TRACKER_SCHEDULER=on, in a process that serves the web: not another command
    (``tracker init-db`` must not start one), and not the reloader's watching parent
    process (two schedulers are harmless for correctness, but twice the work)."""
    if not app.config.get("SCHEDULER") or app.testing:
        return False
    command = click.get_current_context(silent=True)
    if command is not None and command.info_name != "run":
        return False
    return not (app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true")


def start_in_process(app):
    if not should_start_in_process(app):
        return None
    scheduler = build_scheduler(app)
    scheduler.start()
    app.extensions["reminder_scheduler"] = scheduler
    log.info("reminders.scheduler started in-process timezone=%s", app.config["TIMEZONE"])
    return scheduler
