"""Report exports: Excel in the usual "PHỤ LỤC" layout and CSV (UTF-8 with BOM).

Both are built from ``reports.detail_rows`` and ``reports.totals`` (the same numbers as
the report page); the web routes and ``tracker report`` call these functions.

No cell is ever a formula: text typed by users (difficulties, proposals, results, titles)
that begins like a formula is stored as text in Excel and behind a leading apostrophe in
CSV (OWASP, "CSV Injection"). Dates are real Excel dates, counts and rates numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..models import User
from ..status import AWAITING_VI, COMPLETED, StatusContext, group_label, label
from .reports import (
    RANK_RULE_VI,
    RATE_RULES_VI,
    SCOPE_RULES_VI,
    Counts,
    DetailRow,
    Period,
    detail_rows,
    ranking,
    totals,
)

TITLE = "PHỤ LỤC"
SUBTITLE = "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ"
COLUMNS = [
    ("STT", 6),
    ("Văn bản chỉ đạo (số, ngày, người ký)", 24),
    ("Trích yếu", 30),
    ("Nội dung nhiệm vụ", 40),
    ("Đơn vị chủ trì", 20),
    ("Đơn vị phối hợp", 20),
    ("Thời hạn", 12),
    ("Kết quả thực hiện", 30),
    ("Tình trạng", 18),
    ("Nhóm (theo biểu mẫu)", 18),
    ("Khó khăn, vướng mắc", 25),
    ("Đề xuất, kiến nghị", 25),
    ("Gia hạn", 9),
]
# The CSV says in every row which tasks and which view it holds (a CSV has no title).
CSV_COLUMNS = [*COLUMNS, ("Phạm vi số liệu", 0)]
SUMMARY_ROWS = [
    ("Tổng số nhiệm vụ (có thời hạn)", "total"),
    ("Đã hoàn thành", "completed"),
    ("  - Hoàn thành đúng hạn", "done_on_time"),
    ("  - Hoàn thành quá hạn", "done_late"),
    ("Chưa hoàn thành", "not_completed"),
    ("  - Đang thực hiện trong hạn", "in_time"),
    ("  - Quá hạn", "overdue"),
    ("  - Trong đó chờ xác nhận", "awaiting"),
    ("Nhiệm vụ đã đến hạn", "already_due"),
    ("Không thời hạn (ngoài tổng số)", "no_deadline"),
    ("  - Đã hoàn thành", "no_deadline_done"),
    ("  - Chưa hoàn thành", "no_deadline_open"),
]
FONT = "Times New Roman"
DATE_FORMAT = "dd/mm/yyyy"
RATE_FORMAT = "0.0%"
NO_DEADLINE = "Không thời hạn"
# A spreadsheet reads a cell beginning with one of these as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value):
    """A CSV field that no spreadsheet evaluates: formula-like text behind a ``'``."""
    if isinstance(value, date):
        return _vn(value)
    return f"'{value}" if looks_like_formula(value) else value


