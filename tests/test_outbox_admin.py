"""Outbox housekeeping (issue 9, item 8): old sent and cancelled rows are purged; the
administrator filters the outbox and retries or cancels every matching row at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from, make_user
from tracker.extensions import db
from tracker.models import AuditEvent, OutboxMessage, OutboxState
from tracker.reminders.housekeeping import purge_outbox

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def person(app):
    user = make_user("unit_staff", email="nguoinhan@test.local")
    db.session.commit()
    return user


def row(person, label: str, state: str, age_days: int = 0, error: str | None = None, **kw):
    moment = kw.pop("now", NOW) - timedelta(days=age_days)
    message = OutboxMessage(
        key=f"{person.id}:test:{label}",
        kind="overdue",
        day=moment.date(),
        recipient_id=person.id,
        reason="focal",
        state=state,
        attempts=3 if state == OutboxState.FAILED else 1,
        next_attempt_at=moment,
        created_at=moment,
        sent_at=moment if state == OutboxState.SENT else None,
        last_error=error,
    )
    db.session.add(message)
    db.session.flush()
    return message


def states():
    db.session.commit()
    return {m.key.split(":")[-1]: m.state for m in db.session.scalars(select(OutboxMessage)).all()}


# --- purge -----------------------------------------------------------------------------


def test_purge_removes_old_sent_and_cancelled_rows_only(app, person):
    row(person, "sent-old", OutboxState.SENT, 181)
    row(person, "cancelled-old", OutboxState.CANCELLED, 200)
    row(person, "sent-recent", OutboxState.SENT, 179)
    row(person, "cancelled-recent", OutboxState.CANCELLED, 10)
    row(person, "pending-old", OutboxState.PENDING, 400)
    row(person, "failed-old", OutboxState.FAILED, 400, error="550 no such user")
    row(person, "sending-old", OutboxState.SENDING, 400)
    db.session.commit()
    assert purge_outbox(NOW) == 2
    assert states() == {
        "sent-recent": "sent",
        "cancelled-recent": "cancelled",
        "pending-old": "pending",
        "failed-old": "failed",
        "sending-old": "sending",
    }
    assert purge_outbox(NOW) == 0


def test_purge_never_removes_rows_the_planner_could_plan_again(app, person):
    # A purge window shorter than the catch-up window would let the planner insert a row
    # it already sent (its unique key gone): those days are always kept.
    app.config["REMINDER_PURGE_AFTER_DAYS"] = 0
    row(person, "sent-yesterday", OutboxState.SENT, 1)
    row(person, "sent-long-ago", OutboxState.SENT, 30)
    db.session.commit()
    assert purge_outbox(NOW) == 1
    assert states() == {"sent-yesterday": "sent"}


def test_the_purge_command_and_the_scheduler_job(app, runner, person):
    from tracker.reminders.scheduler import PURGE_JOB, build_scheduler

    row(person, "sent-old", OutboxState.SENT, 365, now=datetime(2021, 3, 1, tzinfo=UTC))
    db.session.commit()
    result = runner.invoke(args=["reminders", "purge", "--at", "2021-03-01T03:00"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 sent or cancelled messages older than 180 days." in result.output
    assert states() == {}
    job = build_scheduler(app).get_job(PURGE_JOB)
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (job.id, fields["hour"], fields["minute"]) == ("reminders.purge", "2", "30")


# --- the admin page --------------------------------------------------------------------


@pytest.fixture
def outbox_rows(app, person):
    row(person, "failed-550-a", OutboxState.FAILED, error="550 5.1.1 User unknown")
    row(person, "failed-550-b", OutboxState.FAILED, error="550 5.1.1 user UNKNOWN")
    row(person, "failed-421", OutboxState.FAILED, error="421 4.7.0 Try again later")
    row(person, "cancelled-550", OutboxState.CANCELLED, error="550 5.1.1 User unknown")
    row(person, "pending-550", OutboxState.PENDING, error="550 5.1.1 User unknown")
    row(person, "sending-550", OutboxState.SENDING, error="550 5.1.1 User unknown")
    row(person, "sent", OutboxState.SENT)
    db.session.commit()


def shown(html: str) -> set[str]:
    """The labels of the rows listed on the page."""
    db.session.commit()
    ids = {m.id: m.key.split(":")[-1] for m in db.session.scalars(select(OutboxMessage))}
    return {label for id_, label in ids.items() if f'id="outbox-{id_}"' in html}


def test_the_outbox_filters_by_state_and_error_text(app, client, login_as, outbox_rows):
    login_as("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)  # failed rows first
    assert shown(page) == {"failed-550-a", "failed-550-b", "failed-421"}
    page = client.get("/admin/outbox?state=failed&error=user+unknown").get_data(as_text=True)
    assert shown(page) == {"failed-550-a", "failed-550-b"}
    assert "2 thư khớp bộ lọc" in page
    page = client.get("/admin/outbox?state=all&error=550").get_data(as_text=True)
    assert shown(page) == {
        "failed-550-a",
        "failed-550-b",
        "cancelled-550",
        "pending-550",
        "sending-550",
    }
    page = client.get("/admin/outbox?state=sent").get_data(as_text=True)
    assert shown(page) == {"sent"} and "Gửi lại tất cả" not in page
    # "%" and "_" are letters here, not patterns.
    page = client.get("/admin/outbox?state=all&error=5%25").get_data(as_text=True)
    assert shown(page) == set() and "Không có thư nào khớp bộ lọc." in page


@pytest.mark.parametrize("query", ["error=550%00", "error=" + "5" * 201, "state=lost"])
def test_a_filter_value_that_is_not_valid_is_ignored_and_named(
    app, client, login_as, outbox_rows, query
):
    login_as("admin")
    response = client.get(f"/admin/outbox?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bỏ qua trong địa chỉ" in page or "không hợp lệ" in page
    assert shown(page) == {"failed-550-a", "failed-550-b", "failed-421"}


def test_the_outbox_lists_in_pages(app, client, login_as, person):
    for n in range(55):
        row(person, f"failed-{n:02d}", OutboxState.FAILED, error="550")
    db.session.commit()
    login_as("admin")
    first = client.get("/admin/outbox").get_data(as_text=True)
    second = client.get("/admin/outbox?state=failed&page=2").get_data(as_text=True)
    assert first.count('<tr id="outbox-') == 50 and "1 / 2" in first
    assert second.count('<tr id="outbox-') == 5 and "2 / 2" in second
    assert "Gửi lại tất cả 55 thư khớp bộ lọc" in first


def bulk_events():
    db.session.commit()
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.startswith("outbox."))
    ).all()


def bulk(client, action: str, **data):
    page = client.get("/admin/outbox").get_data(as_text=True)
    data["csrf_token"] = csrf_token_from(page)
    return client.post(f"/admin/outbox/bulk/{action}", data=data)


def test_bulk_retry_changes_exactly_the_matching_rows_with_one_audit_event(
    app, client, login_as, outbox_rows, users
):
    login_as("admin")
    page = client.get("/admin/outbox?state=all&error=user+unknown").get_data(as_text=True)
    # Failed and cancelled rows are retried; pending and sending ones are left alone.
    assert "Gửi lại tất cả 3 thư khớp bộ lọc" in page
    assert "Hủy tất cả 3 thư khớp bộ lọc" in page  # pending and failed
    response = bulk(client, "retry", state="all", error="user unknown", expected="3")
    assert response.status_code == 302
    assert "state=all" in response.headers["Location"]
    assert states() == {
        "failed-550-a": "pending",
        "failed-550-b": "pending",
        "failed-421": "failed",
        "cancelled-550": "pending",
        "pending-550": "pending",
        "sending-550": "sending",
        "sent": "sent",
    }
    retried = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.key.endswith("failed-550-a"))
    ).one()
    assert retried.attempts == 0 and retried.claimed_by is None
    [event] = bulk_events()
    assert event.action == "outbox.bulk_retry" and event.actor_id == users["admin"].id
    assert event.changes == {"state": "all", "error": "user unknown", "count": 3}
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã đưa lại vào hàng đợi: 3 thư." in follow


def test_bulk_cancel_changes_exactly_the_matching_rows(app, client, login_as, outbox_rows):
    login_as("admin")
    response = bulk(client, "cancel", state="failed", error="550", expected="2")
    assert response.status_code == 302
    assert states() == {
        "failed-550-a": "cancelled",
        "failed-550-b": "cancelled",
        "failed-421": "failed",
        "cancelled-550": "cancelled",
        "pending-550": "pending",
        "sending-550": "sending",
        "sent": "sent",
    }
    [event] = bulk_events()
    assert event.action == "outbox.bulk_cancel" and event.changes["count"] == 2


def test_a_bulk_action_whose_rows_changed_meanwhile_changes_nothing(
    app, client, login_as, outbox_rows
):
    login_as("admin")
    before = states()
    response = bulk(client, "retry", state="failed", error="", expected="2")  # 3 now
    assert response.status_code == 302
    assert states() == before
    assert bulk_events() == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "đã thay đổi trong lúc đó (hiện có 3)" in page


@pytest.mark.parametrize(
    "data",
    [
        {"state": "lost", "error": "", "expected": "1"},
        {"state": "failed", "error": "550\x00", "expected": "2"},
        {"state": "failed", "error": "x" * 201, "expected": "0"},
        {"state": "failed", "error": "", "expected": "nhiều"},
        {"state": "failed", "error": ""},
    ],
)
def test_a_bulk_action_with_a_forged_filter_is_refused(app, client, login_as, outbox_rows, data):
    login_as("admin")
    before = states()
    assert bulk(client, "cancel", **data).status_code == 400
    assert states() == before


def test_bulk_actions_need_the_token(app, client, login_as, outbox_rows):
    login_as("admin")
    before = states()
    response = client.post(
        "/admin/outbox/bulk/cancel", data={"state": "failed", "error": "", "expected": "3"}
    )
    assert response.status_code == 400
    assert states() == before


@pytest.mark.parametrize("role", ["office", "leader", "unit_head", "viewer"])
def test_only_the_admin_sees_and_changes_the_outbox(app, client, login_as, outbox_rows, role):
    login_as(role)
    before = states()
    assert client.get("/admin/outbox?state=all").status_code == 403
    page = client.get("/dashboard").get_data(as_text=True)  # sign-out form: a token
    response = client.post(
        "/admin/outbox/bulk/cancel",
        data={"state": "failed", "error": "", "expected": "3", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 403
    assert states() == before
