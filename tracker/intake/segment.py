"""Cutting a notice into items and sentences, with their spans in the text.

Numbered and bulleted items (``1.``, ``2.1.``, ``a)``, ``-``, ``+``, ``•``, Roman numerals) become
blocks with a nesting level taken from the order their marker styles first appear, the way a
reader nests them. Lines a PDF wrapped are joined back. Prose paragraphs are blocks of level 0.
Sentences and, inside a sentence, the clauses that start a new instruction ("…; giao Sở Y …")
are cut with their spans, so every task can point at its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textutil import LOWER, fold_same_length


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    level: int  # 0: prose paragraph; 1, 2, …: item depth
    marker: str | None
    parent: int | None  # index of the enclosing item


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("roman", re.compile(r"(?P<m>(?:X{0,3})(?:IX|IV|V?I{0,3}))[.)/]\s+(?=\S)")),
    ("number", re.compile(r"(?P<m>\d{1,3}(?:\.\d{1,2}){0,3})[.)]\s*(?=[^\d\s])")),
    ("letter", re.compile(r"(?P<m>[a-zđ])[).]\s+(?=\S)")),
    ("dash", re.compile(r"(?P<m>[-–—])\s+(?=\S)")),
    ("plus", re.compile(r"(?P<m>\+)\s+(?=\S)")),
    ("bullet", re.compile(r"(?P<m>[•●▪◦*])\s*(?=\S)")),
)
_END_PUNCT = ".:;!?…"
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])|(?<=\.\.\.)\s+")
_CLAUSE_CUT = re.compile(
    r"(?:;|…|\.\.\.)\s*(?=(?:đồng thời,?\s*)?(?:giao|yêu cầu|đề nghị|chỉ đạo|Giao|Yêu cầu|Đề nghị|"
    r"Chỉ đạo|Đồng thời)\b)"
    r"|;\s*(?P<unit>(?=(?:Sở|UBND|Ủy ban nhân dân|Uỷ ban nhân dân|Ban Quản lý|BQL|Công an|"
    r"Bộ Chỉ huy|Trung tâm|Văn phòng|Đài|Thanh tra|Cục|Chi cục|Kho bạc|Bảo hiểm)\s))"
)
_ABBREVIATION_BEFORE = re.compile(
    r"(?:\b(?:TP|Tp|TX|Q|P|TT|ThS|TS|PGS|GS|Ông|Bà|St|v\.v)|\b[A-ZĐ])$"
)


def _marker(line: str) -> tuple[str, str, int] | None:
    """(style, marker, length) of an item marker at the start of ``line``."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    for style, pattern in _MARKERS:
        m = pattern.match(stripped)
        if m and m.group("m"):
            if style == "roman" and not re.fullmatch(r"[IVX]+", m.group("m")):
                continue
            return style, m.group("m"), indent + m.end()
    return None


def body_range(text: str) -> tuple[int, int]:
    """The part of the text that holds the instructions: up to the recipients' list
    ("Nơi nhận:") or the signature block, whichever comes first."""
    end = len(text)
    for pattern in (
        r"(?m)^\s*Nơi nhận\s*:",
        r"(?m)^\s*(?:KT\.|TM\.|TL\.)\s*(?:CHỦ TỊCH|ỦY BAN|UỶ BAN|GIÁM ĐỐC|CHÁNH)",
    ):
        m = re.search(pattern, text)
        if m and m.start() > len(text) // 4:
            end = min(end, m.start())
    return 0, end


