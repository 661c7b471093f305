"""The one filtered task list: what each URL parameter selects."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from tracker.extensions import db
from tracker.services.tasks import TaskFilter, count_tasks, list_tasks, status_context

from .conftest import make_directive, make_task, make_unit, make_user

AS_OF = date(2021, 7, 1)


@pytest.fixture
def data(app, users):
    stttt = users["unit_staff"].unit
    lyson = make_unit("LYSON", "UBND huyện Lý Sơn", kind="district")
    leader2 = make_user("leader", name="Phó Chủ tịch khác")
    d1, d2 = make_directive("45/TB-UBND"), make_directive("46/TB-UBND")
    t = {
        "overdue_10": make_task(
            d1,
            stttt,
            due_on=AS_OF - timedelta(days=10),
            field="Chuyển đổi số",
            assigned_by=users["leader"],
            is_priority=True,
        ),
        "overdue_90": make_task(
            d1, stttt, due_on=AS_OF - timedelta(days=90), assigned_by=users["leader"]
        ),
        "done_on_time": make_task(
            d1,
            lyson,
            due_on=date(2021, 6, 1),
            completed_on=date(2021, 5, 20),
            state="completed",
            assigned_by=leader2,
        ),
        "in_time": make_task(
            d2,
            lyson,
            due_on=AS_OF + timedelta(days=60),
            coordinating_units=[stttt],
            title="Thí điểm chuyển đổi số tại Lý Sơn",
            is_urgent=True,
        ),
        "no_deadline": make_task(d2, stttt, due_on=None),
        "withdrawn": make_task(d2, stttt, due_on=AS_OF - timedelta(days=5), state="withdrawn"),
    }
    db.session.commit()
    return t, stttt, lyson, leader2, d1


def titles_for(user, **args):
    flt = TaskFilter.from_args(MultiDict(args))
    ctx = status_context(flt.as_of or AS_OF)
    page = list_tasks(user, flt, ctx, per_page=100)
    assert count_tasks(user, flt, ctx) == page.total == len(page.rows)
    return {row.task.id for row in page.rows}


def test_each_filter_selects_what_it_says(data, users):
    t, stttt, lyson, leader2, d1 = data
    office = users["office"]
    ids = {k: v.id for k, v in t.items()}
    everything = set(ids.values()) - {ids["withdrawn"]}
    assert titles_for(office, as_of="2021-07-01") == everything
    assert titles_for(office, as_of="2021-07-01", status="overdue") == {
        ids["overdue_10"],
        ids["overdue_90"],
    }
    assert titles_for(office, as_of="2021-07-01", status=["overdue", "no_deadline"]) == {
        ids["overdue_10"],
        ids["overdue_90"],
        ids["no_deadline"],
    }
    assert titles_for(office, as_of="2021-07-01", unit=str(lyson.id)) == {
        ids["done_on_time"],
        ids["in_time"],
    }
    assert titles_for(office, as_of="2021-07-01", involving=str(stttt.id)) == everything - {
        ids["done_on_time"]
    }
    assert titles_for(office, as_of="2021-07-01", leader=str(leader2.id)) == {ids["done_on_time"]}
    assert titles_for(office, as_of="2021-07-01", field="Chuyển đổi số") == {ids["overdue_10"]}
    assert titles_for(office, as_of="2021-07-01", directive=str(d1.id)) == {
        ids["overdue_10"],
        ids["overdue_90"],
        ids["done_on_time"],
    }
    assert titles_for(office, as_of="2021-07-01", already_due="1") == {
        ids["overdue_10"],
        ids["overdue_90"],
        ids["done_on_time"],
    }
    assert titles_for(office, as_of="2021-07-01", priority="1") == {ids["overdue_10"]}
    assert titles_for(office, as_of="2021-07-01", urgent="1") == {ids["in_time"]}
    assert titles_for(office, as_of="2021-07-01", age_min="31", age_max="120") == {
        ids["overdue_90"]
    }
    assert titles_for(office, as_of="2021-07-01", age_max="30") == {ids["overdue_10"]}
    assert titles_for(office, as_of="2021-07-01", q="ly son") == {ids["in_time"]}
    assert titles_for(office, as_of="2021-07-01", withdrawn="1") == set(ids.values())
    # As of an earlier date the 10-days-overdue task was still in time.
    assert ids["overdue_10"] not in titles_for(office, as_of="2021-06-01", status="overdue")


def test_unit_staff_filters_stay_within_what_they_may_see(data, users):
    t, stttt, lyson, *_ = data
    staff = users["unit_staff"]
    # Lý Sơn leads two tasks, but STTTT staff see only the one STTTT coordinates.
    assert titles_for(staff, as_of="2021-07-01", unit=str(lyson.id)) == {t["in_time"].id}


def test_unparseable_values_are_ignored_not_errors(app):
    flt = TaskFilter.from_args(
        MultiDict({"as_of": "31/02/2021", "unit": "abc", "sort": "drop table"})
    )
    assert flt.as_of is None and flt.unit is None and flt.sort == "urgency"


def test_to_args_round_trips(app):
    flt = TaskFilter(as_of=date(2021, 7, 1), status=["overdue"], unit=3, priority=True)
    args = flt.to_args()
    assert args == {"as_of": "2021-07-01", "status": ["overdue"], "unit": 3, "priority": "1"}
    again = TaskFilter.from_args(
        MultiDict(
            [(k, v) for k, vs in args.items() for v in (vs if isinstance(vs, list) else [vs])]
        )
    )
    assert again == flt


def test_the_list_page_applies_url_filters(client, login_as, data):
    t, *_ = data
    login_as("office")
    html = client.get("/tasks?as_of=2021-07-01&status=overdue").get_data(as_text=True)
    assert "2 nhiệm vụ" in html
    assert html.count('class="badge status-overdue"') == 2


def test_a_past_as_of_date_lists_the_due_date_then_in_force(client, login_as, users):
    from tracker.models import DueDateChange

    task = make_task(
        make_directive(),
        users["unit_staff"].unit,
        title="Gia hạn sau ngày báo cáo",
        original_due_on=date(2021, 6, 30),
        due_on=date(2021, 9, 30),
        extension_count=1,
    )
    db.session.add(
        DueDateChange(
            task_id=task.id,
            effective_on=date(2021, 7, 10),
            old_due_on=date(2021, 6, 30),
            new_due_on=date(2021, 9, 30),
        )
    )
    db.session.commit()
    login_as("office")
    before = client.get("/tasks?as_of=2021-07-05").get_data(as_text=True)
    assert "30/06/2021" in before and "hiện nay: 30/09/2021" in before
    assert 'class="badge status-overdue"' in before
    after = client.get("/tasks?as_of=2021-07-15").get_data(as_text=True)
    assert "30/09/2021" in after and "hiện nay" not in after
    assert 'class="badge status-in_time"' in after
