"""Uploaded files: the sender's name is shown and offered for download, the name on disk is
random, and a refused or failed request leaves no file behind."""

from __future__ import annotations

import contextlib
import io
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import defer
from werkzeug.datastructures import FileStorage

from tracker.extensions import db
from tracker.models import AuditEvent, Directive, ProgressReport, Task, Unit
from tracker.services import files, workflow

from .conftest import post_form

NAME = "Báo cáo kết quả rà soát tháng 3.xlsx"
CONTENT = b"PK\x03\x04 bang tong hop"


def stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def send(client, task, action: str, data: dict, file_name: str, content: bytes = CONTENT):
    url = f"/tasks/{task.id}"
    return post_form(
        client,
        url,
        f"{url}/{action}",
        {**data, "file": (io.BytesIO(content), file_name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def report(client, task, file_name: str, content: bytes = CONTENT):
    data = {"progress": "40", "text": "Đã rà soát 12 chương trình"}
    return send(client, task, "report", data, file_name, content)


def timeline(html: str) -> str:
    return html[html.index('class="timeline"') :]


def test_a_vietnamese_name_is_shown_and_offered_for_download(app, client, login_as, task):
    login_as("unit_staff")
    page = report(client, task, NAME).get_data(as_text=True)
    assert NAME in page
    data = {"text": "Đã hoàn thành rà soát", "doc_number": "88/STTTT"}
    page = send(client, task, "result", data, NAME).get_data(as_text=True)

    db.session.refresh(task)
    assert task.result_file_name == NAME and task.reports[0].file_name == NAME
    on_disk = stored_files(app)
    assert len(on_disk) == 2
    for path in on_disk:
        assert re.fullmatch(r"[0-9a-f]{32}\.xlsx", path.name), path.name
        assert path.parent.name == str(task.id) and path.read_bytes() == CONTENT
    assert page.count(NAME) >= 3  # the report, the result, the timeline
    assert NAME in timeline(page)
    for path in on_disk:
        assert path.name not in timeline(page)
        assert f">{task.id}/{path.name}<" not in page  # a link's text, never its path

    with client.get(f"/tasks/{task.id}/files/{task.result_file}") as download:
        assert download.status_code == 200 and download.data == CONTENT
        disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME)}" in disposition
    assert 'filename="Bao cao ket qua ra soat thang 3.xlsx"' in disposition


def test_a_300_character_name_is_stored_and_shown_shortened(app, client, login_as, task):
    login_as("unit_staff")
    long_name = "Báo cáo " * 40 + "đầy đủ.pdf"
    assert len(long_name) > 300
    response = report(client, task, long_name, b"%PDF-1.4")
    assert response.status_code == 200

    db.session.refresh(task)
    shown = task.reports[0].file_name
    assert len(shown) <= 200 and shown.endswith(".pdf") and shown.startswith("Báo cáo Báo")
    assert shown in response.get_data(as_text=True)
    [path] = stored_files(app)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", path.name)
    with client.get(f"/tasks/{task.id}/files/{task.reports[0].file_path}") as download:
        assert download.status_code == 200
        assert quote(shown) in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("C:\\Users\\an\\Tờ trình.docx", "Tờ trình.docx"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("Ba\u0301o ca\u0301o.PDF", "Báo cáo.PDF"),  # decomposed (macOS) → NFC
        ("hoá\x00đơn\u202egpj.exe.pdf", "hoáđơngpj.exe.pdf"),  # NUL and a bidi override
        ("  tab\there  .xlsx", "tab here.xlsx"),
        (".xlsx", "file.xlsx"),
    ],
)
def test_names_are_cleaned(raw, shown):
    assert files.clean_name(raw) == shown


def test_a_refused_type_says_why_and_leaves_nothing(app, client, login_as, task):
    login_as("unit_staff")
    page = report(client, task, "Báo cáo.exe", b"MZ").get_data(as_text=True)
    assert "Loại tệp này không được chấp nhận" in page and "xlsx" in page
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(ProgressReport)) == 0
    db.session.refresh(task)
    assert task.progress == 0