def blocks(text: str, start: int, end: int) -> list[Block]:
    """Items and paragraphs of text[start:end], PDF-wrapped lines joined back."""
    result: list[Block] = []
    style_levels: dict[str, int] = {}
    current: list[int] | None = None  # [start, end, level, marker]
    current_marker: str | None = None
    pos = start
    stack: list[tuple[int, int]] = []  # (level, block index) of open items
    lines = [line.rstrip() for line in text[start:end].split("\n") if line.strip()]
    # Text out of a PDF breaks lines mid-sentence; a pasted article keeps one per paragraph.
    wrapped_layout = bool(lines) and (
        sum(1 for line in lines if line[-1] not in _END_PUNCT) > len(lines) / 2
    )

    def close() -> None:
        nonlocal current
        if current is not None:
            level = current[2]
            while stack and stack[-1][0] >= level and level > 0:
                stack.pop()
            parent = stack[-1][1] if stack and level > 0 else None
            result.append(Block(current[0], current[1], level, current_marker, parent))
            if level > 0:
                stack.append((level, len(result) - 1))
        current = None

    for line in text[start:end].split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            close()
            continue
        marker = _marker(line)
        lead = line_start + len(line) - len(line.lstrip())
        if marker:
            style, mark, length = marker
            if style not in style_levels:
                style_levels[style] = len(style_levels) + 1
            close()
            # the item's text starts after its marker ("a) ", "2.1. "); 1.1 is nested in 1
            level = style_levels[style] * 10 + (mark.count(".") if style == "number" else 0)
            current = [line_start + length, line_end, level, mark]
            current_marker = mark
            continue
        if current is not None:
            previous = text[current[0] : current[1]].rstrip()
            wrapped = (
                previous
                and previous[-1] not in _END_PUNCT
                and (result or current[2] > 0)  # the first line of a text is its title
                and (
                    line.lstrip()[:1].islower()
                    or (wrapped_layout and len(previous) - previous.rfind("\n") > 60)
                )
            )
            if wrapped:
                current[1] = line_end
                continue
            close()
        current = [lead, line_end, 0, None]
        current_marker = None
    close()
    return result


def sentences(text: str, start: int, end: int) -> list[Span]:
    """Sentences of text[start:end] (one block); abbreviations like 'TP.' do not end one."""
    spans: list[Span] = []
    cut = start
    for m in _SENTENCE_END.finditer(text, start, end):
        head = text[cut : m.start()]
        if _ABBREVIATION_BEFORE.search(head.rstrip(".").rstrip()) and head.rstrip().endswith("."):
            word = re.search(r"(\S+)\.$", head.rstrip())
            if word and len(word.group(1)) <= 3:
                continue
        spans.append(Span(cut, m.start()))
        cut = m.end()
    if cut < end:
        spans.append(Span(cut, end))
    return [_trim(text, s) for s in spans if text[s.start : s.end].strip()]


def clauses(text: str, span: Span) -> list[Span]:
    """A sentence cut where a new instruction starts ('…; giao UBND huyện X …', '…; Sở Tài
    chính bố trí kinh phí'). A list of addressees ('Giao các sở, ngành; UBND các huyện; …')
    is not cut: its parts are short."""
    spans: list[Span] = []
    cut = span.start
    for m in _CLAUSE_CUT.finditer(text, span.start, span.end):
        if m.group("unit") is not None and not _has_own_action(text[cut : m.start()]):
            continue
        spans.append(Span(cut, m.start()))
        cut = m.end()
    spans.append(Span(cut, span.end))
    return [_trim(text, s) for s in spans if text[s.start : s.end].strip()]


# Words of addressee lists ("Giao các sở, ngành tỉnh; Uỷ ban nhân dân các huyện; …").
_ADDRESSEE_WORDS = frozenset(
    [
        "giao",
        "cac",
        "so",
        "nganh",
        "tinh",
        "huyen",
        "thanh",
        "pho",
        "thi",
        "xa",
        "ban",
        "don",
        "vi",
        "co",
        "quan",
        "dia",
        "phuong",
        "va",
        "lien",
        "doan",
        "the",
        "nhan",
        "dan",
        "uy",
        "quan",
        "phuong",
        "tran",
        "chuyen",
    ]
)


def _has_own_action(clause: str) -> bool:
    """Does this clause say what to do, or only whom ('Giao các sở, ngành tỉnh')?"""
    words = re.findall(rf"(?<!\w)[{LOWER}]+(?!\w)", clause)  # small letters: not a name
    return sum(1 for w in words if fold_same_length(w) not in _ADDRESSEE_WORDS) >= 3


def _trim(text: str, span: Span) -> Span:
    s, e = span.start, span.end
    while s < e and text[s] in " \t\n":
        s += 1
    while e > s and text[e - 1] in " \t\n":
        e -= 1
    return Span(s, e)


def folded(text: str) -> str:
    return fold_same_length(text)
