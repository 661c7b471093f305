"""Reminders under faults (issue 9): a day-long outage, a poison mail, a relay or login
refusal, a recipient refused, a server that keeps deferring, and tasks that changed
after planning. Real aiosmtpd on 127.0.0.1; time is stepped with ``--at`` or passed in."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import flask
from sqlalchemy import delete

from tests.conftest import PASSWORD, csrf_token_from, make_task, make_user
from tests.smtp import SmtpServer
from tests.test_reminders import Office, at, many_tasks, rows, run
from tracker.extensions import db
from tracker.models import Escalation, OutboxState, Task, TaskState
from tracker.reminders import EndReason, Kind, Reason, delivery, health
from tracker.reminders.delivery import make_transport
from tracker.reminders.outbox import OutboxItem, insert_items


def cli(worker_app, *args: str) -> str:
    """``tracker ARGS`` run by the worker app (as the scheduler's host would run it)."""
    db.session.commit()  # the worker sees the test's data
    with worker_app.app_context():  # else the command would use the test's app
        result = worker_app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
    assert result.exit_code == 0, result.output
    return result.output


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def escalation_gone_before_its_mail(task, recipient, planned_at: datetime) -> None:
    """A poison row: an escalation's outbox row whose escalation record is deleted before
    the mail is built (compose cannot find it)."""
    escalation = Escalation(task_id=task.id, kind="criticism", note="Chậm tiến độ.")
    db.session.add(escalation)
    db.session.flush()
    item = OutboxItem(
        Kind.ESCALATION,
        planned_at.date(),
        recipient.id,
        Reason.HEAD,
        task.id,
        {"escalation_id": escalation.id},
        key_part=f"{task.id}.{escalation.id}",
    )
    insert_items(db.session, [item], planned_at)
    db.session.execute(delete(Escalation).where(Escalation.id == escalation.id))
    db.session.commit()


def test_a_day_long_outage_stepped_with_at_loses_nothing(
    app, smtp_down, worker_apps, client, login_as
):
    """Thursday 11/03/2021 08:00 to Friday 12/03 08:30 with nothing listening, a
    ``tracker reminders run --at`` every 30 minutes; then the server comes back."""
    o = Office()
    many_tasks(o, 3)  # due 10/03: overdue from 11/03
    make_task(
        o.directive,
        o.lead,
        title="Báo cáo hạn thứ Năm",
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 11),
        focal_person=o.focal,
    )
    db.session.commit()
    # Overdue notices every working day, so Friday plans its own beside Thursday's.
    worker = worker_apps(smtp_down.port, REMINDER_OVERDUE_EVERY_WORKING_DAYS=1)
    start = datetime(2021, 3, 11, 8, 0)
    for step in range(50):  # 11/03 08:00 … 12/03 08:30
        moment = start + timedelta(minutes=30 * step)
        output = cli(worker, "reminders", "run", "--at", moment.isoformat())
        assert "Delivered 0 mails" in output
        assert rows(state=OutboxState.FAILED) == []
        for row in rows(state=OutboxState.PENDING):
            # Backoff is capped: 30 minutes (and the pass's own seconds), not the old 64.
            assert row.next_attempt_at - at(moment.date(), moment.hour, moment.minute) <= (
                timedelta(minutes=30, seconds=60)
            )
    waiting = rows(state=OutboxState.PENDING)
    # Thursday's 6 overdue notices, Friday's 7 (the task due on Thursday is overdue now).
    # Thursday's due-today notice stopped being true at midnight: it ended, with its reason.
    assert len(waiting) == 13
    [ended] = rows(state=OutboxState.CANCELLED)
    assert (ended.kind, ended.end_reason) == (Kind.DUE_TODAY, EndReason.DAY_PASSED)
    assert max(r.attempts for r in waiting) > 8  # more tries than the old count allowed

    login_as("admin")
    assert 'data-key="mail-unreachable"' in page(client, "/dashboard")
    assert 'data-key="mail-unreachable"' in page(client, "/admin/outbox")

    smtp_down.start()
    output = cli(worker, "reminders", "run", "--at", "2021-03-12T09:01")
    received = smtp_down.take()
    # One mail per person: the four focal people and the monitor.
    by_to = {m["To"].addresses[0].addr_spec: m for m in received}
    assert len(received) == 5 == len({m["Message-ID"] for m in received})
    assert set(by_to) == {
        "staff0@test.local",
        "staff1@test.local",
        "staff2@test.local",
        "focal@test.local",
        "monitor@test.local",
    }
    # Thursday's due-today notice is no longer true on Friday: Friday's overdue one says it.
    assert "quá hạn 1 ngày" in body(by_to["focal@test.local"])
    assert "đến hạn hôm nay" not in body(by_to["focal@test.local"])
    text = body(by_to["staff0@test.local"])
    assert text.count("Nhiệm vụ số 0") == 1, "Thursday's and Friday's notice are said once"
    assert "quá hạn 2 ngày" in text and "12/03/2021" in text  # as of the day it is sent
    assert all(body(by_to["monitor@test.local"]).count(f"Nhiệm vụ số {k}") == 1 for k in range(3))

    states = Counter((r.kind, r.state, r.end_reason) for r in rows())
    assert states == {
        (Kind.OVERDUE, OutboxState.SENT, None): 13,
        (Kind.DUE_TODAY, OutboxState.CANCELLED, EndReason.DAY_PASSED): 1,
    }
    assert "Delivered 5 mails (13 reminders)" in output, output
    # Nothing is sent twice afterwards, and the warning is gone.
    assert "Delivered 0 mails" in cli(worker, "reminders", "run", "--at", "2021-03-12T10:01")
    assert smtp_down.take() == []
    assert "mail-unreachable" not in page(client, "/dashboard")


