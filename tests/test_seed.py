"""seeds/directives.yaml and `tracker seed`: validated, idempotent, atomic."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import AuditEvent, Directive, Task, Unit, User
from tracker.seeding import DEFAULT_DIRECTIVES
from tracker.services.tasks import status_context
from tracker.status import coordinating_units_on

SEED_TEXT = DEFAULT_DIRECTIVES.read_text(encoding="utf-8")


def row_counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Unit, User, Directive, Task, AuditEvent)
    }


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing needle."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def test_the_shipped_seed_encodes_the_2021_working_session(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    directive = db.session.scalar(select(Directive))
    assert directive.meeting_on.isoformat() == "2021-03-03"
    assert "Trần Phước Hiền" in directive.signer_name
    tasks = directive.tasks
    assert len(tasks) >= 10
    codes = {u.code for u in db.session.scalars(select(Unit))}
    assert {"STTTT", "LYSON", "BQL_KKT", "TTPVHCC"} <= codes
    titles = " ".join(t.title.lower() for t in tasks)
    for topic in ("truyền thanh", "phần mềm", "dữ liệu", "lý sơn", "khủng hoảng truyền thông"):
        assert topic in titles, topic
    assert all(t.lead_unit is not None and t.field for t in tasks)
    assert any(t.current_due_on is None for t in tasks), "a standing task has no deadline"
    assert any(t.coordinating_units for t in tasks)
    pilot = next(t for t in tasks if "lý sơn" in t.title.lower())
    # UBND huyện Lý Sơn then; đặc khu Lý Sơn from 01/07/2025 (the 2025 reorganisation).
    as_2021 = coordinating_units_on(pilot, status_context(date(2021, 12, 31)))
    assert {u.code for u in as_2021} >= {"LYSON", "BQL_KKT"}
    assert {u.code for u in pilot.coordinating_units} >= {"DK_LYSON", "BQL_KKT"}
    assert all(t.lead_unit.code == "SKHCN" for t in tasks)  # Sở TT&TT's open tasks, today
    assert {u.code for u in db.session.scalars(select(Unit).where(~Unit.active))} == {
        "STTTT",
        "SKHDT",
        "LYSON",
    }


def test_seeding_twice_changes_nothing(runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    first = row_counts()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0
    assert "tasks: 0 created" in result.output
    assert row_counts() == first


BAD_FILES = [
    # (description, transform of the seed text, field named, line locator)
    (
        "YAML syntax error",
        lambda t: t.replace("  - code: STTTT", "  - code: [STTTT", 1),
        "YAML syntax error",
        None,
    ),
    (
        "unknown unit",
        lambda t: t.replace(
            "coordinating_units: [SNV, TTPVHCC]", "coordinating_units: [SNV, NOPE]", 1
        ),
        "coordinating_units",
        "coordinating_units: [SNV, NOPE]",
    ),
    (
        "missing field",
        lambda t: t.replace("        field:", "        feld:", 1),
        "field",
        "feld:",
    ),
    (
        "line break in a title",
        lambda t: t.replace(
            'title: "Rà soát lại các chương trình',
            'title: "Rà soát lại\\ncác chương trình',
            1,
        ),
        "title",
        "Rà soát lại\\ncác",
    ),
    (
        "NUL byte in a content",
        lambda t: t.replace('content: "Bước vào năm 2021,', 'content: "Bước vào\\0 năm 2021,', 1),
        "content",
        "Bước vào\\0 năm",
    ),
    (
        "over-long signer",
        lambda t: t.replace("signer_name: ", "signer_name: " + "x" * 300, 1),
        "signer_name",
        "signer_name: xxx",
    ),
    (
        "bad date",
        lambda t: t.replace("due_on: 2021-03-31", "due_on: 2021-13-31", 1),
        "due_on",
        "due_on: 2021-13-31",
    ),
]


@pytest.mark.parametrize("name,transform,field,locator", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_exits_2_naming_file_line_and_field_and_writes_nothing(
    runner, tmp_path: Path, name, transform, field, locator
):
    bad_text = transform(SEED_TEXT)
    assert bad_text != SEED_TEXT
    bad = tmp_path / "bad.yaml"
    bad.write_text(bad_text, encoding="utf-8")
    before = row_counts()
    result = runner.invoke(args=["seed", str(bad)])
    assert result.exit_code == 2
    message = result.output
    assert str(bad) in message
    assert field in message
    if locator:
        assert f"{bad}:{line_of(bad_text, locator)}:" in message, message
    else:
        assert f"{bad}:" in message
    assert row_counts() == before


def test_bad_date_names_its_exact_line(runner, tmp_path):
    text = SEED_TEXT.replace("due_on: 2021-03-31", "due_on: 2021-13-31", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["seed", str(bad)])
    assert f"{bad}:{line_of(text, 'due_on: 2021-13-31')}:" in result.output
    assert "directives[0].tasks[0].due_on" in result.output


def test_an_error_late_in_the_file_leaves_the_database_unchanged(runner, tmp_path):
    """Atomic: earlier records that are valid are not written either."""
    # Make the last task invalid only.
    idx = SEED_TEXT.rindex("lead_unit: STTTT")
    text = SEED_TEXT[:idx] + "lead_unit: NO_SUCH_UNIT" + SEED_TEXT[idx + len("lead_unit: STTTT") :]
    bad = tmp_path / "late.yaml"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["seed", str(bad)])
    assert result.exit_code == 2
    assert "NO_SUCH_UNIT" in result.output
    assert row_counts() == {name: 0 for name in row_counts()}


def test_a_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(args=["seed", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml" in result.output


def test_seed_adds_new_tasks_of_a_known_directive(runner, tmp_path):
    assert runner.invoke(args=["seed"]).exit_code == 0
    extra = SEED_TEXT + (
        "      - item: 99\n"
        '        title: "Báo cáo kết quả thực hiện"\n'
        '        field: "Thông tin - Truyền thông"\n'
        "        lead_unit: STTTT\n"
        "        due_on: 2021-12-31\n"
    )
    path = tmp_path / "more.yaml"
    path.write_text(extra, encoding="utf-8")
    result = runner.invoke(args=["seed", str(path)])
    assert result.exit_code == 0, result.output
    assert "tasks: 1 created" in result.output
    assert (
        db.session.scalar(select(Task).filter_by(item_no=99)).title == "Báo cáo kết quả thực hiện"
    )
