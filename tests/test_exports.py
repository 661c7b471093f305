"""The Excel and CSV exports hold no formula, whatever users typed (issue 8: formula
injection), and their dates, counts and rates are typed cells, printed one page wide."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tracker.extensions import db
from tracker.models import ProgressReport

from .conftest import make_directive, make_task

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1"]
QUERY = "period=2021-01-01..2021-12-31&as_of=2021-07-01"
DUE = date(2021, 9, 30)


@pytest.fixture
def hostile(app, users):
    """One task per payload, typed everywhere users type: the directive's summary (Office),
    the title, the last progress report's difficulties and proposals, and the result of
    the completed ones (unit staff). Plus one task without a deadline."""
    unit = users["unit_head"].unit
    directive = make_directive("45/TB-UBND", issued_on=date(2021, 3, 8))
    directive.summary = PAYLOADS[0]
    tasks = {}
    for i, payload in enumerate(PAYLOADS):
        done = i % 2 == 0
        task = make_task(
            directive, unit, title=payload, due_on=DUE, assigned_by=users["leader"],
            state="completed" if done else "in_progress",
            completed_on=date(2021, 6, 1) if done else None,
            result_text=payload if done else None,
        )  # fmt: skip
        db.session.add(
            ProgressReport(
                task=task, reported_on=date(2021, 5, 1), progress=50, text="Đang làm",
                difficulties=payload, proposals=payload, author=users["unit_staff"],
            )
        )  # fmt: skip
        tasks[payload] = task
    make_task(directive, unit, title="Không hạn", due_on=None, assigned_by=users["leader"])
    db.session.commit()
    return tasks


def _xlsx(client, login_as):
    login_as("office")
    response = client.get(f"/reports/export.xlsx?{QUERY}")
    assert response.status_code == 200
    return response.data


def test_no_cell_of_the_excel_export_is_a_formula(client, login_as, hostile):
    data = _xlsx(client, login_as)
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    rows = [[c.value for c in row] for row in book["Phụ lục"].iter_rows(min_row=6)]
    by_title = {row[3]: row for row in rows}
    for i, payload in enumerate(PAYLOADS):
        row = by_title[payload]  # the text is intact, not evaluated nor prefixed
        assert row[2] == PAYLOADS[0]  # the directive's summary
        assert row[10] == payload and row[11] == payload  # difficulties, proposals
        if i % 2 == 0:
            assert row[7].startswith(payload.strip()) and "Hoàn thành ngày 01/06/2021" in row[7]
    cell = book["Phụ lục"].cell(6 + [r[3] for r in rows].index(PAYLOADS[0]), 4)
    assert cell.data_type == "s" and cell.quotePrefix  # stays text when edited in Excel


def test_dates_counts_and_rates_are_typed_cells(client, login_as, hostile):
    book = load_workbook(io.BytesIO(_xlsx(client, login_as)))
    sheet = book["Phụ lục"]
    due_cells = {sheet.cell(r, 4).value: sheet.cell(r, 7) for r in range(6, sheet.max_row + 1)}
    for payload in PAYLOADS:
        cell = due_cells[payload]
        assert cell.is_date and cell.value == datetime(2021, 9, 30)
        assert cell.number_format == "dd/mm/yyyy"
    assert due_cells["Không hạn"].value == "Không thời hạn"
    assert all(isinstance(sheet.cell(r, 1).value, int) for r in range(6, sheet.max_row + 1))
    assert all(isinstance(sheet.cell(r, 13).value, int) for r in range(6, sheet.max_row + 1))

    summary = book["Tổng hợp"]
    values = {row[0].value: row[1] for row in summary.iter_rows(min_row=4) if row[0].value}
    # Total (with a deadline): the five payload tasks; the one without a deadline beside it.
    total = values["Tổng số nhiệm vụ (có thời hạn)"]
    assert total.value == 5 and total.data_type == "n"
    rate = values["Tỷ lệ hoàn thành / tổng số có thời hạn"]
    assert rate.value == pytest.approx(3 / 5) and "%" in rate.number_format
    ranking_rates = [
        row[2] for row in summary.iter_rows() if isinstance(row[0].value, int) and row[1].value
    ]
    assert ranking_rates and all(
        c.data_type == "n" and "%" in c.number_format for c in ranking_rates
    )

    for ws in book.worksheets:  # fit to one page wide, landscape A4, as Excel honours it
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9


def test_no_field_of_the_csv_export_starts_like_a_formula(client, login_as, hostile):
    login_as("office")
    response = client.get(f"/reports/export.csv?{QUERY}")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    for row in table:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    by_title = {row[3]: row for row in table[1:]}
    for payload in PAYLOADS:
        row = by_title[f"'{payload}"]  # OWASP: a leading apostrophe, the text after it intact
        assert row[2] == f"'{PAYLOADS[0]}"
        assert row[10] == f"'{payload}" and row[11] == f"'{payload}"
        assert row[6] == "30/09/2021"
    assert by_title["Không hạn"][6] == "Không thời hạn"
