"""Migrations keep every row both ways, on a database that holds real work (the demo)."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, table

from tracker import create_app
from tracker.extensions import db


def row_counts() -> dict[str, int]:
    names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    counts = {n: db.session.scalar(select(func.count()).select_from(table(n))) for n in names}
    db.session.remove()  # SQLite: no transaction left open beside the migration's
    return counts


def test_downgrade_to_0004_and_back_keeps_every_row(scratch_database_url, tmp_path):
    # On SQLite a batch migration that recreates a table others refer to fails with
    # foreign keys on, or cascade-deletes their rows: each step must alter in place.
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_database_url},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "--tasks", "60", "--units", "4"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        before = row_counts()
        assert before["progress_report"] and before["task_coordinating_unit"] and before["user"]
        # The demo writes the dated state history (issue 10) that 0011 backfills.
        assert before["task_state_change"]
        downgrade(revision="0004_reminders")
        # Tables added after 0004 go with their downgrade; the demo leaves planner_state
        # and mail_health empty, and 0011 rebuilds the state history from the tasks' own dates.
        newer = {"planner_state", "mail_health", "task_state_change", "task_lead_unit_change"}
        newer |= {"unit_event", "unit_event_unit", "task_coordinating_unit_change"}
        assert before["planner_state"] == 0 and before["mail_health"] == 0
        assert row_counts() == {n: count for n, count in before.items() if n not in newer}
        upgrade()
        assert row_counts() == before
        db.engine.dispose()


def test_0011_backfills_the_history_from_the_audit_log(scratch_database_url, tmp_path):
    """Work done before 0011 keeps its past: the state changes and lead-unit changes the
    audit log recorded, each on its local date, and the confirmation date; after a
    downgrade to 0010 and back, the rebuilt history equals what the services wrote."""
    from datetime import UTC, date, datetime

    from tracker.models import (
        AuditEvent,
        Directive,
        Role,
        Task,
        TaskLeadUnitChange,
        TaskStateChange,
        Unit,
        User,
    )
    from tracker.services import workflow

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_database_url},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        upgrade()
        unit, other = Unit(code="A", name="Sở A"), Unit(code="B", name="Sở B")
        office = User(email="o@x.vn", name="VP", role=Role.OFFICE.value)
        staff = User(email="s@x.vn", name="CV", role=Role.UNIT_STAFF.value, unit=unit)
        directive = Directive(symbol="1/TB", kind="conclusion_notice", issued_on=date(2021, 3, 1),
                              signer_name="A", issuing_body="B", summary="S")  # fmt: skip
        db.session.add_all([unit, other, office, staff, directive])
        db.session.flush()

        def at(day: int, hour: int = 3) -> datetime:
            return datetime(2021, 3, day, hour, 0, tzinfo=UTC)

        def step(moment: datetime, action, *args, **kw):
            """A service call at ``moment``, its audit entry stamped then (as in use,
            where the services' ``now`` is the moment the entry is written)."""
            result = action(*args, **kw, now=moment)
            db.session.flush()
            db.session.execute(
                AuditEvent.__table__.update()
                .where(AuditEvent.at > datetime(2022, 1, 1, tzinfo=UTC))
                .values(at=moment)
            )
            return result

        def add(title: str) -> Task:
            values = {"title": title, "lead_unit_id": unit.id, "current_due_on": date(2021, 4, 1),
                      "assigned_on": date(2021, 3, 1)}  # fmt: skip
            return step(at(1), workflow.add_task, office, directive, values)

        done, returned, withdrawn = add("done"), add("returned"), add("withdrawn")
        step(at(2), workflow.report_progress, staff, done, progress=10, text="x")
        # 18:00 UTC on 02/03 is 01:00 on 03/03 in Hà Nội: the local date counts.
        step(at(2, 18), workflow.submit_result, staff, done, text="x")
        step(at(5), workflow.confirm_result, office, done)
        step(at(4), workflow.submit_result, staff, returned, text="x")
        step(at(6), workflow.return_result, office, returned, reason="thiếu")
        step(at(7), workflow.withdraw_task, office, withdrawn, reason="rút")
        values = {name: getattr(returned, name) for name in workflow.TASK_FIELDS}
        values["lead_unit_id"] = other.id
        step(at(8), workflow.edit_task, office, returned, values, version=returned.version)
        db.session.commit()
        ids = {"done": done.id, "returned": returned.id, "unit": unit.id, "other": other.id}

        def history():
            states = {
                (r.task_id, r.effective_on, r.old_state, r.new_state, r.action)
                for r in db.session.scalars(select(TaskStateChange))
            }
            leads = {
                (r.task_id, r.effective_on, r.old_unit_id, r.new_unit_id)
                for r in db.session.scalars(select(TaskLeadUnitChange))
            }
            confirmed = {t.id: t.confirmed_on for t in db.session.scalars(select(Task))}
            db.session.remove()
            return states, leads, confirmed

        written = history()
        assert (ids["done"], date(2021, 3, 3), "in_progress", "awaiting_confirmation",
                "submit") in written[0]  # fmt: skip
        assert written[1] == {(ids["returned"], date(2021, 3, 8), ids["unit"], ids["other"])}
        assert written[2][ids["done"]] == date(2021, 3, 5)
        downgrade(revision="0010_outbox_retry_by_time")
        upgrade()
        assert history() == written
        db.engine.dispose()