def test_a_poison_mail_among_a_hundred_fails_alone(app, smtp, worker_apps, client, login_as):
    o = Office()
    for k in range(99):
        person = make_user("unit_staff", o.lead, email=f"staff{k}@test.local")
        make_task(
            o.directive,
            o.lead,
            item_no=100 + k,
            title=f"Nhiệm vụ số {k}",
            assigned_on=date(2021, 3, 1),
            due_on=date(2021, 3, 10),
            focal_person=person,
        )
    # The hundredth: an escalation whose record is gone when the mail is built.
    task = make_task(
        o.directive,
        o.lead,
        item_no=1,
        title="Nhiệm vụ bị phê bình",
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 20),
    )
    now = at(date(2021, 3, 11))
    escalation_gone_before_its_mail(task, o.head, now - timedelta(minutes=1))  # claimed first
    worker = worker_apps(smtp.port, REMINDER_ON_ASSIGNMENT=False)
    run(worker, "plan", now)
    assert len(rows(state=OutboxState.PENDING)) == 100

    result = run(worker, "deliver", now)
    assert (result.claimed, result.mails, result.sent, result.failed) == (100, 99, 99, 1)
    assert len(smtp.messages) == 99
    [poison] = rows(state=OutboxState.FAILED)
    assert poison.kind == Kind.ESCALATION and poison.end_reason == EndReason.COMPOSE_FAILED
    assert "escalation" in poison.last_error
    # The next pass does not pick the same poison again.
    assert run(worker, "deliver", now + timedelta(hours=1)).claimed == 0

    login_as("admin")
    html = page(client, "/admin/outbox")
    assert "head@test.local" in html and "The mail could not be built" not in html
    assert "Không tạo được thư" in html