def test_a_too_large_file_says_the_limit_and_leaves_nothing(app, client, login_as, task):
    login_as("unit_staff")
    client.application.config["UPLOAD_MAX_BYTES"] = 2 * 1024
    data = {"text": "Đã hoàn thành"}
    page = send(client, task, "result", data, NAME, b"x" * 3000).get_data(as_text=True)
    assert "Tệp quá lớn: tối đa 2 KB" in page
    assert stored_files(app) == []
    db.session.refresh(task)
    assert task.state == "assigned" and task.result_file is None


def test_a_refused_form_leaves_no_file(app, client, login_as, task):
    login_as("unit_staff")
    response = send(client, task, "report", {"progress": "40", "text": " "}, NAME)
    assert response.status_code in (200, 400)
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(ProgressReport)) == 0


def test_a_failed_commit_removes_the_written_file(app, client, login_as, task, monkeypatch):
    """The file is on disk when the commit fails (a CHECK constraint, on both databases):
    it is removed with the rolled-back transaction."""
    login_as("unit_staff")
    seen = []
    record = workflow.audit.record

    def record_then_break(action, **kw):
        seen.extend(stored_files(app))
        db.session.get(Task, kw["task_id"]).progress = 500  # refused at commit
        return record(action, **kw)

    monkeypatch.setattr(workflow.audit, "record", record_then_break)
    try:
        response = report(client, task, NAME)
    except SQLAlchemyError:
        pass  # the test app propagates errors; in production the 500 page
    else:
        assert response.status_code == 500
    assert len(seen) == 1
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(ProgressReport)) == 0


def test_an_over_long_value_refused_by_the_database_leaves_no_file(
    app, client, login_as, task, is_postgres
):
    if not is_postgres:
        pytest.skip("SQLite does not enforce column lengths")
    login_as("unit_staff")
    data = {"text": "Đã hoàn thành", "doc_number": "9" * 600}
    with contextlib.suppress(SQLAlchemyError):  # refused at the flush, propagated in tests
        send(client, task, "result", data, NAME)
    assert stored_files(app) == []
    db.session.refresh(task)
    assert task.result_file is None and task.state == "assigned"


def test_the_file_stays_only_when_the_service_s_change_commits(app, task, users):
    staff = users["unit_staff"]
    upload = FileStorage(io.BytesIO(CONTENT), filename=NAME)
    workflow.report_progress(staff, task, progress=5, text="x", upload=upload, now=_now())
    assert len(stored_files(app)) == 1  # written after the flush, before the commit
    db.session.rollback()
    assert stored_files(app) == []

    upload = FileStorage(io.BytesIO(CONTENT), filename=NAME)
    report_ = workflow.report_progress(staff, task, progress=5, text="x", upload=upload, now=_now())
    db.session.commit()
    [path] = stored_files(app)
    assert path.relative_to(files.upload_root()).as_posix() == report_.file_path


def test_files_stored_before_the_original_names_were_kept(app, client, login_as, task):
    """Rows of before migration 0007: stored '<task>/<12 hex>_<ascii name>', no original
    name. They show and download under the readable part; their timeline too."""
    stored = f"{task.id}/098d1234abcd_Ket_qua_ra_soat.xlsx"
    path = Path(app.instance_path) / "uploads" / stored
    path.parent.mkdir(parents=True)
    path.write_bytes(CONTENT)
    task.result_text, task.result_file, task.state = "Xong", stored, "awaiting_confirmation"
    db.session.add(
        AuditEvent(action="task.submit", task_id=task.id, changes={"result_file": [None, stored]})
    )
    db.session.commit()
    login_as("office")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Ket_qua_ra_soat.xlsx" in timeline(page)
    assert "098d1234abcd" not in timeline(page)
    assert ">Ket_qua_ra_soat.xlsx</a>" in page
    with client.get(f"/tasks/{task.id}/files/{stored}") as download:
        assert download.data == CONTENT
        assert "filename=Ket_qua_ra_soat.xlsx" in download.headers["Content-Disposition"]


