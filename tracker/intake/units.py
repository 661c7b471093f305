"""Recognising units in a notice against the unit catalogue.

The catalogue is plain data (``CatalogueUnit`` rows) so the matcher needs no database: today's
units give id, name and short name; aliases and succession (an old name -> the unit that
replaced it) are fields already, so the Unit model can supply them later without touching the
matcher. Matching is diacritic- and case-insensitive, knows the abbreviations offices write
(Sở TT&TT, STTTT, Sở NN&PTNT, UBND, BQL KKT …) by deriving them from the names, and falls back
to rapidfuzz for a name written a little differently. A name that matches nothing comes back
"not found" with the closest catalogue names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from rapidfuzz import fuzz, process

from ..text import fold as _fold_text
from .textutil import fold_same_length

# Unit names are folded again and again (keys, lookups): once each is enough.
fold = lru_cache(maxsize=8192)(_fold_text)


@dataclass(frozen=True)
class CatalogueUnit:
    id: int | str
    name: str
    short_name: str | None = None
    aliases: tuple[str, ...] = ()
    # Unit succession: this unit was replaced (merged, renamed) by the unit with this id.
    successor_id: int | str | None = None


@dataclass(frozen=True)
class UnitMatch:
    """A unit written in the text: recognised (``unit``) or not (``closest`` instead)."""

    written: str
    start: int
    end: int
    unit: CatalogueUnit | None = None
    # The old unit the text named when ``unit`` is its successor.
    via: CatalogueUnit | None = None
    closest: tuple[str, ...] = ()
    generic: bool = False  # "các sở, ngành, địa phương": kept as written for the Office

    @property
    def name(self) -> str:
        """The catalogue's name when recognised, else the name as written."""
        return self.unit.name if self.unit else self.written

    @property
    def key(self) -> object:
        return ("unit", self.unit.id) if self.unit else ("text", fold(self.written))


# Phrases offices abbreviate inside unit names (folded forms).
_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("uy ban nhan dan", ("ubnd",)),
    ("ban quan ly", ("bql",)),
    ("khu kinh te", ("kkt",)),
    ("khu cong nghiep", ("kcn",)),
    ("thanh pho", ("tp", "tp.")),
    ("thi xa", ("tx",)),
    ("phat thanh - truyen hinh", ("pt-th", "ptth", "phat thanh va truyen hinh")),
    ("phat thanh va truyen hinh", ("pt-th", "ptth", "phat thanh - truyen hinh")),
    ("cong nghe thong tin", ("cntt",)),
    ("phuc vu hanh chinh cong", ("pvhcc",)),
    ("bao hiem xa hoi", ("bhxh",)),
    ("bo chi huy quan su", ("bchqs",)),
    ("hoi dong nhan dan", ("hdnd",)),
    ("van phong", ("vp",)),
)

# Heads of unit names: what an abbreviation keeps whole ("Sở" + initials of the rest).
_HEADS = ("so", "ban", "cuc", "chi cuc", "trung tam", "dai", "van phong")

_PROVINCE_SUFFIX = re.compile(r"\s+(tinh|thanh pho)\s+[a-z][a-z ]*$")
_SPLIT_GROUPS = re.compile(r"\s*(?:,|\bva\b|&|\s-\s|–)\s*")


def _initials(words: str) -> str:
    return "".join(w[0] for w in words.split() if w[0].isalnum())


def province_names(names: Iterable[str]) -> set[str]:
    """Province names the catalogue's names end with ("… tỉnh Quảng Ngãi" -> "quang ngai")."""
    found = set()
    for name in names:
        m = re.search(r"\b(?:tinh|thanh pho)\s+([a-z][a-z ]*)$", fold(name))
        if m and len(m.group(1).split()) <= 3:
            found.add(m.group(1))
    return found


def derived_aliases(name: str, provinces: Iterable[str] = ()) -> set[str]:
    """Folded spellings of ``name`` an office may write: without the province, with the usual
    phrase abbreviations, and the initials forms (Sở TT&TT, Sở TTTT, STTTT)."""
    base = fold(name)
    forms = {base}
    bare = _PROVINCE_SUFFIX.sub("", base)
    for province in provinces:
        if bare.endswith(" " + province):
            bare = bare[: -len(province) - 1]
    if bare != base and len(bare.split()) >= 2:
        forms.add(bare)
    for phrase, abbreviations in _PHRASES:
        for form in list(forms):
            if phrase in form:
                for abbreviation in abbreviations:
                    forms.add(form.replace(phrase, abbreviation))
            for abbreviation in abbreviations:
                # the catalogue says "UBND huyện Lý Sơn", the notice "Ủy ban nhân dân huyện …"
                if re.search(rf"(?<![a-z]){re.escape(abbreviation)}(?![a-z])", form):
                    forms.add(
                        re.sub(rf"(?<![a-z]){re.escape(abbreviation)}(?![a-z])", phrase, form)
                    )
    for form in list(forms):
        for head in _HEADS:
            if not form.startswith(head + " "):
                continue
            rest = form[len(head) + 1 :]
            groups = [g for g in _SPLIT_GROUPS.split(rest) if g]
            if len(groups) == 1 and 3 <= len(groups[0].split()) <= 5:
                # "Sở Giao thông vận tải" -> "Sở GTVT", "SGTVT"
                forms.add(f"{head} {_initials(groups[0])}")
                forms.add(f"{_initials(head)}{_initials(groups[0])}")
                continue
            if len(groups) < 2 or any(len(g.split()) > 4 for g in groups):
                continue
            parts = [_initials(g) for g in groups]
            head_initial = _initials(head)
            # half-abbreviated: "Sở Nông nghiệp và PTNT", "Sở Văn hóa, TT&DL"
            if len(groups) <= 3:
                for mask in range(1, 2 ** len(groups) - 1):
                    mixed = [parts[i] if mask >> i & 1 else groups[i] for i in range(len(groups))]
                    forms.add(f"{head} {' va '.join(mixed)}")
            joined = "".join(parts)
            forms.add(f"{head} {'&'.join(parts)}")
            forms.add(f"{head} {''.join(parts[:-1])}&{parts[-1]}")
            forms.add(f"{head} {joined}")
            forms.add(f"{head_initial}{joined}")
            forms.add(f"{head} {'-'.join(parts[:-1])}&{parts[-1]}")
    return {f for f in forms if f}


