"""Who an instruction is addressed to: the lead unit and the coordinating units.

Rules (issue 13, item 2):
- "giao Sở X chủ trì, phối hợp với Sở Y, UBND xã Z" -> lead X, coordinating Y, Z;
- several units addressed jointly -> the first named leads, unless the text says who "chủ trì";
- "Sở" alone after the department being met was named -> that department;
- generic addressees ("các sở, ngành, địa phương") are kept as written for the Office to resolve;
- a unit a report is *sent* to ("báo cáo UBND tỉnh", "gửi về Sở KH&ĐT") is not coordinating, and
  the speaker ("Chủ tịch UBND tỉnh yêu cầu …") is not addressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textutil import fold_same_length
from .units import Catalogue, UnitMatch, derived_aliases

# Departments every province has (the names of Decree 24/2014, 107/2020 and the 2025 mergers),
# so a "Sở …" the catalogue lacks is still read whole and shown as not found.
STANDARD_DEPARTMENTS = (
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tài chính",
    "Sở Công Thương",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Nông nghiệp và Môi trường",
    "Sở Giao thông vận tải",
    "Sở Xây dựng",
    "Sở Tài nguyên và Môi trường",
    "Sở Thông tin và Truyền thông",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Văn hóa và Thể thao",
    "Sở Văn hóa - Thể thao",
    "Sở Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Ngoại vụ",
    "Sở Dân tộc và Tôn giáo",
    "Sở Công an",
)


def _alias_regex(names: tuple[str, ...]) -> re.Pattern[str]:
    forms: set[str] = set()
    for name in names:
        forms |= derived_aliases(name)
    parts = []
    for form in sorted(forms, key=len, reverse=True):
        tokens = re.findall(r"[a-z0-9]+|&", form)
        parts.append(
            r"[\s,\-–.]*".join("(?:&|va)?" if t in ("&", "va") else re.escape(t) for t in tokens)
        )
    return re.compile(rf"(?<![a-z0-9&])(?:{'|'.join(parts)})(?![a-z0-9&])")


_DEPARTMENT = _alias_regex(STANDARD_DEPARTMENTS)

# Heads of other unit names; the name runs on over capitalised words.
_UNIT_HEAD = re.compile(
    r"(?<![a-z0-9])(?:ubnd|uy ban nhan dan|ban quan ly|bql|cong an|bo chi huy quan su|"
    r"bo chi huy bo doi bien phong|trung tam|dai phat thanh|dai pt|bao|van phong|thanh tra|"
    r"cuc thue|cuc hai quan|cuc thong ke|chi cuc|kho bac nha nuoc|ngan hang nha nuoc|"
    r"bao hiem xa hoi|bhxh|dien luc|cong ty dien luc|tinh doan|ban dan toc|"
    r"uy ban mat tran to quoc|uy ban mttq|mat tran to quoc|lien minh hop tac xa|hoi nong dan|hoi lien hiep phu nu|truong|benh vien)(?![a-z0-9])"
)
_LEVEL = re.compile(r"\s+(?:tinh|huyen|thi xa|thanh pho|tp\.?|quan|xa|phuong|thi tran)\b")

# The province itself and the bodies above it assign or receive; they are never addressed.
_SUPERIOR = re.compile(
    r"(?<![a-z0-9])(?:(?:pho )?chu tich |thuong truc )?(?:ubnd|uy ban nhan dan|hdnd|"
    r"hoi dong nhan dan) (?:tinh|thanh pho|tp)(?![a-z0-9])"
    r"|(?<![a-z0-9])(?:tinh uy|thuong truc tinh uy|ban thuong vu tinh uy|chinh phu|"
    r"thu tuong chinh phu|thu tuong|van phong chinh phu)(?![a-z0-9])"
)

_GENERIC_WORD = (
    r"(?:so|ban|nganh|co quan|don vi|dia phuong|huyen|thi xa|thanh pho|xa|phuong|thi tran|"
    r"doan the|to chuc|hoi|quan)"
)
_GENERIC = re.compile(
    r"(?<![a-z0-9])(?:(?:thu truong|lanh dao|giam doc|chu tich)\s+)?(?:(?:ubnd|uy ban nhan dan)\s+)?"
    rf"cac\s+{_GENERIC_WORD}(?:\s*(?:,|;|va|/)\s*(?:cac\s+)?{_GENERIC_WORD}(?![a-z]))*"
    r"(?:\s+(?:cap tinh|tinh|lien quan|co lien quan|chuc nang|thuoc tinh|tren dia ban(?: tinh)?))*"
    r"(?![a-z0-9])"
)

_RECIPIENT_BEFORE = re.compile(
    r"(?<![a-z])(?:bao cao(?: ket qua)?|trinh|gui(?: bao cao)?(?: ket qua)?|tham muu|de xuat|"
    r"xin y kien|qua|chuyen)(?:\s+(?:ve|cho|len|den|toi|tai))?[\s(:]*$"
)
_OVERSIGHT_BEFORE = re.compile(
    r"(?<![a-z])(?:don doc|huong dan|chi dao|kiem tra|giam sat|theo doi|to chuc cho)\s*$"
)
_SPEAKER_CUE = re.compile(
    r"(?<![a-z])(?:yeu cau|de nghi|(?<!ton )(?<!ban )(?<!ngoai )(?<!chuyen )(?<!ket )giao(?: cho)?|chi dao|luu y|nhac nho|nhan manh)(?![a-z])"
)
_NOT_SPEAKER_BEFORE = re.compile(r"(?<![a-z])(?:duoc|da|nhiem vu|theo|viec)\s*$")
_LEAD_CUE = re.compile(r"(?<![a-z])chu tri(?![a-z])")


@dataclass(frozen=True)
class Addressees:
    lead: UnitMatch | None
    coordinating: tuple[UnitMatch, ...]


def _capitalised_run(text: str, pos: int, limit: int = 5) -> int:
    """End of the run of capitalised words (a place or proper name) starting at ``pos``."""
    end = pos
    for i, m in enumerate(re.finditer(r"\s*([^\s,;:.()]+)", text[pos:])):
        if i >= limit or not (m.group(1)[0].isupper() or m.group(1)[0].isdigit()):
            break
        if m.start() != (end - pos):
            break
        end = pos + m.end()
    return end


def _other_unit(text: str, folded: str, head: re.Match[str], catalogue: Catalogue) -> UnitMatch:
    start, end = head.start(), head.end()
    level = _LEVEL.match(folded, end)
    if level:
        end = level.end()
    named_end = _capitalised_run(text, end)
    # The longest window of following words the catalogue knows, when it knows one.
    words = [m.end() for m in re.finditer(r"\s*[^\s,;:.()]+", text[end : end + 80])][:6]
    for w_end in sorted((end + w for w in words), reverse=True):
        found = catalogue.match(text[start:w_end], start, w_end)
        if found.unit is not None and w_end >= named_end:
            return found
    found = catalogue.match(text[start:named_end], start, named_end)
    return found


Mention = tuple[UnitMatch, str]


def _verb_after_so(text: str, start: int) -> bool:
    """'yêu cầu Sở xây dựng kế hoạch': a department's name is capitalised after "Sở"; a small
    letter there is the verb of a bare "Sở"."""
    m = re.match(r"Sở\s+(\w)", text[start : start + 12])
    return bool(m and m.group(1).islower())


def find_units(
    text: str,
    catalogue: Catalogue,
    start: int = 0,
    end: int | None = None,
    folded: str | None = None,
) -> list[Mention]:
    """Every unit mention in text[start:end], in order: (UnitMatch, kind) where kind is
    'unit', 'generic', 'superior' or 'bare_so'. ``folded`` is fold_same_length(text), when
    the caller has it already."""
    end = len(text) if end is None else end
    folded = fold_same_length(text) if folded is None else folded
    mask = bytearray(len(text) + 1)  # 1 where a mention was found already
    found: list[tuple[UnitMatch, str]] = []

    def take(s: int, e: int) -> None:
        mask[s:e] = b"\x01" * (e - s)

    def free(s: int, e: int) -> bool:
        return 1 not in mask[s:e]

    for s, e in catalogue.scan(folded, start, end):
        if _verb_after_so(text, s):
            continue
        take(s, e)
        found.append((catalogue.match(text[s:e], s, e), "unit"))
    for m in _SUPERIOR.finditer(folded, start, end):
        if free(m.start(), m.end()):
            # "UBND tỉnh Quảng Ngãi": the name that follows is the province's.
            e = _capitalised_run(text, m.end(), 3)
            take(m.start(), e)
            found.append((UnitMatch(text[m.start() : e], m.start(), e), "superior"))
    for m in _DEPARTMENT.finditer(folded, start, end):
        if free(m.start(), m.end()) and not _verb_after_so(text, m.start()):
            take(m.start(), m.end())
            found.append((catalogue.match(text[m.start() : m.end()], m.start(), m.end()), "unit"))
    for m in _GENERIC.finditer(folded, start, end):
        if free(m.start(), m.end()):
            take(m.start(), m.end())
            found.append(
                (UnitMatch(text[m.start() : m.end()], m.start(), m.end(), generic=True), "generic")
            )
    for m in _UNIT_HEAD.finditer(folded, start, end):
        if not free(m.start(), m.end()) or not text[m.start()].isupper():
            continue
        match = _other_unit(text, folded, m, catalogue)
        if match.end - match.start <= m.end() - m.start() and match.unit is None:
            continue  # a head word alone ("Trung tâm", "Báo") names nothing
        if free(match.start, match.end):
            take(match.start, match.end)
            found.append((match, "unit"))
    for m in re.finditer(r"(?<!\w)Sở(?!\w)", text[start:end]):
        s = start + m.start()
        if free(s, s + 2):
            found.append((UnitMatch("Sở", s, s + 2), "bare_so"))
    found.sort(key=lambda item: item[0].start)
    return found


def assign(
    text: str,
    start: int,
    end: int,
    catalogue: Catalogue,
    context_unit: UnitMatch | None = None,
    folded: str | None = None,
    mentions: list[Mention] | None = None,
) -> Addressees:
    """Lead and coordinating units of the instruction in text[start:end]. ``mentions`` are
    find_units() over the whole text, when the caller has them already."""
    folded = fold_same_length(text) if folded is None else folded
    if mentions is None:
        mentions = find_units(text, catalogue, start, end, folded)
    else:
        mentions = [(m, k) for m, k in mentions if m.start >= start and m.end <= end]
    speaker_end = start
    for cue in _SPEAKER_CUE.finditer(folded, start, end):
        if _NOT_SPEAKER_BEFORE.search(folded[max(start, cue.start() - 12) : cue.start()]):
            continue
        if (
            cue.group().startswith("chi dao")
            and folded[max(0, cue.start() - 4) : cue.start()] == "ban "
        ):
            continue
        speaker_end = cue.end()
        break
    addressed: list[UnitMatch] = []
    for match, kind in mentions:
        if kind == "superior":
            continue
        if match.start < speaker_end and any(m.start >= speaker_end for m, _ in mentions):
            continue
        before = folded[max(start, match.start - 30) : match.start]
        if _RECIPIENT_BEFORE.search(before):
            continue
        if re.search(r"(?<![a-z])(?:duoc|boi)\s*$", before):
            continue  # "đã được Sở Xây dựng kiểm tra": the agent of a past check
        if kind == "generic" and addressed and _OVERSIGHT_BEFORE.search(before):
            continue  # "Văn phòng … đôn đốc các đơn vị thực hiện": whom the lead oversees
        # "các phần mềm mà các ngành, địa phương đang sử dụng": an object, not an addressee.
        if kind == "generic" and re.search(r"(?<![a-z])(?:ma|cua|tai|o|cho|den)\s*$", before):
            continue
        if kind == "bare_so":
            if context_unit is None:
                continue
            match = UnitMatch(
                match.written,
                match.start,
                match.end,
                context_unit.unit,
                closest=context_unit.closest,
            )
            if context_unit.unit is None:
                match = UnitMatch(context_unit.written, match.start, match.end)
        addressed.append(match)
    if not addressed:
        return Addressees(None, ())
    lead = addressed[0]
    cue = _LEAD_CUE.search(folded, start, end)
    if cue:
        before = [m for m in addressed if m.end <= cue.start()]
        if before:
            lead = before[-1]
    coordinating: list[UnitMatch] = []
    seen = {lead.key}
    for match in addressed:
        if match.key not in seen:
            seen.add(match.key)
            coordinating.append(match)
    return Addressees(lead, tuple(coordinating))


def unit_met(text: str, catalogue: Catalogue, folded: str | None = None) -> UnitMatch | None:
    """The unit a working session was held with ("làm việc với Sở TT&TT"), for a bare "Sở"."""
    folded = fold_same_length(text) if folded is None else folded
    for m in re.finditer(r"lam viec (?:voi|tai)\s+", folded):
        window_end = min(len(text), m.end() + 90)
        mentions = [u for u, kind in find_units(text, catalogue, m.end(), window_end, folded)]
        if mentions and mentions[0].start - m.end() <= 2:
            return mentions[0]
    return None