def test_reminders_are_checked_against_the_task_when_sent(app, smtp, worker_apps):
    """Planned on Monday 15/03/2021 at 08:00; by the send, one task was extended, one lost
    its deadline, one due soon was extended far, one was paused; the digest follows."""
    o = Office()
    specs = {
        "extended": date(2021, 3, 12),
        "no longer dated": date(2021, 3, 12),
        "due soon, extended": date(2021, 3, 22),
        "paused": date(2021, 3, 12),
        "unchanged": date(2021, 3, 12),
    }
    tasks = {
        name: make_task(
            o.directive,
            o.lead,
            title=f"Việc {name}",
            assigned_on=date(2021, 3, 1),
            due_on=due,
            focal_person=o.focal,
            assigned_by=o.leader,
        )
        for name, due in specs.items()
    }
    db.session.commit()
    worker = worker_apps(smtp.port)
    now = at(date(2021, 3, 15))
    run(worker, "plan", now)
    planned = Counter(r.kind for r in rows(state=OutboxState.PENDING))
    assert planned == {Kind.OVERDUE: 4, Kind.DUE_SOON: 1, Kind.DIGEST: 1}

    def edit(name, **values):
        task = db.session.get(Task, tasks[name].id)
        for field, value in values.items():
            setattr(task, field, value)

    edit("extended", current_due_on=date(2021, 4, 30))
    edit("no longer dated", current_due_on=None, original_due_on=None)
    edit("due soon, extended", current_due_on=date(2021, 4, 30))
    edit("paused", state=TaskState.PAUSED)
    db.session.commit()

    result = run(worker, "deliver", now + timedelta(hours=1))
    assert (result.mails, result.sent, result.cancelled, result.failed) == (2, 2, 4, 0)
    by_to = {m["To"].addresses[0].addr_spec: body(m) for m in smtp.messages}
    focal = by_to["focal@test.local"]
    assert "Việc unchanged" in focal and "quá hạn 3 ngày" in focal
    for name in ("extended", "no longer dated", "due soon, extended", "paused"):
        assert f"Việc {name}" not in focal
    digest = by_to["lanhdao@test.local"]
    assert "Việc unchanged" in digest
    for name in ("extended", "no longer dated", "due soon, extended", "paused"):
        assert f"Việc {name}" not in digest
    ended = {(r.task.title, r.end_reason) for r in rows(state=OutboxState.CANCELLED)}
    assert ended == {
        ("Việc extended", EndReason.DUE_CHANGED),
        ("Việc no longer dated", EndReason.NO_DEADLINE),
        ("Việc due soon, extended", EndReason.DUE_CHANGED),
        ("Việc paused", EndReason.TASK_CLOSED),
    }


def test_a_login_or_relay_refusal_pauses_delivery_and_warns_the_admin(
    app, smtp, worker_apps, client, login_as, users
):
    o = Office()
    many_tasks(o, 2)
    worker = worker_apps(smtp.port)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    login_as("admin")
    for step, reply in enumerate(
        ["530 5.7.0 Authentication required", "554 5.7.1 <staff0@test.local>: Relay access denied"]
    ):
        smtp.handler.rcpt_reply = reply
        moment = now + timedelta(minutes=10 * step)
        result = run(worker, "deliver", moment)
        # The pass stops at the first refusal; every row waits, none failed, none counted.
        assert (result.mails, result.failed, result.paused) == (0, 0, 4)
        waiting = rows(state=OutboxState.PENDING)
        assert len(waiting) == 4 and {r.attempts for r in waiting} == {0}
        assert reply.split()[0] in waiting[0].last_error
        assert len(smtp.messages) == 0
        # Paused: not knocking again every minute.
        assert run(worker, "deliver", moment + timedelta(minutes=1)).claimed == 0
        for url in ("/dashboard", "/admin/outbox"):
            html = page(client, url)
            assert 'data-key="mail-paused"' in html and reply.split()[0] in html
    office = app.test_client()
    with office:
        sign_in = office.get("/login").get_data(as_text=True)
        office.post(
            "/login",
            data={
                "email": users["office"].email,
                "password": PASSWORD,
                "csrf_token": csrf_token_from(sign_in),
            },
        )
        assert "mail-paused" not in page(office, "/dashboard"), "the admin's to fix"

    smtp.handler.rcpt_reply = None  # the relay permission was granted
    result = run(worker, "deliver", now + timedelta(minutes=20))
    assert (result.mails, result.sent) == (3, 4)
    assert "mail-paused" not in page(client, "/dashboard")


def test_a_refused_recipient_fails_alone_and_the_pass_goes_on(app, smtp, worker_apps):
    o = Office()
    many_tasks(o, 3)
    odd = make_user("unit_staff", o.lead, email="trưởng.phòng@test.local")
    make_task(
        o.directive,
        o.lead,
        title="Nhiệm vụ của trưởng phòng",
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 10),
        focal_person=odd,
    )
    db.session.commit()
    smtp.handler.rcpt_replies["staff1@test.local"] = "550 5.1.1 No such user"
    worker = worker_apps(smtp.port)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    result = run(worker, "deliver", now)
    # staff1: refused by the server; trưởng.phòng: an address this server cannot take
    # (no SMTPUTF8): both fail alone, everybody else gets their mail in the same pass.
    received = {m["To"].addresses[0].addr_spec for m in smtp.messages}
    assert received == {"staff0@test.local", "staff2@test.local", "monitor@test.local"}
    failed = {r.recipient.email: r for r in rows(state=OutboxState.FAILED)}
    assert set(failed) == {"staff1@test.local", "trưởng.phòng@test.local"}
    assert failed["staff1@test.local"].last_error.startswith("550")
    error = failed["trưởng.phòng@test.local"].last_error
    assert "SMTPNotSupportedError" in error or "UnicodeEncodeError" in error
    assert failed["staff1@test.local"].end_reason == EndReason.REFUSED
    # Python cannot even write that address into a header without SMTPUTF8.
    assert failed["trưởng.phòng@test.local"].end_reason in {
        EndReason.REFUSED,
        EndReason.COMPOSE_FAILED,
    }
    assert result.failed == 2 and rows(state=OutboxState.PENDING) == []


