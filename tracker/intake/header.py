"""The directive itself: symbol, kind, issue date, place, signer, trích yếu, meeting.

Formal notices carry these in a fixed header ("Số: 45/TB-UBND", "Quảng Ngãi, ngày 08 tháng 3
năm 2021", the title block, the signature block); press reports name the document in passing
("Thông báo số 81/TB-UBND"), date themselves in a dateline and name the chair in the lede. Both
are read; what the text does not give stays None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .deadlines import parse_date
from .textutil import LOWER, UPPER, fold_same_length


@dataclass(frozen=True)
class Meeting:
    title: str | None = None
    date: date | None = None
    chair: str | None = None


@dataclass(frozen=True)
class DirectiveHeader:
    symbol: str | None = None
    kind: str | None = None
    issued_on: date | None = None
    place: str | None = None
    signer: str | None = None
    signer_position: str | None = None
    summary: str | None = None
    meeting: Meeting | None = None


_SYMBOL = r"(\d{1,6}[A-Za-z]?\s*(?:/\s*\d{4})?\s*/\s*[A-ZĐ][A-ZĐ0-9]*(?:\s*-\s*[A-ZĐ][A-ZĐ0-9]*)*)"
_HEADER_SYMBOL = re.compile(rf"\bSố\s*[:.]?\s*{_SYMBOL}")
_NAMED_SYMBOL = re.compile(
    rf"(?P<kind>Thông báo|Công văn|Văn bản|Quyết định|Chỉ thị|Kế hoạch)\s+(?:số\s*)?{_SYMBOL}",
    re.IGNORECASE,
)
_CITED_BEFORE = re.compile(
    r"(?:căn cứ|thực hiện|theo|tại|nhận được|của|và|sau khi|xét)\s*$", re.IGNORECASE
)
_PLACE_DATE = re.compile(
    r"(?m)^\s*([A-ZĐÀ-Ỹ][^\n,;:]{1,40}),\s*ngày\s+(\d{1,2})(?:\s+tháng\s+|\s*[/.\-]\s*)(\d{1,2})"
    r"(?:\s+năm\s+|\s*[/.\-]\s*)(\d{4})"
)
# A press dateline: "01:03, 03/03/2021", "Thứ Tư, 03/03/2021 - 01:03", "03/03/2021 07:15 (GMT+7)".
_DATELINE = re.compile(
    r"(?m)^\s*(?:[^\n\d]{0,20},\s*)?(?:\d{1,2}:\d{2}\s*[,\-]?\s*)?(\d{1,2})/(\d{1,2})/(\d{4})"
    r"(?:\s*[,\-]?\s*\d{1,2}:\d{2}(?:\s*\(GMT\+7\))?)?\s*$"
)

_WORD = f"[{UPPER}][{LOWER}]+"
_NAME = rf"({_WORD}(?:\s+{_WORD}){{1,3}})"
_LEADER = re.compile(
    r"((?:Phó\s+)?Chủ tịch(?:\s+Thường trực)?\s+(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+"
    r"(?:tỉnh|thành phố|TP\.?)|Thủ tướng Chính phủ|Bí thư Tỉnh ủy|Giám đốc Sở [^,.;\n]{2,40}?)"
    r"(?:\s+" + _WORD + r"){0,2}?\s+" + _NAME
)
_SIGN_POSITION = re.compile(
    r"(?m)^\s*((?:KT\.|TM\.|TL\.|Q\.)?\s*(?:PHÓ\s+)?(?:CHỦ TỊCH|GIÁM ĐỐC|CHÁNH VĂN PHÒNG|"
    r"TRƯỞNG BAN|BÍ THƯ)[^\n]*)\s*$"
)

KIND_BY_CODE = {
    "TB": "conclusion_notice",
    "QĐ": "decision",
    "QD": "decision",
    "CT": "instruction",
    "KH": "plan",
}
KIND_BY_TITLE = (
    (r"thong bao\s+(?:y kien\s+)?ket luan|ket luan cua", "conclusion_notice"),
    (
        r"y kien (?:chi dao )?(?:cua .{0,80})?tai (?:cuoc hop|buoi lam viec|hoi nghi)",
        "meeting_opinion",
    ),
    (r"^\s*chi thi\b", "instruction"),
    (r"^\s*quyet dinh\b", "decision"),
    (r"^\s*ke hoach\b", "plan"),
    (r"^\s*cong van\b|\bv/v\b", "official_letter"),
)


def kind_from_symbol(symbol: str | None) -> str | None:
    """45/TB-UBND -> conclusion_notice; 1234/UBND-KT (no type code) -> official_letter."""
    if not symbol:
        return None
    after = symbol.split("/")[-1]
    code = after.split("-")[0].strip().upper()
    if code in KIND_BY_CODE:
        return KIND_BY_CODE[code]
    if code.startswith(("UBND", "VP", "UB", "S")):
        return "official_letter"
    return None


def _clean_symbol(raw: str) -> str:
    return re.sub(r"\s+", "", raw)


def _title_block(text: str) -> tuple[str | None, str | None]:
    """(kind word line, trích yếu) of a formal notice: the capitalised title and what follows."""
    m = re.search(
        r"(?m)^\s*(THÔNG BÁO|CÔNG VĂN|QUYẾT ĐỊNH|CHỈ THỊ|KẾ HOẠCH)\s*$\n((?:[^\n]+\n?){1,4})",
        text[:4000],
    )
    if m:
        lines = []
        for line in m.group(2).splitlines():
            if not line.strip() or re.match(r"\s*(Ngày|Căn cứ|Sáng|Chiều|Vừa qua)\b", line):
                break
            lines.append(line.strip())
        return m.group(1), " ".join(lines) or None
    m = re.search(r"(?m)^\s*(V/v|Về việc)\s*[:.]?\s*([^\n]+)", text[:4000])
    if m:
        return "CÔNG VĂN", m.group(2).strip()
    return None, None


def read_header(text: str) -> DirectiveHeader:
    symbol = None
    m = _HEADER_SYMBOL.search(text[:3000])
    if m:
        symbol = _clean_symbol(m.group(1))
    else:
        for m in _NAMED_SYMBOL.finditer(text):
            before = text[max(0, m.start() - 15) : m.start()]
            if not _CITED_BEFORE.search(before) or before.rstrip().endswith("(Theo"):
                symbol = _clean_symbol(m.group(2))
                break
    place = issued_on = None
    m = _PLACE_DATE.search(text[:3000])
    if m:
        place = m.group(1).strip()
        issued_on = _date(m.group(4), m.group(3), m.group(2))
    if issued_on is None and symbol:
        at = text.find(symbol.split("/")[0])
        near = text[at : at + 80] if at >= 0 else ""
        d = re.search(r"ngày\s+([\d/.\-]+|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})", near)
        if d:
            issued_on = parse_date(d.group(1))
    if issued_on is None:
        d = _DATELINE.search(text[:600])
        if d:
            issued_on = _date(d.group(3), d.group(2), d.group(1))

    title_word, summary = _title_block(text)
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if summary is None and title_word is None and len(first_line) < 200:
        summary = first_line or None  # a press report's headline
    kind = kind_from_symbol(symbol)
    heading = fold_same_length(f"{title_word or ''} {summary or ''}")
    for pattern, title_kind in KIND_BY_TITLE:
        if re.search(pattern, heading):
            if kind in (None, "official_letter") or title_kind == "conclusion_notice":
                kind = title_kind
            break
    if kind is None:
        folded = fold_same_length(text)
        if "ket luan" in folded:
            kind = "conclusion_notice"
        elif re.search(r"cuoc hop|buoi lam viec|hoi nghi", folded):
            kind = "meeting_opinion"
        elif "cong van" in folded:
            kind = "official_letter"

    signer, position = _signature(text)
    meeting = _meeting(text, issued_on)
    if signer is None and meeting and meeting.chair:
        position, signer = _split_person(meeting.chair)
    return DirectiveHeader(symbol, kind, issued_on, place, signer, position, summary, meeting)


def _date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _signature(text: str) -> tuple[str | None, str | None]:
    """The signature block at the end: position lines in capitals, then the name."""
    tail_start = max(0, len(text) - 1500)
    positions = list(_SIGN_POSITION.finditer(text, tail_start))
    if not positions:
        return None, None
    last = positions[-1]
    rest = text[last.end() :]
    lines = [line.strip() for line in rest.splitlines() if line.strip()]
    position_lines = [last.group(1).strip()]
    for line in lines:
        if re.fullmatch(r"\(?(?:đã ký|Đã ký|ĐÃ KÝ)\)?|\(?ký(?: tên)?(?:, đóng dấu)?\)?", line):
            continue
        if line.isupper():
            position_lines.append(line)
            continue
        if re.fullmatch(_NAME, line):
            pos = position_lines[-1].title().replace("Ubnd", "UBND")
            return line, pos.strip()
        break
    return None, None


def _split_person(chair: str) -> tuple[str | None, str]:
    m = re.search(_NAME + r"\s*$", chair)
    if not m:
        return None, chair
    return chair[: m.start()].strip() or None, m.group(1)


def _meeting(text: str, issued_on: date | None) -> Meeting | None:
    m = re.search(
        r"([^\n]{0,160}?)\s*chủ trì\s+(buổi làm việc|cuộc họp|hội nghị|phiên họp)([^.\n]*)",
        text,
    )
    chair = title = when = None
    if m:
        leader = _LEADER.search(m.group(1))
        chair = leader.group(0) if leader else None
        title = (m.group(2) + m.group(3)).strip().rstrip(",;")
        title = title[0].upper() + title[1:]
        when = _meeting_date(m.group(1), issued_on)
    else:
        leader = _LEADER.search(text[:3000])
        if leader and re.search(r"kết luận|chỉ đạo", text[leader.end() : leader.end() + 200]):
            chair = leader.group(0)
        if not chair:
            for leader in _LEADER.finditer(text):
                if re.search(r"kết luận|chỉ đạo|yêu cầu", text[leader.end() : leader.end() + 60]):
                    chair = leader.group(0)
                    break
    if not (chair or title):
        return None
    return Meeting(title, when, chair)


def _meeting_date(lede: str, issued_on: date | None) -> date | None:
    full = parse_date(lede)
    if full:
        return full
    m = re.search(
        r"(?:Sáng|Chiều|Tối|Ngày|ngày)\s+(?:nay\s*\()?(\d{1,2})[./\-](\d{1,2})(?![./\-]\d)", lede
    )
    if m and issued_on:
        return _date(str(issued_on.year), m.group(2), m.group(1))
    return None
