"""`tracker intake FILE [--json]` against the units of the database (issue 13, item 6).

tests/data/intake/notice.pdf is a real PDF with a text layer and scan.pdf one without (a
grey page, as a scan has no text): both written once with fpdf2 and DejaVu Sans.
"""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Directive, Task, Unit

DATA = Path(__file__).parent / "data" / "intake"
SEED = DATA / "dev" / "quangngai_seed_tttt.txt"


@pytest.fixture
def units(app):
    for code, name, short in [
        ("STTTT", "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi", "Sở TT&TT"),
        ("LYSON", "UBND huyện Lý Sơn", "UBND huyện Lý Sơn"),
        ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi", "Trung tâm PVHCC"),
    ]:
        db.session.add(Unit(code=code, name=name, short_name=short))
    db.session.commit()


def run_json(runner, path: Path) -> dict:
    result = runner.invoke(args=["intake", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_has_exactly_the_shape_of_the_issue(runner, units):
    out = run_json(runner, SEED)
    assert set(out) == {"directive", "tasks"}
    assert set(out["directive"]) == {"symbol", "issued_on", "signer"}
    assert out["directive"] == {
        "symbol": None,
        "issued_on": "2021-03-03",
        "signer": "Trần Phước Hiền",
    }
    assert len(out["tasks"]) == 7
    for task in out["tasks"]:
        assert set(task) == {"text", "lead_unit", "coordinating_units", "due_on"}
    # the catalogue's name when recognised
    assert {t["lead_unit"] for t in out["tasks"]} == {
        "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi"
    }
    assert out["tasks"][1]["coordinating_units"] == [
        "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi"
    ]
    assert out["tasks"][3]["text"].startswith(
        "Phó chủ tịch UBND tỉnh Trần Phước Hiền yêu cầu Sở khẩn trương"
    )


def test_a_unit_not_in_the_database_is_given_as_written(runner, app, tmp_path):
    notice = tmp_path / "n.txt"
    notice.write_text(
        "Yêu cầu Sở Y tế chủ trì, phối hợp với UBND huyện Lý Sơn kiểm tra, hoàn thành trước "
        "ngày 30/6/2021.",
        encoding="utf-8",
    )
    (task,) = run_json(runner, notice)["tasks"]
    assert task == {
        "text": "Yêu cầu Sở Y tế chủ trì, phối hợp với UBND huyện Lý Sơn kiểm tra, hoàn thành "
        "trước ngày 30/6/2021.",
        "lead_unit": "Sở Y tế",
        "coordinating_units": ["UBND huyện Lý Sơn"],
        "due_on": "2021-06-30",
    }


def test_a_real_docx(runner, units, tmp_path):
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 123/TB-VPUB"
    table.rows[0].cells[1].text = "Quảng Ngãi, ngày 16 tháng 4 năm 2021"
    for line in [
        "THÔNG BÁO",
        "Ý kiến kết luận của Phó Chủ tịch UBND tỉnh tại cuộc họp về chuyển đổi số",
        "",
        "Phó Chủ tịch UBND tỉnh kết luận như sau:",
        "1. Sở TT&TT chủ trì, phối hợp với UBND huyện Lý Sơn xây dựng kế hoạch chuyển đổi số; "
        "báo cáo UBND tỉnh trong 10 ngày làm việc.",
        "2. UBND huyện Lý Sơn khẩn trương hoàn thành hạ tầng mạng, chậm nhất ngày 15-7-2021.",
    ]:
        document.add_paragraph(line)
    path = tmp_path / "thong-bao.docx"
    document.save(path)
    out = run_json(runner, path)
    assert out["directive"] == {"symbol": "123/TB-VPUB", "issued_on": "2021-04-16", "signer": None}
    assert [t["lead_unit"] for t in out["tasks"]] == [
        "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi",
        "UBND huyện Lý Sơn",
    ]
    assert out["tasks"][0]["coordinating_units"] == ["UBND huyện Lý Sơn"]
    # 10 working days from Friday 16 April 2021 (no holidays loaded here)
    assert [t["due_on"] for t in out["tasks"]] == ["2021-04-30", "2021-07-15"]


def test_working_days_use_the_holidays_of_the_database(runner, units, holidays, tmp_path):
    notice = tmp_path / "n.txt"
    notice.write_text(
        "Quảng Ngãi, ngày 23 tháng 4 năm 2021\nYêu cầu Sở TT&TT báo cáo trong 5 ngày làm việc.",
        encoding="utf-8",
    )
    (task,) = run_json(runner, notice)["tasks"]
    # Without holidays 5 working days after Friday 23/4 end on Friday 30/4; with 30/4, 1/5 and
    # the nghỉ bù of Monday 3/5 (seeds/holidays.yaml) they end on Tuesday 4/5.
    assert task["due_on"] == "2021-05-04"


def test_a_real_pdf_with_a_text_layer(runner, units):
    out = run_json(runner, DATA / "notice.pdf")
    assert out["directive"] == {
        "symbol": "45/TB-UBND",
        "issued_on": "2021-03-08",
        "signer": "Trần Phước Hiền",
    }
    assert [(t["lead_unit"], t["due_on"]) for t in out["tasks"]] == [
        ("Sở Thông tin và Truyền thông tỉnh Quảng Ngãi", "2021-06-30"),
        ("Sở Thông tin và Truyền thông tỉnh Quảng Ngãi", "2021-09-30"),
    ]
    # the line the PDF wrapped is one sentence again
    assert out["tasks"][0]["text"].endswith("chuyển đổi số, hoàn thành trước ngày 30/6/2021.")


def test_the_plain_output_names_units_not_found(runner, units, tmp_path):
    notice = tmp_path / "n.txt"
    notice.write_text("Yêu cầu Sở Thông tin và Truyền thong Du lịch rà soát.", encoding="utf-8")
    result = runner.invoke(args=["intake", str(notice)])
    assert result.exit_code == 0, result.output
    assert "Chủ trì:" in result.output
    assert "Thời hạn: không có" in result.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "Không tìm thấy tệp"),
        ("notice.odt", b"PK\x03\x04", "chỉ nhận .txt, .docx hoặc .pdf"),
        ("notice.txt", b"S\xd5\xd2 T\xe0i ch\xecnh", "không phải UTF-8"),  # Windows-1258
        ("notice.docx", b"not a zip file", "không phải tệp Word"),
        ("notice.pdf", b"%PDF-1.4 broken", "bị hỏng"),
    ],
)
def test_a_file_it_cannot_read_exits_2_with_the_reason(
    runner, app, tmp_path, name, content, message
):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(args=["intake", str(path), "--json"])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_pdf_without_a_text_layer_exits_2(runner, app):
    result = runner.invoke(args=["intake", str(DATA / "scan.pdf")])
    assert result.exit_code == 2
    assert "không có lớp văn bản" in result.output


def test_a_directory_exits_2(runner, app, tmp_path):
    result = runner.invoke(args=["intake", str(tmp_path)])
    assert result.exit_code == 2
    assert "thư mục" in result.output


def test_reading_writes_nothing(runner, units):
    run_json(runner, SEED)
    assert db.session.scalar(select(func.count()).select_from(Directive)) == 0
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0
