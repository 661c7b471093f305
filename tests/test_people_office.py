"""The Office adds the people of the units (issue 11, item 7): unit heads, unit staff and
viewers, in any unit; never an admin, Office or leader account, whatever is posted."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tracker import policy
from tracker.extensions import db
from tracker.models import AuditEvent, Role, User
from tracker.security import now
from tracker.services import accounts, sessions

from .conftest import csrf_token_from, make_unit, make_user, post_form

MANAGED = {"unit_head", "unit_staff", "viewer"}
UNTOUCHABLE = ("admin", "office", "leader")


def snapshot() -> list[tuple]:
    """Every account as the database holds it (a fresh read)."""
    db.session.expire_all()
    return [
        (u.id, u.email, u.name, u.position, u.role, u.unit_id, u.active, u.password_hash)
        for u in db.session.scalars(select(User).order_by(User.id))
    ]


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def options(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, f"no select {name}"
    return re.findall(r'<option[^>]*value="([^"]*)"', select_html.group(1))


def selected(html: str, name: str) -> str | None:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    for attrs in re.findall(r"<option([^>]*)>", select_html.group(1)):
        if re.search(r"\bselected\b", attrs):
            return re.search(r'value="([^"]*)"', attrs).group(1)
    return None


# --- the rule, in one place ------------------------------------------------------------


def test_policy_matrix_of_who_manages_which_account(users):
    for actor_role in Role:
        actor = users[actor_role.value]
        for target_role in Role:
            target = users[target_role.value]
            if actor_role == Role.ADMIN:
                want = True
            elif actor_role == Role.OFFICE:
                want = target_role.value in MANAGED
            else:
                want = False
            assert policy.can_manage_account(actor, target) is want, (actor_role, target_role)
        gives = {r.value for r in policy.assignable_roles(actor)}
        assert gives == {
            Role.ADMIN: {r.value for r in Role},
            Role.OFFICE: MANAGED,
        }.get(actor_role, set()), actor_role
        assert policy.can_manage_people(actor) is (actor_role in (Role.ADMIN, Role.OFFICE))


def test_the_services_refuse_the_office_what_policy_refuses(users):
    office = users["office"]
    for role in UNTOUCHABLE:
        with pytest.raises(accounts.NotAllowed):
            accounts.create_user(f"new.{role}@test.local", "Người mới", role, None, actor=office)
        with pytest.raises(accounts.NotAllowed):
            accounts.update_user(users[role], office, now(), name="Đổi tên")
        with pytest.raises(accounts.NotAllowed):
            accounts.reset_password(users[role], office, now())
        with pytest.raises(accounts.NotAllowed):
            accounts.revoke_sessions(users[role], office, now())
        with pytest.raises(accounts.NotAllowed):  # promoting a unit person
            accounts.update_user(users["unit_staff"], office, now(), role=role)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == len(Role)


# --- over HTTP ---------------------------------------------------------------------------


def test_office_adds_a_person_to_any_unit_from_the_prefilled_link(client, login_as, users):
    lyson = make_unit("LYSON", "UBND huyện Lý Sơn", kind="district")
    db.session.commit()
    office = login_as("office")
    html = client.get("/tasks").get_data(as_text=True)
    assert 'href="/admin/users"' in html  # the top bar's link
    html = client.get(f"/admin/users?unit={lyson.id}").get_data(as_text=True)
    assert f'href="/admin/users/new?unit_id={lyson.id}"' in html
    assert "Thêm người" in html
    page = f"/admin/users/new?unit_id={lyson.id}"
    form = client.get(page).get_data(as_text=True)
    assert selected(form, "unit") == str(lyson.id) and selected(form, "role") == "unit_staff"
    assert sorted(options(form, "role")) == sorted(MANAGED)
    response = post_form(
        client,
        page,
        "/admin/users/new",
        {
            "email": "Can.Bo@LySon.test",
            "name": "Nguyễn Văn Cán Bộ",
            "role": "unit_staff",
            "unit": str(lyson.id),
            "active": "y",
        },
    )
    assert response.status_code == 200 and "password-once" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).filter_by(email="can.bo@lyson.test"))
    assert (user.role, user.unit_id, user.must_change_password) == ("unit_staff", lyson.id, True)
    event = db.session.scalar(select(AuditEvent).filter_by(action="user.create"))
    assert event.actor_id == office.id and event.object_id == user.id
    assert event.changes["unit_id"] == [None, lyson.id]
    # The unit's list now holds that person, and only the unit's people.
    html = client.get(f"/admin/users?unit={lyson.id}").get_data(as_text=True)
    assert "can.bo@lyson.test" in html and "unit_staff@test.local" not in html


@pytest.mark.parametrize("role", UNTOUCHABLE)
def test_a_forged_role_is_refused_and_nothing_changes(client, login_as, users, role):
    login_as("office")
    before, events = snapshot(), audit_count()
    response = post_form(
        client,
        "/admin/users/new",
        "/admin/users/new",
        {"email": "gia.mao@test.local", "name": "Giả mạo", "role": role, "active": "y"},
    )
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert "Lựa chọn không hợp lệ." in response.get_data(as_text=True)
    staff = users["unit_staff"]
    url = f"/admin/users/{staff.id}"
    data = {"name": staff.name, "role": role, "unit": str(staff.unit_id), "active": "y"}
    response = post_form(client, url, url, data)
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert "Lựa chọn không hợp lệ." in response.get_data(as_text=True)
    assert snapshot() == before and audit_count() == events


@pytest.mark.parametrize("role", UNTOUCHABLE)
def test_office_cannot_touch_admin_office_or_leader_accounts(client, login_as, users, role):
    target = users[role] if role != "office" else make_user("office", users["office"].unit)
    db.session.commit()
    token_page = "/admin/users"
    login_as("office")
    html = client.get(token_page).get_data(as_text=True)
    # Listed (the Office sees who exists) but not a link to their page.
    assert target.email in html
    assert f'href="/admin/users/{target.id}"' not in html
    live = sessions.start(target, now(), "test", "127.0.0.1")[1]
    db.session.commit()
    before, events = snapshot(), audit_count()
    token = csrf_token_from(html)
    assert client.get(f"/admin/users/{target.id}").status_code == 403
    for url, data in (
        (f"/admin/users/{target.id}", {"name": "Đổi tên", "role": role}),
        (f"/admin/users/{target.id}/active", {}),
        (f"/admin/users/{target.id}/password", {}),
        (f"/admin/users/{target.id}/sessions/revoke", {}),
        (f"/admin/sessions/{live.id}/revoke", {}),
    ):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code in (403, 404), url
        assert "password-once" not in response.get_data(as_text=True)
    assert snapshot() == before and audit_count() == events
    db.session.refresh(live)
    assert live.revoked_at is None


def test_office_disables_enables_and_resets_a_unit_person(client, login_as, users):
    staff = users["unit_staff"]
    office = login_as("office")
    url = f"/admin/users/{staff.id}"
    page = client.get(url).get_data(as_text=True)
    token = csrf_token_from(page)
    assert sorted(options(page, "role")) == sorted(MANAGED)
    client.post(f"{url}/active", data={"csrf_token": token})
    db.session.expire_all()
    assert not db.session.get(User, staff.id).active
    client.post(f"{url}/active", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, staff.id).active
    old_hash = staff.password_hash
    response = client.post(f"{url}/password", data={"csrf_token": token})
    assert "password-once" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, staff.id).password_hash != old_hash
    # Moved to another unit, as its head: a role the Office may give.
    health = make_unit("SYT", "Sở Y tế")
    db.session.commit()
    data = {"name": staff.name, "role": "unit_head", "unit": str(health.id), "active": "y"}
    assert post_form(client, url, url, data).status_code == 302
    db.session.expire_all()
    moved = db.session.get(User, staff.id)
    assert (moved.role, moved.unit_id) == ("unit_head", health.id)
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.actor_id == office.id, AuditEvent.action.like("user.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["user.disable", "user.enable", "user.password_reset", "user.update"]


def test_the_admin_keeps_every_account_and_role(client, login_as, users):
    login_as("admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert sorted(options(form, "role")) == sorted(r.value for r in Role)
    leader = users["leader"]
    assert client.get(f"/admin/users/{leader.id}").status_code == 200


@pytest.mark.parametrize(
    "query", ["unit_id=abc", "unit_id=0", f"unit_id={2**31}", "unit_id=99999", "unit_id=1x"]
)
def test_a_bad_unit_in_the_link_is_ignored_with_a_note(client, login_as, users, query):
    login_as("office")
    response = client.get(f"/admin/users/new?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "unit_id" in html and selected(html, "unit") in (None, "")


def test_the_people_list_filter_by_unit_is_bounded(client, login_as, users):
    login_as("office")
    for value in ("abc", "-1", str(2**31), "1" * 30):
        response = client.get(f"/admin/users?unit={value}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "unit_staff@test.local" in html  # ignored: every unit's people
