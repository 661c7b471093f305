"""`tracker demo` on a seeded database: one unit per unit (the seeded ones are reused, no
second "Sở TT&TT"), no demo work or people for an inactive unit, no duplicates on a second
run, and directive symbols that carry the year they were issued in (issues 11 and 14)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Directive, Task, Unit, User, task_coordinating_unit
from tracker.text import fold

DEMO_SYMBOL = re.compile(r"^\d+/[A-ZĐ]+-UBND-DEMO(\d{4})$")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def demo_tasks_led_by(code: str) -> int:
    return db.session.scalar(
        select(func.count(Task.id))
        .join(Unit, Task.lead_unit_id == Unit.id)
        .join(Directive, Task.directive_id == Directive.id)
        .where(Unit.code == code, Directive.symbol.contains("-DEMO"))
    )


def shared_labels() -> list[str]:
    """Folded names and short names that two active units share."""
    units = db.session.scalars(select(Unit).where(Unit.active.is_(True))).all()
    labels = Counter(
        label for unit in units for label in {fold(unit.name), fold(unit.short_name or unit.name)}
    )
    return [label for label, n in labels.items() if n > 1]


def invoke(runner, *args: str):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def test_demo_on_the_seed_reuses_the_seeded_units_and_adds_nothing_twice(runner):
    invoke(runner, "seed")
    seeded = {u.code: u.id for u in db.session.scalars(select(Unit))}
    invoke(runner, "demo", "--tasks", "400", "--units", "40", "--seed", "7")

    assert shared_labels() == []
    codes = set(db.session.scalars(select(Unit.code)))
    assert {
        "DEMO_STTTT",
        "DEMO_STC",
        "DEMO_SNV",
        "DEMO_SKHDT",
        "DEMO_STNMT",
        "DEMO_VP",
    } & codes == set()
    # The seeded units are the demo's: same rows, with demo tasks and demo people.
    assert {
        u.code: u.id for u in db.session.scalars(select(Unit).where(Unit.code.in_(seeded)))
    } == seeded
    # The seed's 2025 reorganisation ended Sở TT&TT, the Sở KH&ĐT and huyện Lý Sơn: their
    # successors get the work (and the Sở TT&TT sign-ins), they get none of it.
    for code in ("SKHCN", "STC", "SNV", "STNMT"):
        assert demo_tasks_led_by(code) > 0, code
    for code in ("STTTT", "SKHDT", "LYSON"):
        assert demo_tasks_led_by(code) == 0, code
    skhcn = db.session.scalar(select(Unit).filter_by(code="SKHCN"))
    emails = set(db.session.scalars(select(User.email).where(User.unit_id == skhcn.id)))
    assert "giamdoc.stttt@tracker.local" in emails
    # The demo Office specialists and the Office sign-in are in the seeded Office.
    office = db.session.scalar(select(Unit).filter_by(code="VP_UBND"))
    assert (
        db.session.scalar(select(User.unit_id).filter_by(email="demo.office1@tracker.local"))
        == office.id
    )
    assert (
        db.session.scalar(select(User.unit_id).filter_by(email="vanphong@tracker.local"))
        == office.id
    )

    # --if-empty sees the demo (by its directives) and adds nothing at all.
    units, users, tasks, directives = count(Unit), count(User), count(Task), count(Directive)
    again = invoke(runner, "demo", "--if-empty")
    assert "already loaded" in again.output
    assert (count(Unit), count(User), count(Task), count(Directive)) == (
        units,
        users,
        tasks,
        directives,
    )
    # A second plain run adds a second workload, as before, but no unit and no person.
    invoke(runner, "demo", "--tasks", "400", "--units", "40", "--seed", "7")
    assert (count(Unit), count(User)) == (units, users)
    assert count(Task) == tasks + 400
    assert shared_labels() == []


def test_an_inactive_seeded_unit_gets_no_demo_task_and_no_person(runner):
    # The 2025 reorganisation as another part of the seed will record it: Sở TT&TT, Sở KH&ĐT
    # and UBND huyện Lý Sơn are inactive, their successors active.
    for code, name, short_name, kind, active in [
        ("STTTT", "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi", "Sở TT&TT", "department", False),
        ("SKHDT", "Sở Kế hoạch và Đầu tư tỉnh Quảng Ngãi", "Sở KH&ĐT", "department", False),
        ("LYSON", "UBND huyện Lý Sơn", "UBND huyện Lý Sơn", "district", False),
        ("SKHCN", "Sở Khoa học và Công nghệ tỉnh Quảng Ngãi", "Sở KH&CN", "department", True),
        ("STC", "Sở Tài chính tỉnh Quảng Ngãi", "Sở Tài chính", "department", True),
        ("DK_LYSON", "Đặc khu Lý Sơn", "Đặc khu Lý Sơn", "commune", True),
        # Units an admin keyed in under other codes: one is the demo's Sở Y tế (the same
        # name but for case and accents), one an inactive Sở Xây dựng.
        ("SO_Y_TE", "SO Y TE tinh Quang Ngai", "so y te", "department", True),
        ("SXD_CU", "Sở Xây Dựng", None, "department", False),
    ]:
        db.session.add(Unit(code=code, name=name, short_name=short_name, kind=kind, active=active))
    db.session.commit()
    inactive = set(db.session.scalars(select(Unit.id).where(Unit.active.is_(False))))

    # 70 units: every department and district of the demo, Lý Sơn included.
    invoke(runner, "demo", "--tasks", "600", "--units", "70", "--seed", "11")

    leads = set(db.session.scalars(select(Task.lead_unit_id)))
    coordinators = set(db.session.scalars(select(task_coordinating_unit.c.unit_id)))
    people_units = set(db.session.scalars(select(User.unit_id)))
    assert leads & inactive == set()
    assert coordinators & inactive == set()
    assert people_units & inactive == set()
    assert not db.session.scalar(select(User).filter_by(email="demo.head.stttt@tracker.local"))
    # No copy was made of an inactive unit, nor of a unit known under another code.
    codes = set(db.session.scalars(select(Unit.code)))
    assert {"DEMO_SXD", "DEMO_SYT", "DEMO_STTTT", "DEMO_HLS"} & codes == set()
    assert shared_labels() == []
    # The active units, seeded or not, have the work.
    for code in ("SKHCN", "STC", "SO_Y_TE"):
        assert demo_tasks_led_by(code) > 0, code
    # The Sở TT&TT sign-ins go to its successor.
    skhcn = db.session.scalar(select(Unit.id).filter_by(code="SKHCN"))
    for email in ("giamdoc.stttt@tracker.local", "chuyenvien.stttt@tracker.local"):
        assert db.session.scalar(select(User.unit_id).filter_by(email=email)) == skhcn


def test_demo_symbols_carry_the_year_of_their_issue_date(runner):
    invoke(runner, "demo", "--tasks", "300", "--units", "12", "--seed", "5")
    directives = db.session.execute(select(Directive.symbol, Directive.issued_on)).all()
    assert len({issued_on.year for _, issued_on in directives}) >= 2  # spread over ~18 months
    for symbol, issued_on in directives:
        match = DEMO_SYMBOL.match(symbol)
        assert match, symbol
        assert int(match.group(1)) == issued_on.year, (symbol, issued_on)
