"""Every user's preferences page (issue 11, item 8): language, the weekly digest, an email
for reminders; what the README says about opting out is true."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import AuditEvent, OutboxMessage, Role, User
from tracker.reminders import delivery, planner
from tracker.reminders.mail import mail_address

from .conftest import PASSWORD, csrf_token_from, make_directive, make_task, make_unit, make_user

URL = "/account/preferences"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), ZONE).astimezone(UTC)


def save(client, **values):
    token = csrf_token_from(client.get(URL).get_data(as_text=True))
    data = {"locale": "vi", "wants_digest": "y", "notification_email": "", **values}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(URL, data={**data, "csrf_token": token})


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_user_reaches_the_page_from_their_name(client, login_as, users, role):
    login_as(role)
    html = client.get("/tasks").get_data(as_text=True)
    assert f'href="{URL}"' in html  # the name in the top bar
    page = client.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tùy chọn cá nhân" in html and 'name="notification_email"' in html


def test_signed_out_visitors_are_sent_to_sign_in(client, users):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_language_switches_the_next_page_and_the_next_sign_in(client, login_as, users):
    user = login_as("unit_staff")
    assert '<html lang="vi">' in client.get("/tasks").get_data(as_text=True)
    response = save(client, locale="en")
    assert response.status_code == 302
    html = client.get("/tasks").get_data(as_text=True)
    assert '<html lang="en">' in html and "My tasks" in html
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    event = db.session.scalar(select(AuditEvent).filter_by(action="user.preferences"))
    assert event.actor_id == user.id and event.object_id == user.id
    assert event.changes == {"locale": [None, "en"]}
    # A new browser: the account's language, not the default.
    client.delete_cookie("session")
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert '<html lang="en">' in client.get("/tasks").get_data(as_text=True)


BAD_EMAILS = [
    "not-an-email",
    "hai cach@test.vn",
    "a@b",
    "x" * 250 + "@test.vn",
    "moi@test.local\r\nBcc: a@b.c",
    "moi\x00@test.local",
    "nhac@viec\u2028.vn",
]


@pytest.mark.parametrize("value", BAD_EMAILS)
def test_a_bad_notification_email_is_refused_and_nothing_changes(client, login_as, users, value):
    user = login_as("leader")
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = save(client, locale="en", notification_email=value)
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (stored.notification_email, stored.locale, stored.wants_digest) == (None, None, True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


@pytest.mark.parametrize("locale", ["fr", "", "vi\n", "x" * 300])
def test_a_forged_language_is_refused(client, login_as, users, locale):
    user = login_as("viewer")
    assert save(client, locale=locale).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).locale is None


def test_the_digest_opt_out_plans_no_digest_for_that_leader(app, client, login_as, users):
    """The README: a leader can opt out of the weekly digest on this page."""
    leader = login_as("leader")
    other = make_user("leader", email="lanhdao2@test.local")
    unit = make_unit("SXD", "Sở Xây dựng")
    directive = make_directive(issued_on=date(2021, 3, 1))
    for assigned_by in (leader, other):
        make_task(
            directive, unit, assigned_on=date(2021, 3, 1), due_on=date(2021, 3, 10),
            assigned_by=assigned_by,
        )  # fmt: skip
    db.session.commit()
    assert save(client, wants_digest=None).status_code == 302  # the box left unticked
    db.session.expire_all()
    assert db.session.get(User, leader.id).wants_digest is False
    planner.plan(at(date(2021, 3, 15)))  # a Monday: digest day
    db.session.commit()
    digests = db.session.scalars(select(OutboxMessage).filter_by(kind="digest")).all()
    assert [row.recipient_id for row in digests] == [other.id]
    # Ticked again: the next Monday plans one for them too.
    assert save(client, wants_digest="y").status_code == 302
    planner.plan(at(date(2021, 3, 22)))
    db.session.commit()
    digests = db.session.scalars(
        select(OutboxMessage).filter_by(kind="digest", day=date(2021, 3, 22))
    ).all()
    assert sorted(row.recipient_id for row in digests) == sorted([leader.id, other.id])


def test_reminders_go_to_the_notification_email(app, client, login_as, users, smtp, worker_apps):
    staff = login_as("unit_staff")
    assert save(client, notification_email=" Nhac.Viec@Gmail.test ").status_code == 302
    db.session.expire_all()
    staff = db.session.get(User, staff.id)
    assert staff.notification_email == "Nhac.Viec@Gmail.test"
    assert mail_address(staff) == "Nhac.Viec@Gmail.test"
    make_task(
        make_directive(issued_on=date(2021, 3, 1)), staff.unit, assigned_on=date(2021, 3, 1),
        due_on=date(2021, 3, 10), focal_person=staff, title="Hoàn thiện đài truyền thanh",
    )  # fmt: skip
    db.session.commit()
    worker = worker_apps(smtp.port)
    with worker.app_context():
        planner.plan(at(date(2021, 3, 1)))
        db.session.commit()
        result = delivery.deliver(at(date(2021, 3, 1)))
        db.session.remove()
    assert result.sent >= 1
    by_to = {}
    for envelope, message in smtp.handler.messages:
        by_to[message["To"].addresses[0].addr_spec] = (envelope, message)
    assert "Nhac.Viec@Gmail.test" in by_to, sorted(by_to)
    assert staff.email not in by_to  # not the sign-in address
    envelope, message = by_to["Nhac.Viec@Gmail.test"]
    assert envelope == ["Nhac.Viec@Gmail.test"]
    assert "Hoàn thiện đài truyền thanh" in message["Subject"]
    # Emptied: back to the sign-in email.
    assert save(client, notification_email="").status_code == 302
    db.session.expire_all()
    assert mail_address(db.session.get(User, staff.id)) == staff.email


def test_the_readme_points_to_the_page():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Reminder mails") :][:2000]
    assert "opt out of the digest" in section and URL in section


def test_the_service_refuses_what_the_form_would(app, users):
    from tracker.services import accounts

    viewer = users["viewer"]
    for values in (
        {"locale": "fr"},
        {"notification_email": "a\r\nb@c.vn"},
        {"notification_email": "x" * 251 + "@c.vn"},
        {"email": "khac@test.vn"},
    ):
        with pytest.raises(accounts.AccountError):
            accounts.update_preferences(viewer, **values)
    assert viewer.locale is None and viewer.notification_email is None
    assert accounts.update_preferences(viewer, notification_email="  ") == {}