def test_only_the_task_s_own_files_are_served(app, client, login_as, task, users):
    login_as("unit_staff")
    report(client, task, NAME)
    db.session.refresh(task)
    own = task.reports[0].file_path
    stray = Path(app.instance_path) / "uploads" / str(task.id) / "stray.pdf"
    stray.write_bytes(b"%PDF")
    (Path(app.instance_path) / "secret.txt").write_text("secret")
    for name in (
        f"{task.id}/stray.pdf",
        "../secret.txt",
        "%2e%2e/secret.txt",
        f"{own}/../stray.pdf",
        own.replace(str(task.id), str(task.id + 1), 1),
    ):
        response = client.get(f"/tasks/{task.id}/files/{name}")
        assert response.status_code == 404, name
        assert b"secret" not in response.data
    other = client.get(f"/tasks/{task.id + 1}/files/{own}")
    assert other.status_code == 404


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_migration_0007_keeps_existing_rows_both_ways(scratch_database_url, tmp_path):
    """Rows stored before 0007 keep working after it, and a downgrade keeps every row
    (on SQLite a recreated "task" table would cascade-delete its progress reports)."""
    from flask_migrate import downgrade, upgrade

    from tracker import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": scratch_database_url,
        "SCHEDULER": False,
    }
    scratch = create_app(config, instance_path=str(tmp_path / "instance"))
    with scratch.app_context():
        upgrade(revision="0006_must_change_password")
        # The models' tables: their Python-side defaults fill the other columns, and the
        # columns 0007 adds (no default) are left out of the INSERT.
        tables = {m.__tablename__: m.__table__ for m in (Unit, Directive, Task, ProgressReport)}
        with db.engine.begin() as conn:
            # (The unit table of 0006, without the columns later migrations add.)
            unit_0006 = sa.table(
                "unit",
                *(sa.column(c) for c in ("id", "code", "name", "kind", "active", "created_at")),
            )
            unit = conn.execute(
                unit_0006.insert()
                .values(
                    code="U",
                    name="Sở",
                    kind="department",
                    active=True,
                    created_at=datetime(2021, 3, 1, 3, 0),
                )
                .returning(unit_0006.c.id)
            ).scalar_one()
            directive = conn.execute(
                tables["directive"]
                .insert()
                .values(
                    symbol="1/TB-UBND",
                    kind="conclusion_notice",
                    issued_on=date(2021, 3, 3),
                    signer_name="A",
                    issuing_body="B",
                    summary="S",
                    version=1,
                )
            ).inserted_primary_key[0]
            task_id = conn.execute(
                tables["task"]
                .insert()
                .values(
                    directive_id=directive,
                    item_no=1,
                    title="T",
                    search_text="t",
                    lead_unit_id=unit,
                    assigned_on=date(2021, 3, 3),
                    state="assigned",
                    progress=0,
                    extension_count=0,
                    return_count=0,
                    version=1,
                    result_file="1/098d1234abcd_Ket_qua.xlsx",
                )
            ).inserted_primary_key[0]
            conn.execute(
                tables["progress_report"]
                .insert()
                .values(
                    task_id=task_id,
                    reported_on=date(2021, 3, 4),
                    progress=5,
                    text="x",
                    file_path="1/0123456789ab_bao_cao.pdf",
                )
            )
        upgrade(revision="0007_upload_file_names")
        # The model also has the columns later migrations add (0011: confirmed_on).
        task = db.session.get(Task, task_id, options=[defer(Task.confirmed_on)])
        assert files.task_files(task) == {
            "1/098d1234abcd_Ket_qua.xlsx": "Ket_qua.xlsx",
            "1/0123456789ab_bao_cao.pdf": "bao_cao.pdf",
        }
        db.session.rollback()
        downgrade(revision="0006_must_change_password")
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM progress_report")) == 1
            assert (
                conn.scalar(text("SELECT result_file FROM task")) == "1/098d1234abcd_Ket_qua.xlsx"
            )
        db.session.remove()
        db.engine.dispose()
