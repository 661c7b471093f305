"""The command-line interface: thin commands, clear errors, exit code 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Directive, Role, Task, Unit, User
from tracker.passwords import verify_password


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_with_a_unit(runner):
    db.session.add(Unit(code="STTTT", name="Sở Thông tin và Truyền thông"))
    db.session.commit()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "NV@Test.local",
            "--name",
            "Nguyễn Văn A",
            "--role",
            "unit_staff",
            "--unit",
            "STTTT",
            "--password",
            "một mật khẩu đủ dài",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).filter_by(email="nv@test.local"))
    assert user.unit.code == "STTTT" and user.role == Role.UNIT_STAFF
    assert verify_password(user.password_hash, "một mật khẩu đủ dài")
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_prompts_for_the_password(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "lanhdao@test.local",
            "--name",
            "Lãnh đạo",
            "--role",
            "leader",
        ],
        input="mật khẩu nhập từ bàn phím\nmật khẩu nhập từ bàn phím\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).filter_by(email="lanhdao@test.local"))
    assert verify_password(user.password_hash, "mật khẩu nhập từ bàn phím")


def test_create_user_refuses_bad_input_with_exit_2(runner):
    cases = [
        (["--role", "boss", "--password", "x" * 12], "unknown role"),
        (["--role", "unit_staff", "--password", "x" * 12], "needs a unit"),
        (["--role", "unit_staff", "--unit", "NOPE", "--password", "x" * 12], "unknown unit"),
        (["--role", "viewer", "--password", "short"], "at least 12"),
    ]
    for extra, message in cases:
        result = runner.invoke(
            args=["create-user", "--email", "a@test.local", "--name", "A", *extra]
        )
        assert result.exit_code == 2, (extra, result.output)
        assert message in result.output
    assert count(User) == 0


def test_demo_loads_a_reproducible_workload_once(runner, app):
    result = runner.invoke(args=["demo", "--tasks", "300", "--units", "12", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert count(Task) == 300
    assert count(Unit) == 12
    assert 1 <= count(Directive) <= 300
    # One sign-in account per role, with a generated password that works.
    logins = (Path(app.instance_path) / "demo-logins.txt").read_text(encoding="utf-8")
    for role in Role:
        assert role.value in logins
    line = next(ln for ln in logins.splitlines() if "lanhdao@tracker.local" in ln)
    password = line.split()[-1]
    leader = db.session.scalar(select(User).filter_by(email="lanhdao@tracker.local"))
    assert verify_password(leader.password_hash, password)
    # The demo leader and Office logins have work of their own: tasks the leader
    # assigned, with extension requests waiting for the leader's decision, and tasks
    # the Office specialist monitors.
    from tracker.models import ExtensionRequest

    office = db.session.scalar(select(User).filter_by(email="vanphong@tracker.local"))
    assert db.session.scalar(select(func.count()).where(Task.assigned_by_id == leader.id)) >= 30
    assert db.session.scalar(select(func.count()).where(Task.monitor_id == office.id)) >= 30
    pending = db.session.scalars(select(ExtensionRequest).filter_by(status="pending")).all()
    assert pending and all(r.task.assigned_by_id == leader.id for r in pending)
    # --if-empty does nothing the second time.
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    assert count(Task) == 300


def test_demo_is_reproducible(runner):
    runner.invoke(args=["demo", "--tasks", "120", "--units", "8", "--seed", "3"])
    first = db.session.execute(
        select(Task.title, Task.current_due_on, Task.state).order_by(Task.id)
    ).all()
    db.session.query(Task).delete()
    db.session.commit()
    # Same seed, second run: same task contents (units and users are reused).
    runner.invoke(args=["demo", "--tasks", "120", "--units", "8", "--seed", "3"])
    second = db.session.execute(
        select(Task.title, Task.current_due_on, Task.state).order_by(Task.id)
    ).all()
    assert first == second


def test_init_db_is_idempotent(runner):
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0
    assert "0 holidays added" in second.output


def test_models_and_migrations_agree(app):
    """A model change without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


@pytest.mark.parametrize(
    "name,email",
    [
        ("Lê Thị\nHoa", "hoa@test.local"),
        ("Lê Thị Hoa\x00", "hoa@test.local"),
        ("x" * 256, "hoa@test.local"),
        ("Lê Thị Hoa", "not-an-address"),
    ],
    ids=["line break", "NUL", "too long", "bad email"],
)
def test_create_user_refuses_a_name_or_address_that_cannot_be_mailed(runner, name, email):
    before = db.session.scalar(select(func.count()).select_from(User))
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            email,
            "--name",
            name,
            "--role",
            "viewer",
            "--password",
            "lethihoa2026-dai",
        ]
    )
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == before