def put(sheet: Worksheet, row: int, col: int, value):
    """Write one cell: text always as text (never a formula), dates as dd/mm/yyyy dates."""
    cell = sheet.cell(row, col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl refuses control characters
    cell.value = value
    if isinstance(value, str) and cell.data_type != TYPE_STRING:
        # openpyxl makes any string beginning with "=" a formula: force text, and the
        # quote prefix keeps it text when someone edits the cell in Excel.
        cell.data_type = TYPE_STRING
    if looks_like_formula(value):
        cell.quotePrefix = True
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def _print_setup(sheet: Worksheet) -> None:
    """Landscape A4, as wide as one page, as many pages down as it takes."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def _vn(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def row_values(number: int, row: DetailRow) -> list:
    task, directive = row.task, row.task.directive
    signer = directive.signer_name
    if directive.signer_position:
        signer = f"{directive.signer_position} {signer}"
    result = ""
    if row.status in COMPLETED:
        result = task.result_text or ""
        if task.result_doc_number:
            result = (
                f"{result} (Văn bản số {task.result_doc_number} ngày {_vn(task.result_doc_on)})"
            )
        result = f"{result.strip()} Hoàn thành ngày {_vn(task.completed_on)}.".strip()
    return [
        number,
        f"{directive.symbol} ngày {_vn(directive.issued_on)}; {signer}",
        directive.summary,
        task.title,
        row.lead_unit or task.lead_unit.label,
        row.coordinating,
        row.due_on or NO_DEADLINE,
        result,
        status_text(row),
        group_label(row.status),
        row.difficulties,
        row.proposals,
        row.extensions,
    ]


def status_text(row: DetailRow) -> str:
    """The finer label, and "chờ xác nhận" when a result awaited the Office on the date."""
    text = label(row.status)
    return f"{text} ({AWAITING_VI})" if row.awaiting else text


def view_text(ctx: StatusContext) -> str:
    day = _vn(ctx.as_of)
    if ctx.later_confirmations:
        return f"kể cả kết quả xác nhận sau ngày {day}"
    return f"hoàn thành tính theo kết quả đã xác nhận đến ngày {day}"


def scope_text(period: Period | None, ctx: StatusContext) -> str:
    """Which tasks and which view: the CSV's last column, the Excel title block."""
    text = f"Số liệu tính đến ngày {_vn(ctx.as_of)}, {view_text(ctx)}"
    if period is None:
        return text
    return (
        f"Kỳ báo cáo từ ngày {_vn(period.start)} đến ngày {_vn(period.end)}, phạm vi: "
        f"{period.scope_label} ({SCOPE_RULES_VI[period.scope]}); {text}"
    )


def _caption(period: Period | None, ctx: StatusContext) -> str:
    return f"({scope_text(period, ctx)})"


def _put_rate(sheet: Worksheet, row: int, col: int, value: float | None):
    """A rate as a number shown as a percentage; "—" when there is nothing to divide by."""
    cell = put(sheet, row, col, "—" if value is None else value)
    if value is not None:
        cell.number_format = RATE_FORMAT
    return cell


def build_xlsx(user: User, ctx: StatusContext, period: Period | None) -> bytes:
    rows = detail_rows(user, ctx, period)
    counts = totals(user, ctx, period)
    book = Workbook()
    sheet = book.active
    sheet.title = "Phụ lục"
    width = len(COLUMNS)
    last = get_column_letter(width)
    bold = Font(name=FONT, bold=True, size=13)
    normal = Font(name=FONT, size=12)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for line, (text, font) in enumerate(
        [(TITLE, bold), (SUBTITLE, bold), (_caption(period, ctx), Font(name=FONT, italic=True))],
        start=1,
    ):
        sheet.merge_cells(f"A{line}:{last}{line}")
        cell = put(sheet, line, 1, text)
        cell.font, cell.alignment = font, centre
    header_row = 5
    for col, (title, col_width) in enumerate(COLUMNS, start=1):
        cell = put(sheet, header_row, col, title)
        cell.font, cell.alignment, cell.border = Font(name=FONT, bold=True), centre, border
        sheet.column_dimensions[get_column_letter(col)].width = col_width
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row_values(number, row), start=1):
            cell = put(sheet, header_row + number, col, value)
            cell.font, cell.alignment, cell.border = normal, wrap, border
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    _print_setup(sheet)
    _summary_sheet(book, user, ctx, period, counts, bold, normal, border)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(book, user, ctx, period, counts: Counts, bold, normal, border) -> None:
    sheet = book.create_sheet("Tổng hợp")
    put(sheet, 1, 1, SUBTITLE).font = bold
    put(sheet, 2, 1, _caption(period, ctx)).font = Font(name=FONT, italic=True)
    line = 4
    for text, attr in SUMMARY_ROWS:
        put(sheet, line, 1, text).font = normal
        put(sheet, line, 2, getattr(counts, attr)).font = normal
        line += 1
    for text, value in (
        ("Tỷ lệ hoàn thành / tổng số có thời hạn", counts.rate_all),
        ("Tỷ lệ hoàn thành / nhiệm vụ đến hạn", counts.rate_due),
    ):
        put(sheet, line, 1, text).font = normal
        _put_rate(sheet, line, 2, value).font = normal
        line += 1
    put(sheet, line, 1, RATE_RULES_VI).font = Font(name=FONT, italic=True)
    line += 2
    put(sheet, line, 1, "XẾP HẠNG THI ĐUA CÁC ĐƠN VỊ").font = bold
    line += 1
    headers = ["Hạng", "Đơn vị", "Tỷ lệ đúng hạn", "Đúng hạn", "Quá hạn (HT)", "Quá hạn", "Tổng"]
    for col, text in enumerate(headers, start=1):
        cell = put(sheet, line, col, text)
        cell.font, cell.border = Font(name=FONT, bold=True), border
    for row in ranking(user, ctx, period):
        line += 1
        c = row.counts
        values = [row.rank, row.label, c.on_time_rate, c.done_on_time, c.done_late]
        values += [c.overdue, c.total]
        for col, value in enumerate(values, start=1):
            write = _put_rate if col == 3 else put  # column 3: the on-time rate
            cell = write(sheet, line, col, value)
            cell.font, cell.border = normal, border
    put(sheet, line + 1, 1, RANK_RULE_VI).font = Font(name=FONT, italic=True)
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 30
    _print_setup(sheet)


def build_csv(user: User, ctx: StatusContext, period: Period | None) -> bytes:
    """The detail list as CSV, UTF-8 with a BOM so Excel reads Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(title) for title, _ in CSV_COLUMNS])
    scope = scope_text(period, ctx)
    for number, row in enumerate(detail_rows(user, ctx, period), start=1):
        writer.writerow([csv_safe(value) for value in [*row_values(number, row), scope]])
    return buffer.getvalue().encode("utf-8-sig")


def export_name(period: Period | None, ctx: StatusContext, extension: str) -> str:
    code = period.code.replace("..", "_") if period else "all"
    if period is not None:
        code = f"{code}-{period.scope}"
    view = "-ke-ca-xac-nhan-sau" if ctx.later_confirmations else ""
    return f"bao-cao-{code}-den-{ctx.as_of.isoformat()}{view}.{extension}"
