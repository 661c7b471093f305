"""Reminder mails: planned once, delivered once, to the right people, over real SMTP
(aiosmtpd on 127.0.0.1). Time is passed in; nothing sleeps."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import make_directive, make_task, make_unit, make_user
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    ExtensionRequest,
    OutboxMessage,
    OutboxState,
    Task,
    TaskState,
)
from tracker.reminders import delivery, planner
from tracker.reminders.outbox import claim

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    """A local time in Quảng Ngãi, as the aware UTC moment the code receives."""
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


# --- fixtures --------------------------------------------------------------------------


def run(worker_app, step: str, now: datetime, **kw):
    """One planning or delivery pass in the worker app, as another process would."""
    db.session.commit()  # let the worker see the test's data
    with worker_app.app_context():
        try:
            if step == "plan":
                result = planner.plan(now)
                db.session.commit()
            else:
                result = delivery.deliver(now, **kw)
            return result
        finally:
            db.session.remove()


def rows(**where):
    db.session.commit()  # a fresh snapshot
    return db.session.scalars(select(OutboxMessage).filter_by(**where)).all()


# --- a small office --------------------------------------------------------------------


class Office:
    """Two units, their people, a leader who wants the digest and one who does not."""

    def __init__(self):
        self.lead = make_unit("SXD", "Sở Xây dựng")
        self.coord = make_unit("STC", "Sở Tài chính")
        self.office = make_unit("VP", "Văn phòng UBND tỉnh", kind="office")
        self.focal = make_user("unit_staff", self.lead, email="focal@test.local")
        self.gone = make_user("unit_staff", self.lead, email="gone@test.local", active=False)
        self.head = make_user("unit_head", self.lead, email="head@test.local")
        self.coord_head = make_user("unit_head", self.coord, email="coordhead@test.local")
        make_user("unit_head", self.coord, email="retired@test.local", active=False)
        self.monitor = make_user("office", self.office, email="monitor@test.local")
        self.leader = make_user("leader", email="lanhdao@test.local")
        self.quiet_leader = make_user("leader", email="lanhdao2@test.local", wants_digest=False)
        self.directive = make_directive("45/TB-UBND", issued_on=date(2021, 3, 1))

    def names(self):
        return {
            self.focal.email: "focal",
            self.head.email: "head",
            self.coord_head.email: "coordhead",
            self.monitor.email: "monitor",
            self.leader.email: "leader",
            self.quiet_leader.email: "quiet",
        }


def received(smtp, session_rows=None):
    """The mails received since the last call, as data: (recipient, {(kind, task)})."""
    by_message_id = {}
    for row in session_rows if session_rows is not None else rows(state=OutboxState.SENT):
        by_message_id.setdefault(row.message_id, set()).add((row.kind, row.task_id))
    mails = []
    for message in smtp.take():
        mails.append((message["To"].addresses[0].addr_spec, message["Message-ID"]))
    return mails, by_message_id


# --- the 30-day scenario ---------------------------------------------------------------


def test_thirty_days_of_reminders_yield_exactly_the_expected_mails(app, smtp, worker_apps):
    """March 2021 (no public holiday), planner and delivery every morning at 08:00."""
    o = Office()
    t1 = make_task(
        o.directive,
        o.lead,
        title="Rà soát chương trình, kế hoạch",
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 10),
        focal_person=o.focal,
        monitor=o.monitor,
        assigned_by=o.leader,
        coordinating_units=[o.coord],
    )
    # Its focal person left: the lead unit's head gets the mails instead.
    t2 = make_task(
        o.directive,
        o.lead,
        title="Báo cáo hạ tầng",
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 5),
        focal_person=o.gone,
        assigned_by=o.leader,
    )
    t4 = make_task(
        o.directive,
        o.lead,
        title="Nhiệm vụ không thời hạn",
        assigned_on=date(2021, 3, 1),
        focal_person=o.focal,
    )
    make_task(
        o.directive,
        o.lead,
        title="Nhiệm vụ đã rút",
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 12),
        focal_person=o.focal,
        monitor=o.monitor,
        state=TaskState.WITHDRAWN,
    )
    db.session.commit()
    worker = worker_apps(smtp.port)
    names = o.names()
    task_names = {t1.id: "T1", t2.id: "T2", t4.id: "T4", None: "-"}
    got = set()
    t3_id = None
    day = date(2021, 3, 1)
    while day <= date(2021, 3, 30):
        if day == date(2021, 3, 4):
            db.session.get(Task, t2.id).state = TaskState.COMPLETED
        if day == date(2021, 3, 15):
            # A pending extension request does not silence the overdue notices.
            db.session.add(
                ExtensionRequest(
                    task_id=t1.id,
                    proposed_due_on=date(2021, 4, 30),
                    reason="Chờ ý kiến các sở",
                    due_on_before=date(2021, 3, 10),
                )
            )
            t3 = make_task(
                o.directive,
                o.coord,
                title="Phương án tài chính",
                assigned_on=day,
                due_on=date(2021, 3, 26),
                monitor=o.monitor,
                assigned_by=o.quiet_leader,
                coordinating_units=[o.lead],
            )
            t3_id = t3.id
            task_names[t3_id] = "T3"
        run(worker, "plan", at(day))
        if day == date(2021, 3, 15):
            # Planned, then the Sở Xây dựng leaves the task before the mail goes out.
            db.session.get(Task, t3_id).coordinating_units = []
        run(worker, "deliver", at(day))
        mails, by_id = received(smtp)
        for recipient, message_id in mails:
            items = frozenset((kind, task_names[task]) for kind, task in by_id[message_id])
            got.add((day.day, names[recipient], items))
        day += timedelta(days=1)

    A, S, T, L, D = "assigned", "due_soon", "due_today", "overdue", "digest"
    expected = {
        (1, "focal", frozenset({(A, "T1"), (A, "T4")})),
        (1, "head", frozenset({(A, "T1"), (A, "T2"), (A, "T4")})),
        (1, "coordhead", frozenset({(A, "T1")})),
        (1, "monitor", frozenset({(A, "T1")})),
        (1, "leader", frozenset({(D, "-")})),  # T2 due in 4 days; T1 in 9
        (3, "focal", frozenset({(S, "T1")})),  # 5 working days before
        (3, "monitor", frozenset({(S, "T1")})),
        (8, "leader", frozenset({(D, "-")})),
        (9, "focal", frozenset({(S, "T1")})),  # 1 working day before
        (9, "monitor", frozenset({(S, "T1")})),
        (10, "focal", frozenset({(T, "T1")})),
        (10, "monitor", frozenset({(T, "T1")})),
        (11, "focal", frozenset({(L, "T1")})),  # 1st working day overdue
        (11, "monitor", frozenset({(L, "T1")})),
        (15, "coordhead", frozenset({(A, "T3")})),  # lead of T3, which has no focal person
        (15, "monitor", frozenset({(A, "T3")})),
        (15, "leader", frozenset({(D, "-")})),
        (16, "focal", frozenset({(L, "T1")})),  # 4th working day, 6 days overdue
        (16, "monitor", frozenset({(L, "T1")})),
        (19, "focal", frozenset({(L, "T1")})),  # 7th working day, 9 days: head copied
        (19, "head", frozenset({(L, "T1")})),
        (19, "monitor", frozenset({(L, "T1"), (S, "T3")})),  # one mail a person a day
        (19, "coordhead", frozenset({(S, "T3")})),
        (22, "leader", frozenset({(D, "-")})),
        (24, "focal", frozenset({(L, "T1")})),
        (24, "head", frozenset({(L, "T1")})),
        (24, "monitor", frozenset({(L, "T1")})),
        (25, "coordhead", frozenset({(S, "T3")})),
        (25, "monitor", frozenset({(S, "T3")})),
        (26, "coordhead", frozenset({(T, "T3")})),
        (26, "monitor", frozenset({(T, "T3")})),
        (29, "focal", frozenset({(L, "T1")})),
        (29, "head", frozenset({(L, "T1")})),
        (29, "monitor", frozenset({(L, "T1"), (L, "T3")})),
        (29, "coordhead", frozenset({(L, "T3")})),
        (29, "leader", frozenset({(D, "-")})),
    }
    assert sorted(got, key=str) == sorted(expected, key=str)
    # The head of Sở Xây dựng was planned for T3's assignment, but the unit had left.
    cancelled = rows(state=OutboxState.CANCELLED)
    assert [(r.kind, r.task_id, r.recipient.email) for r in cancelled] == [
        ("assigned", t3_id, "head@test.local")
    ]
    digests = rows(kind="digest")
    assert [r.payload["task_ids"] for r in sorted(digests, key=lambda r: r.day)] == [
        [t2.id],
        [t1.id],
        [t1.id],
        [t1.id],
        [t1.id],
    ]


# --- what a mail says ------------------------------------------------------------------


def one_overdue_task(o: Office, **kw) -> Task:
    task = make_task(
        o.directive,
        o.lead,
        title=kw.pop("title", "Hoàn thiện mạng lưới đài truyền thanh cấp xã"),
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 10),
        focal_person=o.focal,
        monitor=o.monitor,
        **kw,
    )
    db.session.commit()
    return task


def test_a_mail_is_vietnamese_text_and_html_with_the_task_link_and_directive(
    app, smtp, worker_apps
):
    o = Office()
    task = one_overdue_task(o)
    worker = worker_apps(smtp.port)
    run(worker, "plan", at(date(2021, 3, 11)))
    result = run(worker, "deliver", at(date(2021, 3, 11)))
    assert (result.mails, result.sent) == (2, 2)
    mail = next(m for m in smtp.messages if m["To"].addresses[0].addr_spec == "focal@test.local")
    assert (
        mail["Subject"]
        == "[Nhắc việc] «Hoàn thiện mạng lưới đài truyền thanh cấp xã» quá hạn 1 ngày"
    )
    assert (
        mail["Message-ID"].startswith("<tracker-outbox-") and "@tracker.test>" in mail["Message-ID"]
    )
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for body in (text, html):
        assert f"https://tracker.test/tasks/{task.id}" in body
        assert "45/TB-UBND" in body and "Kết luận buổi làm việc" in body
        assert "10/03/2021" in body
    assert "quá hạn 1 ngày" in text and "Quá hạn 1 ngày" in html
    # The task's timeline shows each reminder sent for it.
    db.session.commit()
    events = db.session.scalars(
        select(AuditEvent).filter_by(action="reminder.sent", task_id=task.id)
    ).all()
    assert sorted(e.note for e in events) == [
        "overdue → focal@test.local",
        "overdue → monitor@test.local",
    ]


def test_without_an_smtp_host_mail_is_written_as_eml_files(app, worker_apps):
    from pathlib import Path

    o = Office()
    one_overdue_task(o)
    worker = worker_apps(None)
    run(worker, "plan", at(date(2021, 3, 11)))
    result = run(worker, "deliver", at(date(2021, 3, 11)))
    files = sorted((Path(app.instance_path) / "mail").glob("*.eml"))
    assert result.mails == 2 and len(files) == 2
    assert b"Subject: =?utf-8?" in files[0].read_bytes()


# --- exactly once ----------------------------------------------------------------------


def many_tasks(o: Office, n: int) -> None:
    """n overdue tasks, each with its own focal person: 2n reminders, n + 1 mails."""
    for k in range(n):
        person = make_user("unit_staff", o.lead, email=f"staff{k}@test.local")
        make_task(
            o.directive,
            o.lead,
            item_no=100 + k,
            title=f"Nhiệm vụ số {k}",
            assigned_on=date(2021, 3, 1),
            due_on=date(2021, 3, 10),
            focal_person=person,
            monitor=o.monitor,
        )
    db.session.commit()


def test_planning_twice_adds_nothing(app, worker_apps):
    o = Office()
    many_tasks(o, 5)
    worker = worker_apps(None)
    first = run(worker, "plan", at(date(2021, 3, 11)))
    second = run(worker, "plan", at(date(2021, 3, 11), 9))
    assert (first.planned, first.inserted) == (10, 10)
    assert (second.planned, second.inserted) == (10, 0)
    assert len(rows()) == 10


def test_two_planners_and_two_workers_at_once_deliver_every_mail_exactly_once(
    app, smtp, worker_apps
):
    o = Office()
    many_tasks(o, 40)
    now = at(date(2021, 3, 11))
    workers = [worker_apps(smtp.port, REMINDER_BATCH_SIZE=7) for _ in range(2)]
    db.session.commit()
    errors = []
    barrier = threading.Barrier(2)

    def work(worker_app):
        try:
            with worker_app.app_context():
                barrier.wait()
                planner.plan(now)
                db.session.commit()
                barrier.wait()
                while delivery.deliver(now).claimed:
                    pass
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    sent = rows()
    assert len(sent) == 80 and {r.state for r in sent} == {OutboxState.SENT}
    message_ids = [m["Message-ID"] for m in smtp.messages]
    assert len(message_ids) == len(set(message_ids)), "a mail was sent twice"
    # Every reminder arrived once: the 40 focal people and the monitor got theirs.
    assert {r.message_id for r in sent} == set(message_ids)
    recipients = [m["To"].addresses[0].addr_spec for m in smtp.messages]
    assert sorted(set(recipients)) == sorted(
        {f"staff{k}@test.local" for k in range(40)} | {"monitor@test.local"}
    )
    assert len([r for r in recipients if r.startswith("staff")]) == 40


def test_one_mail_a_person_a_day_however_many_reminders(app, smtp, worker_apps):
    o = Office()
    many_tasks(o, 6)
    worker = worker_apps(smtp.port, REMINDER_BATCH_SIZE=2)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    passes = []
    while result := run(worker, "deliver", now):
        if not result.claimed:
            break
        passes.append((result.mails, result.sent))
    monitor_mails = [
        m for m in smtp.messages if m["To"].addresses[0].addr_spec == "monitor@test.local"
    ]
    assert len(monitor_mails) == 1 and len(smtp.messages) == 7
    assert sum(sent for _, sent in passes) == 12 and all(mails <= 2 for mails, _ in passes)


def test_smtp_down_then_up_every_mail_arrives_once(app, smtp_down, worker_apps):
    o = Office()
    many_tasks(o, 3)
    worker = worker_apps(smtp_down.port)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    down = run(worker, "deliver", now)
    assert (down.claimed, down.retried, down.sent) == (6, 6, 0)
    pending = rows(state=OutboxState.PENDING)
    assert len(pending) == 6 and all(r.next_attempt_at > now for r in pending)
    assert "Connection" in pending[0].last_error or "refused" in pending[0].last_error
    # Backing off: a pass a few seconds later does not try again.
    assert run(worker, "deliver", now + timedelta(seconds=5)).claimed == 0
    again = run(worker, "deliver", now + timedelta(minutes=2))
    assert again.retried == 6
    # 60 s × 2 after the failure (the pass's clock: a few milliseconds after its start).
    backoff = [
        r.next_attempt_at - (now + timedelta(minutes=2)) for r in rows(state=OutboxState.PENDING)
    ]
    assert len(backoff) == 6
    assert all(timedelta(seconds=120) <= b < timedelta(seconds=125) for b in backoff)

    smtp_down.start()
    up = run(worker, "deliver", now + timedelta(hours=1))
    assert (up.sent, up.mails) == (6, 4)
    assert run(worker, "deliver", now + timedelta(hours=2)).claimed == 0
    message_ids = [m["Message-ID"] for m in smtp_down.messages]
    assert len(message_ids) == 4 == len(set(message_ids))


def test_a_4xx_reply_is_retried_later(app, smtp, worker_apps):
    o = Office()
    one_overdue_task(o)
    worker = worker_apps(smtp.port)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    smtp.handler.rcpt_reply = "451 4.3.0 Mailbox temporarily unavailable"
    first = run(worker, "deliver", now)
    assert (first.retried, first.failed, len(smtp.messages)) == (2, 0, 0)
    assert all("451" in r.last_error for r in rows(state=OutboxState.PENDING))
    smtp.handler.rcpt_reply = None
    second = run(worker, "deliver", now + timedelta(minutes=5))
    assert second.sent == 2 and len(smtp.messages) == 2
    assert {r.attempts for r in rows(state=OutboxState.SENT)} == {2}


def test_a_5xx_reply_leaves_a_failed_row_on_the_admin_page(
    app, smtp, worker_apps, client, login_as
):
    from tests.conftest import csrf_token_from

    o = Office()
    one_overdue_task(o)
    worker = worker_apps(smtp.port)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    smtp.handler.rcpt_reply = "550 5.1.1 Địa chỉ không tồn tại"
    result = run(worker, "deliver", now)
    assert (result.failed, result.retried) == (2, 0)
    failed = rows(state=OutboxState.FAILED)
    assert len(failed) == 2 and all(r.last_error.startswith("550") for r in failed)
    # Failed is final: later passes leave it alone.
    assert run(worker, "deliver", now + timedelta(days=1)).claimed == 0

    login_as("admin")
    page = client.get("/admin/outbox")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "550 5.1.1" in html and "focal@test.local" in html
    assert 'class="outbox-failed"><span>Lỗi</span> <strong>2</strong>' in html
    smtp.handler.rcpt_reply = None
    response = client.post(
        f"/admin/outbox/{failed[0].id}/retry", data={"csrf_token": csrf_token_from(html)}
    )
    assert response.status_code == 302
    assert db.session.get(OutboxMessage, failed[0].id).state == OutboxState.PENDING
    response = client.post(
        f"/admin/outbox/{failed[1].id}/cancel", data={"csrf_token": csrf_token_from(html)}
    )
    db.session.commit()
    assert db.session.get(OutboxMessage, failed[1].id).state == OutboxState.CANCELLED
    # The admin acted in real time: the retried row is due from then on.
    later = run(worker, "deliver", datetime.now(UTC) + timedelta(seconds=1))
    assert later.sent == 1 and len(smtp.messages) == 1


def test_the_outbox_page_is_for_the_admin_only(app, client, login_as):
    login_as("office")
    assert client.get("/admin/outbox").status_code == 403


def test_a_worker_killed_after_claiming_is_taken_over_when_its_lease_expires(
    app, smtp, worker_apps
):
    o = Office()
    many_tasks(o, 2)
    worker = worker_apps(smtp.port)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    db.session.commit()
    with worker.app_context():
        claimed = claim(db.session, now, "dead-worker", limit=100, lease_seconds=300)
        db.session.remove()
    assert len(claimed) == 4  # … and the worker dies before sending anything
    assert run(worker, "deliver", now + timedelta(seconds=60)).claimed == 0
    taken_over = run(worker, "deliver", now + timedelta(seconds=301))
    assert (taken_over.claimed, taken_over.sent) == (4, 4)
    assert len(smtp.messages) == 3
    assert {r.claimed_by for r in rows()} != {"dead-worker"}


def test_a_task_completed_after_planning_gets_no_mail(app, smtp, worker_apps):
    o = Office()
    task = one_overdue_task(o)
    worker = worker_apps(smtp.port)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    db.session.get(Task, task.id).state = TaskState.COMPLETED
    result = run(worker, "deliver", now)
    assert (result.cancelled, result.sent) == (2, 0) and smtp.messages == []


def test_inactive_people_and_opted_out_leaders_get_no_mail(app, smtp, worker_apps):
    o = Office()
    one_overdue_task(o, assigned_by=o.leader)
    o.focal.active = False
    o.leader.wants_digest = False
    db.session.commit()
    worker = worker_apps(smtp.port)
    monday = date(2021, 3, 15)  # digest day; the task is 5 days overdue
    run(worker, "plan", at(monday))
    assert run(worker, "deliver", at(monday)).sent == 0  # 3rd working day overdue: no notice
    run(worker, "plan", at(date(2021, 3, 16)))  # 4th working day overdue
    run(worker, "deliver", at(date(2021, 3, 16)))
    recipients = sorted(m["To"].addresses[0].addr_spec for m in smtp.messages)
    # No focal person any more: the lead unit's head instead; no digest for the leader.
    assert recipients == ["head@test.local", "monitor@test.local"]


def test_a_person_made_inactive_after_planning_gets_no_mail(app, smtp, worker_apps):
    o = Office()
    one_overdue_task(o)
    worker = worker_apps(smtp.port)
    run(worker, "plan", at(date(2021, 3, 11)))
    o.focal.active = False
    result = run(worker, "deliver", at(date(2021, 3, 11)))
    assert (result.sent, result.cancelled) == (1, 1)
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["monitor@test.local"]


# --- CLI and scheduler -----------------------------------------------------------------


def test_cli_runs_one_pass_as_of_a_given_time(app, runner):
    o = Office()
    one_overdue_task(o)
    result = runner.invoke(args=["reminders", "plan", "--at", "2021-03-11T08:00"])
    assert result.exit_code == 0, result.output
    assert "Planned 2 reminders for 11/03/2021 (overdue 2); 2 new in the outbox." in result.output
    result = runner.invoke(args=["reminders", "run", "--at", "2021-03-11T08:30"])
    assert "0 new in the outbox" in result.output and "Delivered 2 mails" in result.output
    result = runner.invoke(args=["reminders", "deliver", "--at", "hôm qua"])
    assert result.exit_code == 2 and "not an ISO date-time" in result.output


def test_the_scheduler_is_built_with_its_jobs_and_time_zone(app):
    from apscheduler.triggers.cron import CronTrigger

    from tracker.reminders.scheduler import build_scheduler, should_start_in_process

    scheduler = build_scheduler(app)
    assert not scheduler.running
    assert str(scheduler.timezone) == "Asia/Ho_Chi_Minh"
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "reminders.plan",
        "reminders.deliver",
        "reminders.daily",
        "reminders.digest",
        "reminders.purge",
    }
    for job in jobs.values():
        assert job.coalesce is True
        assert job.misfire_grace_time == 600
        assert job.max_instances == 1
        assert str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"
    digest = jobs["reminders.digest"].trigger
    assert isinstance(digest, CronTrigger)
    fields = {f.name: str(f) for f in digest.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("mon", "7", "30")
    assert jobs["reminders.deliver"].trigger.interval == timedelta(seconds=60)
    # Tests, and apps without TRACKER_SCHEDULER=on, start none.
    assert not should_start_in_process(app)
    blocking = build_scheduler(app, blocking=True)
    assert type(blocking).__name__ == "BlockingScheduler" and not blocking.running


def test_the_scheduler_refuses_smtp_settings_that_cannot_work(app):
    from tracker.reminders.scheduler import build_scheduler

    app.config["SMTP_PASSWORD"] = "mật khẩu"
    with pytest.raises(ValueError, match="TRACKER_SMTP_PASSWORD must be ASCII"):
        build_scheduler(app)
    app.config.update(SMTP_PASSWORD="secret", SMTP_TLS="tls")
    with pytest.raises(ValueError, match="TRACKER_SMTP_TLS"):
        build_scheduler(app)


def test_in_process_scheduler_skips_the_reloader_parent(app, monkeypatch):
    import click

    from tracker.reminders.scheduler import should_start_in_process

    app.config.update(SCHEDULER=True, TESTING=False, DEBUG=True)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert not should_start_in_process(app)
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert should_start_in_process(app)
    # Only the web server's process: not `tracker init-db` with TRACKER_SCHEDULER=on.
    with click.Context(click.Command("init-db"), info_name="init-db"):
        assert not should_start_in_process(app)
    with click.Context(click.Command("run"), info_name="run"):
        assert should_start_in_process(app)
    app.config.update(SCHEDULER=False)
    assert not should_start_in_process(app)


# --- escalations -----------------------------------------------------------------------


def escalate(client, task_id: int, **data):
    from tests.conftest import csrf_token_from

    page = client.get(f"/tasks/{task_id}/escalations")
    data["csrf_token"] = csrf_token_from(page.get_data(as_text=True))
    return client.post(f"/tasks/{task_id}/escalations", data=data)


def test_office_records_a_criticism_shown_on_the_timeline_and_mailed_to_the_head(
    app, smtp, worker_apps, client, login_as, users
):
    from tracker.models import Escalation

    o = Office()
    task = one_overdue_task(o)
    login_as("office")
    response = escalate(
        client,
        task.id,
        kind="explanation",
        note="Đề nghị giải trình lý do chậm triển khai.",
        explain_by="2099-04-05",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã ghi nhận" in page and "Đề nghị giải trình lý do chậm triển khai." in page
    assert "05/04/2099" in page
    db.session.commit()
    escalation = db.session.scalar(select(Escalation))
    assert (escalation.kind, escalation.explain_by) == ("explanation", date(2099, 4, 5))
    event = db.session.scalar(select(AuditEvent).filter_by(action="task.escalation"))
    assert event.task_id == task.id and event.actor_id == users["office"].id

    worker = worker_apps(smtp.port)
    run(worker, "deliver", datetime.now(UTC) + timedelta(seconds=1))
    [mail] = smtp.messages
    assert mail["To"].addresses[0].addr_spec == "head@test.local"
    assert mail["Subject"].startswith("[Nhắc việc] Yêu cầu giải trình: «Hoàn thiện mạng lưới")
    text = mail.get_body(("plain",)).get_content()
    assert "trước ngày 05/04/2099" in text and f"https://tracker.test/tasks/{task.id}" in text


def test_a_request_for_explanation_needs_a_date(app, client, login_as):
    from tracker.models import Escalation

    o = Office()
    task = one_overdue_task(o)
    login_as("leader")
    response = escalate(client, task.id, kind="explanation", note="Giải trình")
    assert response.status_code == 200
    assert "Yêu cầu giải trình cần có thời hạn." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 0


def test_unit_staff_cannot_escalate(app, client, login_as, users):
    o = Office()
    task = one_overdue_task(o, coordinating_units=[users["unit_staff"].unit])
    login_as("unit_staff")
    page = client.get(f"/tasks/{task.id}/escalations")
    assert page.status_code == 200 and "<textarea" not in page.get_data(as_text=True)
    assert escalate(client, task.id, kind="reminder", note="Nhắc").status_code == 403


# --- fencing, Message-ID, sent_at (issue 9) --------------------------------------------


def test_a_slow_server_and_a_lease_shorter_than_a_pass_deliver_every_mail_once(
    app, smtp, worker_apps
):
    """0.2 s per DATA, ten mails, a 1-second lease: a second worker takes over what the
    first had claimed but not sent yet; the first, fencing each mail, leaves those alone."""
    import time as clock_time
    from collections import Counter

    o = Office()
    many_tasks(o, 9)  # 18 reminders: 9 focal people and the monitor, 10 mails
    start = at(date(2021, 3, 11))
    run(worker_apps(None), "plan", start)
    smtp.handler.data_delay = 0.2
    workers = [worker_apps(smtp.port, REMINDER_LEASE_SECONDS=1) for _ in range(2)]
    t0 = clock_time.monotonic()

    def clock():  # both workers share one time line, as two hosts with one clock would
        return start + timedelta(seconds=clock_time.monotonic() - t0)

    results, errors = [], []

    def work(worker_app, delay):
        clock_time.sleep(delay)
        try:
            with worker_app.app_context():
                while (result := delivery.deliver(clock(), clock=clock)).claimed:
                    results.append(result)
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(workers[0], 0)),
        threading.Thread(target=work, args=(workers[1], 1.2)),  # the first one's lease is over
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    per_message_id = Counter(m["Message-ID"] for m in smtp.messages)
    per_recipient = Counter(m["To"].addresses[0].addr_spec for m in smtp.messages)
    assert len(per_message_id) == 10 and set(per_message_id.values()) == {1}
    assert set(per_recipient.values()) == {1} and "monitor@test.local" in per_recipient
    assert sum(r.lost for r in results) > 0, "no takeover happened: the test proves nothing"
    # The counters count what was really sent, by whichever worker sent it.
    assert sum(r.mails for r in results) == 10 and sum(r.sent for r in results) == 18
    sent = rows()
    assert {r.state for r in sent} == {OutboxState.SENT} and len(sent) == 18
    assert {r.message_id for r in sent} == set(per_message_id)
    # sent_at is each mail's own moment (0.2 s apart), not the start of the pass.
    moments = sorted({r.sent_at for r in sent})
    assert len(moments) == 10 and moments[0] > start
    assert moments[-1] - moments[0] >= timedelta(seconds=1.5)


def test_a_mail_accepted_before_the_worker_died_is_re_sent_with_the_same_message_id(
    app, smtp, worker_apps, monkeypatch
):
    from tracker.models import Escalation
    from tracker.reminders import Kind, Reason
    from tracker.reminders.outbox import OutboxItem, insert_items

    o = Office()
    task = make_task(
        o.directive,
        o.lead,
        title="Hoàn thiện mạng lưới đài truyền thanh cấp xã",
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 10),
        focal_person=o.focal,
    )
    db.session.commit()
    worker = worker_apps(smtp.port, REMINDER_LEASE_SECONDS=300)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)

    def died(*args, **kw):
        raise RuntimeError("killed after the server accepted the mail")

    monkeypatch.setattr(delivery, "_mark_sent", died)
    with pytest.raises(RuntimeError):
        run(worker, "deliver", now)
    [first] = smtp.take()
    assert [r.state for r in rows()] == [OutboxState.SENDING]
    monkeypatch.undo()
    # Meanwhile an escalation for the same person and day is recorded: the re-send is the
    # same mail under the Message-ID the first attempt stored (a receiver that drops the
    # duplicate loses nothing), and the escalation goes in a mail of its own.
    escalation = Escalation(
        task_id=task.id, kind="reminder", note="Đề nghị khẩn trương.", created_at=now
    )
    db.session.add(escalation)
    db.session.flush()
    insert_items(
        db.session,
        [
            OutboxItem(
                Kind.ESCALATION,
                date(2021, 3, 11),
                o.focal.id,
                Reason.FOCAL,
                task.id,
                {"escalation_id": escalation.id},
                key_part=f"{task.id}.{escalation.id}",
            )
        ],
        now,
    )
    # The fence extended the lease from the pass's own clock (now + the seconds it had run):
    # a minute past the lease, whatever the machine's load.
    taken_over = run(worker, "deliver", now + timedelta(seconds=360))
    assert (taken_over.claimed, taken_over.mails, taken_over.sent) == (2, 2, 2)
    again, escalated = sorted(smtp.take(), key=lambda m: m["Message-ID"] != first["Message-ID"])
    assert again["Message-ID"] == first["Message-ID"]
    assert again.get_body(("plain",)).get_content() == first.get_body(("plain",)).get_content()
    assert "Đề nghị khẩn trương." in escalated.get_body(("plain",)).get_content()
    assert escalated["Message-ID"] != first["Message-ID"]
    sent = rows()
    assert {r.state for r in sent} == {OutboxState.SENT}
    assert {r.message_id for r in sent} == {first["Message-ID"], escalated["Message-ID"]}


def test_delivery_passes_never_overlap_inside_one_scheduler(app):
    """The every-minute, the 07:00 and the Monday jobs deliver under other job ids: one lock."""
    from tracker.reminders import scheduler

    o = Office()
    one_overdue_task(o)
    planner.plan(at(date(2021, 3, 11)))
    db.session.commit()
    jobs = {job.id: job for job in scheduler.build_scheduler(app).get_jobs()}
    with scheduler.DELIVERY_LOCK:  # a pass is running in this process
        for job_id in ("reminders.deliver", "reminders.daily", "reminders.digest"):
            jobs[job_id].func()
        assert {r.state for r in rows(kind="overdue")} == {OutboxState.PENDING}
    jobs["reminders.deliver"].func()
    assert {r.state for r in rows(kind="overdue")} == {OutboxState.SENT}
