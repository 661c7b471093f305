"""A task given to a lead unit with no active account is accepted with a warning (issue 11,
item 7; tracker/services/staffing.py says why): after the save, on the task page and on the
Office's dashboard, which counts such open tasks and links to exactly that list."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import Task
from tracker.services import staffing
from tracker.services import tasks as task_service

from .conftest import make_directive, make_task, make_unit, make_user, post_form

WARNING = "chưa có tài khoản đang hoạt động"


@pytest.fixture
def province(app, users):
    """STTTT (the fixture's unit: an active head and staff), Lý Sơn with nobody, Sở Y tế
    with only a disabled staff member and a viewer, Sở Xây dựng with only its head."""
    stttt = users["unit_staff"].unit
    lyson = make_unit("LYSON", "UBND huyện Lý Sơn", kind="district")
    health = make_unit("SYT", "Sở Y tế")
    make_user("unit_staff", health, active=False)
    make_user("viewer", health)
    building = make_unit("SXD", "Sở Xây dựng")
    make_user("unit_head", building)
    db.session.commit()
    return {"stttt": stttt, "lyson": lyson, "health": health, "building": building}


def test_has_an_active_account_is_an_active_unit_head_or_staff(province):
    assert staffing.unit_has_active_account(province["stttt"].id)
    assert staffing.unit_has_active_account(province["building"].id)
    assert not staffing.unit_has_active_account(province["lyson"].id)
    assert not staffing.unit_has_active_account(province["health"].id)


def _add_task(client, users, directive, unit, title):
    page = f"/directives/{directive.id}/tasks/new"
    data = {
        "title": title,
        "lead_unit_id": str(unit.id),
        "assigned_by_id": str(users["leader"].id),
        "current_due_on": (local_today() + timedelta(days=30)).isoformat(),
    }
    return post_form(client, page, page, data, follow_redirects=True)


def test_saving_a_task_for_a_unit_without_account_warns_with_a_link(
    client, login_as, users, province
):
    lyson = province["lyson"]
    directive = make_directive("45/TB-UBND")
    db.session.commit()
    login_as("office")
    response = _add_task(client, users, directive, lyson, "Thí điểm chuyển đổi số tại Lý Sơn")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    task = db.session.scalar(select(Task).filter_by(title="Thí điểm chuyển đổi số tại Lý Sơn"))
    assert task is not None and task.lead_unit_id == lyson.id  # accepted
    warning = re.search(r'<p class="flash flash-warning" role="alert">(.*?)</p>', html, re.S)
    assert warning, html
    text = warning.group(1)
    assert "Đã giao nhiệm vụ." in text and "UBND huyện Lý Sơn" in text and WARNING in text
    assert f'href="/admin/users/new?unit_id={lyson.id}"' in text
    assert html.count(WARNING) == 1  # the task page does not repeat the flash
    # A unit with people: the plain confirmation.
    html = _add_task(client, users, directive, province["stttt"], "Rà soát phần mềm").get_data(
        as_text=True
    )
    assert "Đã giao nhiệm vụ." in html and WARNING not in html
    # An edit that moves the task to a unit with only a disabled person: the warning.
    task = db.session.scalar(select(Task).filter_by(title="Rà soát phần mềm"))
    url = f"/tasks/{task.id}/edit"
    data = {
        "title": task.title,
        "lead_unit_id": str(province["health"].id),
        "assigned_by_id": str(users["leader"].id),
        "current_due_on": task.current_due_on.isoformat(),
        "version": str(task.version),
    }
    html = post_form(client, url, url, data, follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu nhiệm vụ." in html and "Sở Y tế" in html and WARNING in html
    assert f"/admin/users/new?unit_id={province['health'].id}" in html


@pytest.mark.parametrize("role", ["admin", "office", "leader", "viewer"])
def test_the_task_page_warns_the_office_and_admins(client, login_as, users, province, role):
    task = make_task(make_directive(), province["lyson"], due_on=local_today())
    staffed = make_task(make_directive(), province["building"], due_on=local_today())
    db.session.commit()
    login_as(role)
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert (WARNING in html) is (role in ("admin", "office"))
    if role in ("admin", "office"):
        assert f'href="/admin/users/new?unit_id={province["lyson"].id}"' in html
    assert WARNING not in client.get(f"/tasks/{staffed.id}").get_data(as_text=True)


def _titles(html: str) -> set[str]:
    return set(re.findall(r'<a href="/tasks/\d+">([^<]+)</a>', html))


def test_the_dashboard_counts_open_tasks_without_account_and_links_to_them(
    client, login_as, users, province
):
    today = local_today()
    directive = make_directive(issued_on=today - timedelta(days=10))
    due = today + timedelta(days=20)
    kw = {"due_on": due, "assigned_on": today - timedelta(days=5)}
    open_ones = {
        make_task(directive, province["lyson"], title="Lý Sơn đang giao", **kw).title,
        make_task(
            directive, province["lyson"], title="Lý Sơn đang làm", state="in_progress", **kw
        ).title,
        make_task(directive, province["health"], title="Y tế tạm dừng", state="paused", **kw).title,
    }
    make_task(
        directive, province["lyson"], title="Lý Sơn xong", state="completed", completed_on=today,
        **kw,
    )  # fmt: skip
    make_task(directive, province["lyson"], title="Lý Sơn đã rút", state="withdrawn", **kw)
    make_task(directive, province["stttt"], title="STTTT đang giao", **kw)
    make_task(directive, province["building"], title="Xây dựng đang giao", **kw)
    db.session.commit()
    login_as("office")
    html = client.get("/dashboard").get_data(as_text=True)
    found = re.search(
        r'data-key="without-account"><a href="([^"]+)">(\d+) nhiệm vụ đang mở giao cho đơn vị '
        r"chưa có tài khoản</a>",
        html,
    )
    assert found, html
    assert int(found.group(2)) == 3
    listing = client.get(html_lib.unescape(found.group(1))).get_data(as_text=True)
    assert _titles(listing) == open_ones
    assert "3 nhiệm vụ, tính đến ngày" in listing
    # The same count on a dashboard shown as of another day: a to-do, not a statistic.
    html = client.get(f"/dashboard?as_of={(today - timedelta(days=1)).isoformat()}").get_data(
        as_text=True
    )
    assert ">3 nhiệm vụ đang mở giao cho đơn vị chưa có tài khoản<" in html
    # Someone added to Lý Sơn: its tasks leave the count.
    make_user("unit_staff", province["lyson"])
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert ">1 nhiệm vụ đang mở giao cho đơn vị chưa có tài khoản<" in html


@pytest.mark.parametrize("role", ["leader", "viewer", "unit_head"])
def test_other_dashboards_do_not_show_it(client, login_as, users, province, role):
    make_task(make_directive(), province["lyson"], due_on=local_today())
    db.session.commit()
    login_as(role)
    assert "chưa có tài khoản" not in client.get("/dashboard").get_data(as_text=True)


def test_the_count_is_one_sql_query(app, users, province):
    for n in range(5):
        make_task(make_directive(), province["lyson"], due_on=local_today(), title=f"T{n}")
    db.session.commit()
    flt = task_service.open_without_account_filter()
    ctx = task_service.status_context(local_today())
    office = users["office"]
    assert office.role == "office"  # loaded before the count
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    event.listen(Engine, "before_cursor_execute", count)
    try:
        assert task_service.count_tasks(office, flt, ctx) == 5
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