def test_a_server_that_keeps_deferring_is_given_up_after_the_give_up_age(app, smtp, worker_apps):
    o = Office()
    many_tasks(o, 1)
    smtp.handler.rcpt_reply = "451 4.3.0 Try again later"
    worker = worker_apps(smtp.port, REMINDER_GIVE_UP_HOURS=3)
    now = at(date(2021, 3, 11))
    run(worker, "plan", now)
    for step in range(6):  # every 30 minutes for 2 h 30: still waiting
        run(worker, "deliver", now + timedelta(minutes=30 * step))
    assert rows(state=OutboxState.FAILED) == []
    assert len(rows(state=OutboxState.PENDING)) == 2
    result = run(worker, "deliver", now + timedelta(hours=3, minutes=1))
    assert result.failed == 2
    failed = rows(state=OutboxState.FAILED)
    assert {r.end_reason for r in failed} == {EndReason.GAVE_UP}
    assert all("451" in r.last_error for r in failed)
    assert smtp.messages == []


def test_a_wrong_smtp_password_pauses_delivery_until_it_is_fixed(app, worker_apps):
    """A server that requires a sign-in: without one it answers 530, with a wrong
    password 535. Both pause delivery; the right password sends everything once."""
    server = SmtpServer(login=("tracker", "đúng-rồi".encode().hex())).start()
    try:
        o = Office()
        many_tasks(o, 1)
        now = at(date(2021, 3, 11))
        run(worker_apps(None), "plan", now)
        for step, login in enumerate([{}, {"SMTP_USER": "tracker", "SMTP_PASSWORD": "sai"}]):
            worker = worker_apps(server.port, **login)
            result = run(worker, "deliver", now + timedelta(minutes=10 * step))
            assert (result.sent, result.failed, result.paused) == (0, 0, 2), result
            [error] = set(result.errors)
            assert error.startswith("530" if not login else "535"), error
            assert health_now().paused_since is not None
        fixed = worker_apps(server.port, SMTP_USER="tracker", SMTP_PASSWORD=server.login[1])
        result = run(fixed, "deliver", now + timedelta(minutes=30))
        assert (result.mails, result.sent) == (2, 2) and len(server.messages) == 2
        assert health_now().paused_since is None
    finally:
        server.stop()


def health_now():
    db.session.commit()
    return health.current()


def test_one_command_delivers_a_backlog_larger_than_a_batch(app, smtp, worker_apps):
    o = Office()
    many_tasks(o, 60)  # 61 mails: 60 focal people and the monitor
    worker = worker_apps(smtp.port, REMINDER_BATCH_SIZE=25)
    output = cli(worker, "reminders", "run", "--at", "2021-03-11T08:00")
    assert "Delivered 61 mails (120 reminders)" in output
    assert len(smtp.messages) == 61 and rows(state=OutboxState.PENDING) == []


def test_a_mail_refused_outright_leaves_no_message_id_for_another_mail(app, smtp_down, worker_apps):
    """Thursday's and Friday's notices fail together in one mail (nothing listens), then
    go out in two mails a minute apart: two mails, two Message-IDs (a receiving server
    would drop the second as a duplicate otherwise)."""
    o = Office()
    many_tasks(o, 1)
    worker = worker_apps(smtp_down.port, REMINDER_OVERDUE_EVERY_WORKING_DAYS=1)
    run(worker, "plan", at(date(2021, 3, 11), 8))
    run(worker, "deliver", at(date(2021, 3, 11), 8))  # Thursday's rows: 1st attempt
    run(worker, "plan", at(date(2021, 3, 12), 8, 30))
    run(worker, "deliver", at(date(2021, 3, 12), 8, 30))  # both days in one mail each
    assert {r.message_id for r in rows()} == {None}
    smtp_down.start()
    # Friday's rows (1 attempt: due a minute later) go before Thursday's (2: two minutes).
    first = run(worker, "deliver", at(date(2021, 3, 12), 8, 31) + timedelta(seconds=30))
    second = run(worker, "deliver", at(date(2021, 3, 12), 8, 33))
    assert (first.sent, second.sent) == (2, 2)
    ids = [m["Message-ID"] for m in smtp_down.messages]
    assert len(ids) == 4 == len(set(ids))