def _alias_pattern(alias: str) -> str:
    tokens = re.findall(r"[a-z0-9]+|&", alias)
    parts = []
    for token in tokens:
        parts.append("(?:&|va)?" if token in ("&", "va") else re.escape(token))
    return r"[\s,\-–.]*".join(parts)


@dataclass
class Catalogue:
    units: Sequence[CatalogueUnit]
    by_id: dict = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {u.id: u for u in self.units}

    @classmethod
    def of(cls, rows: Iterable[CatalogueUnit | tuple]) -> Catalogue:
        """From CatalogueUnit rows or plain tuples (id, name, short_name, aliases)."""
        units = []
        for row in rows:
            if isinstance(row, CatalogueUnit):
                units.append(row)
            else:
                uid, name, *rest = row
                short = rest[0] if rest else None
                aliases = tuple(rest[1]) if len(rest) > 1 and rest[1] else ()
                successor = rest[2] if len(rest) > 2 else None
                units.append(CatalogueUnit(uid, name, short, aliases, successor))
        return cls(units)

    def current(self, unit: CatalogueUnit) -> CatalogueUnit:
        """Follow succession to the unit in office today (cycles stop where they loop)."""
        seen = {unit.id}
        while unit.successor_id is not None and unit.successor_id in self.by_id:
            nxt = self.by_id[unit.successor_id]
            if nxt.id in seen:
                break
            seen.add(nxt.id)
            unit = nxt
        return unit

    @cached_property
    def alias_map(self) -> dict[str, CatalogueUnit]:
        """Folded alias -> unit; an alias two units share belongs to neither."""
        found: dict[str, CatalogueUnit] = {}
        clashes: set[str] = set()
        provinces = province_names(u.name for u in self.units)
        for unit in self.units:
            names = {unit.name, *(unit.aliases)}
            if unit.short_name:
                names.add(unit.short_name)
            forms: set[str] = set()
            for name in names:
                forms |= derived_aliases(name, provinces)
            for form in forms:
                key = re.sub(r"[\s,\-–.]+", " ", form).strip()
                if key in found and found[key].id != unit.id:
                    clashes.add(key)
                found[key] = unit
        for key in clashes:
            found.pop(key, None)
        return found

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        aliases = sorted(self.alias_map, key=len, reverse=True)
        if not aliases:
            return None
        body = "|".join(f"(?:{_alias_pattern(a)})" for a in aliases)
        return re.compile(rf"(?<![a-z0-9&])(?:{body})(?![a-z0-9&])")

    @cached_property
    def _lookup(self) -> dict[str, CatalogueUnit]:
        return {self._key(a): u for a, u in self.alias_map.items()}

    @staticmethod
    def _key(text: str) -> str:
        return re.sub(r"[^a-z0-9&]+", "", fold(text).replace(" va ", "&"))

    def scan(self, folded: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Spans of catalogue aliases in a folded text."""
        if self._regex is None:
            return []
        end = len(folded) if end is None else end
        return [(m.start(), m.end()) for m in self._regex.finditer(folded, start, end)]

    def resolve_exact(self, written: str) -> CatalogueUnit | None:
        return self._lookup.get(self._key(written))

    def match(self, written: str, start: int = 0, end: int | None = None) -> UnitMatch:
        """The catalogue unit ``written`` names, exact then fuzzy; else the closest names."""
        end = start + len(written) if end is None else end
        unit = self.resolve_exact(written)
        if unit is None:
            unit = self._fuzzy(written)
        if unit is not None:
            current = self.current(unit)
            return UnitMatch(
                written, start, end, current, via=unit if current is not unit else None
            )
        return UnitMatch(written, start, end, closest=self.closest(written))

    @cached_property
    def _choices(self) -> list[str]:
        return list(self.alias_map)

    def _fuzzy(self, written: str) -> CatalogueUnit | None:
        query = fold(written).replace("&", " & ")
        if len(query.split()) < 2 or not self._choices:
            return None
        best = process.extractOne(query, self._choices, scorer=fuzz.ratio, score_cutoff=90)
        if best:
            return self.alias_map[best[0]]
        # A name written with words left out ("Trung tâm hành chính công") is a subset of
        # the catalogue name; demand the same head and more than the head in common.
        best = process.extractOne(
            query, self._choices, scorer=fuzz.token_set_ratio, score_cutoff=100
        )
        if best and best[0].split()[:1] == query.split()[:1] and len(query.split()) >= 3:
            return self.alias_map[best[0]]
        return None

    def closest(self, written: str, limit: int = 3) -> tuple[str, ...]:
        query = fold(written)
        names: dict[str, str] = {fold(u.name): u.name for u in self.units if u.successor_id is None}
        found = process.extract(query, list(names), scorer=fuzz.WRatio, limit=limit)
        return tuple(names[f] for f, score, _ in found if score >= 50)


def fold_text(text: str) -> str:
    return fold_same_length(text)
