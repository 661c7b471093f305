"""Character-level helpers shared by the reading rules.

Every span the reader reports is an offset into the NFC-normalised text, so the review screen
can highlight the source sentence. ``fold_same_length`` folds diacritics and case without
changing the length, so a match found in the folded text is a span of the original.
"""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """NFC, Unix line ends, no-break and zero-width spaces made plain."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


# One table for every Latin letter Vietnamese uses: str.translate runs it in C.
_TABLE = {
    code: _fold_char(chr(code))
    for code in range(0x41, 0x1F00)
    if _fold_char(chr(code)) != chr(code)
}


def fold_same_length(text: str) -> str:
    """'Sở Tài chính' -> 'so tai chinh', one character for one (spans stay valid)."""
    return text.translate(_TABLE)


# Vietnamese capitals and small letters as regex classes (``re`` has no \p{Lu}; the ranges
# À-Ỹ mix both cases).
UPPER = "".join(ch for ch in map(chr, range(0x41, 0x1EFA)) if ch.isalpha() and ch.isupper())
LOWER = "".join(ch for ch in map(chr, range(0x61, 0x1EFA)) if ch.isalpha() and ch.islower())