def test_delivering_a_backlog_stops_at_its_time_limit(app, smtp, worker_apps):
    o = Office()
    many_tasks(o, 3)
    smtp.handler.data_delay = 1.2  # the first mail alone outlasts the limit
    worker = worker_apps(smtp.port, REMINDER_BATCH_SIZE=1)
    output = cli(worker, "reminders", "run", "--at", "2021-03-11T08:00", "--time-limit", "1")
    assert "Delivered 1 mails" in output and "Stopped at the time limit" in output
    assert len(rows(state=OutboxState.PENDING)) == 5  # of 6: one mail had one row


def test_a_long_deliver_command_keeps_its_leases_as_the_other_workers_count_them(
    app, smtp, worker_apps, monkeypatch
):
    """``tracker reminders deliver`` working through a backlog of several batches, with
    the scheduler's minute pass running beside it (bench/outbox_faults.py, scenario 7).
    Each mail takes the server 45 s, less than the 60 s lease; while the command's second
    mail is on its way, 75 s after it started, the other worker takes over nothing of it:
    every mail arrives once."""
    o = Office()
    many_tasks(o, 3)  # 4 mails: three focal people and the monitor
    settings = {"REMINDER_BATCH_SIZE": 1, "REMINDER_LEASE_SECONDS": 60}
    command, scheduler = worker_apps(smtp.port, **settings), worker_apps(smtp.port, **settings)
    start = at(date(2021, 3, 11))
    run(command, "plan", start)
    elapsed = [0.0]  # seconds since ``start``, as the server's slowness makes them pass

    def pass_clock(now):  # delivery.pass_clock on this test's clock instead of monotonic
        begun = elapsed[0]
        return lambda: now + timedelta(seconds=elapsed[0] - begun)

    class SlowServer:
        """The real SMTP transport, 45 s per mail for the command's process."""

        def __init__(self):
            self.inner = make_transport()

        def send(self, message):
            if flask.current_app._get_current_object() is command:
                mails_of_command.append(message["Message-ID"])
                elapsed[0] += 30
                if len(mails_of_command) == 2:  # the scheduler's pass, mid-send
                    run(scheduler, "deliver", start + timedelta(seconds=elapsed[0]))
                elapsed[0] += 15
            self.inner.send(message)

        def close(self):
            self.inner.close()

    mails_of_command: list[str] = []
    monkeypatch.setattr(delivery, "pass_clock", pass_clock)
    monkeypatch.setattr(delivery, "make_transport", SlowServer)
    cli(command, "reminders", "deliver", "--at", start.isoformat())
    ids = [m["Message-ID"] for m in smtp.messages]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 4
    assert len(rows(state=OutboxState.SENT)) == 6


def test_a_poison_row_fails_alone_in_a_mail_with_other_reminders(app, smtp, worker_apps):
    """The lead unit's head has an overdue notice and an escalation whose record is gone:
    the overdue notice still goes out, only the escalation row fails."""
    o = Office()
    task = make_task(
        o.directive,
        o.lead,
        title="Việc quá hạn của trưởng phòng",
        assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 10),
    )  # no focal person: the head gets its overdue notice
    now = at(date(2021, 3, 11))
    escalation_gone_before_its_mail(task, o.head, now)
    worker = worker_apps(smtp.port)
    run(worker, "plan", now)
    result = run(worker, "deliver", now)
    assert (result.mails, result.sent, result.failed) == (1, 1, 1)
    [mail] = smtp.messages
    assert mail["To"].addresses[0].addr_spec == "head@test.local"
    assert "quá hạn 1 ngày" in body(mail)
    [failed] = rows(state=OutboxState.FAILED)
    assert (failed.kind, failed.end_reason) == (Kind.ESCALATION, EndReason.COMPOSE_FAILED)
