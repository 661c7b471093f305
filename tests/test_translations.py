"""The Vietnamese texts (tracker/translations/vi.tsv) have one translation per message: two
branches that translated the same message differently would leave the catalogue with
whichever came last, and a page with wording nobody chose."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TSV = Path(__file__).resolve().parent.parent / "tracker" / "translations" / "vi.tsv"


def test_every_message_is_translated_once():
    keys = [line.split("\t", 1)[0] for line in TSV.read_text("utf-8").splitlines() if "\t" in line]
    twice = sorted(key for key, n in Counter(keys).items() if n > 1)
    assert twice == []
