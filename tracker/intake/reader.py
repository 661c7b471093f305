"""A notice read into a proposal: the directive and one task per distinct instruction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from ..calendar import WorkingCalendar
from . import addressees as addr
from .deadlines import Deadline, choose, find_deadlines
from .fields import field_of, flags
from .header import DirectiveHeader, read_header
from .instructions import (
    conclusion_start,
    is_boilerplate,
    is_continuation,
    is_instruction,
    is_recalled,
    names_new_addressee,
    same_instruction,
)
from .segment import Block, Span, blocks, body_range, clauses, sentences
from .textutil import fold_same_length, normalise
from .units import Catalogue, UnitMatch


@dataclass(frozen=True)
class ProposedTask:
    text: str
    start: int  # span of the source sentence(s) in Proposal.text
    end: int
    lead: UnitMatch | None
    coordinating: tuple[UnitMatch, ...]
    due_on: date | None
    deadline_text: str | None
    field: str | None
    urgent: bool
    priority: bool

    def as_json(self) -> dict:
        return {
            "text": self.text,
            "lead_unit": self.lead.name if self.lead else None,
            "coordinating_units": [u.name for u in self.coordinating],
            "due_on": self.due_on.isoformat() if self.due_on else None,
        }


@dataclass(frozen=True)
class Proposal:
    text: str  # the normalised text every span refers to
    directive: DirectiveHeader
    tasks: list[ProposedTask] = field(default_factory=list)

    def as_json(self) -> dict:
        d = self.directive
        return {
            "directive": {
                "symbol": d.symbol,
                "issued_on": d.issued_on.isoformat() if d.issued_on else None,
                "signer": d.signer,
            },
            "tasks": [t.as_json() for t in self.tasks],
        }


@dataclass
class _Draft:
    start: int
    end: int
    block: int
    recalled: bool = False
    lead: UnitMatch | None = None
    coordinating: tuple[UnitMatch, ...] = ()
    deadline: Deadline | None = None


def read_notice(
    text: str,
    catalogue: Catalogue,
    calendar: WorkingCalendar | None = None,
) -> Proposal:
    """Read a notice (plain text) into a proposed directive and its tasks."""
    text = normalise(text)
    calendar = calendar or WorkingCalendar()
    header = read_header(text)
    year = _document_year(text, header)
    body_start, body_end = body_range(text)
    begin = conclusion_start(text, body_start, body_end)
    in_conclusion = begin is not None
    items = blocks(text, body_start, body_end)
    folded = fold_same_length(text)
    met = addr.unit_met(text, catalogue, folded)
    mentions = addr.find_units(text, catalogue, 0, len(text), folded)
    ctx = _Context(text, folded, catalogue, met, mentions, header, calendar, year)

    drafts: list[_Draft] = []
    headers: dict[int, _Draft] = {}
    headline = _headline(text, items)
    for index, block in enumerate(items):
        if begin is not None and block.end <= begin or index == headline:
            continue
        is_header = _is_item_header(text, items, index)
        in_item = block.level > 0
        for sentence in sentences(text, max(block.start, begin or 0), block.end):
            for clause in clauses(text, sentence):
                piece = text[clause.start : clause.end]
                last = drafts[-1] if drafts else None
                if last and last.block == index and is_continuation(piece):
                    last.end = clause.end
                    continue
                if is_header:
                    draft = headers.setdefault(index, _Draft(clause.start, clause.end, index))
                    draft.end = clause.end
                    continue
                if in_item and last and last.block == index and not names_new_addressee(piece):
                    last.end = (
                        clause.end
                    )  # a numbered item is one task unless it names another unit
                    continue
                if is_instruction(piece, in_conclusion=in_conclusion, in_item=in_item):
                    drafts.append(_Draft(clause.start, clause.end, index, is_recalled(piece)))
                elif last and last.block == index and in_item:
                    last.end = clause.end  # the rest of a numbered item belongs to its task

    if any(not d.recalled for d in drafts):
        drafts = [d for d in drafts if not d.recalled]
    for draft in headers.values():
        _address(ctx, draft)
        draft.deadline = _deadline(ctx, draft)
    tasks: list[ProposedTask] = []
    levels: list[int] = []  # the block level of each task: items are not paraphrases
    previous: _Draft | None = None
    for draft in drafts:
        parent = _header_of(items, draft.block, headers)
        _address(ctx, draft)
        if draft.lead is None and parent is not None:
            draft.lead, draft.coordinating = parent.lead, parent.coordinating
        # Run-on prose names the unit once, then lists what it must do.
        if draft.lead is None and in_conclusion and _same_run(items, previous, draft):
            draft.lead = previous.lead
        if draft.lead is None and met is not None and in_conclusion:
            draft.lead = met
        draft.deadline = _deadline(ctx, draft) or (parent.deadline if parent else None)
        previous = draft
        task = _task(text, draft)
        duplicate = next(
            (
                i
                for i, t in enumerate(tasks)
                if (t.lead is None or task.lead is None or t.lead.key == task.lead.key)
                and same_instruction(
                    t.text, task.text, paraphrase=not (levels[i] and items[draft.block].level)
                )
            ),
            None,
        )
        if duplicate is None and task.lead is not None and is_boilerplate(task.text):
            duplicate = next(
                (i for i, t in enumerate(tasks) if t.lead and t.lead.key == task.lead.key), None
            )
        if duplicate is None:
            tasks.append(task)
            levels.append(items[draft.block].level)
        else:
            tasks[duplicate] = _merge(tasks[duplicate], task)
    return Proposal(text, header, tasks)


def _headline(text: str, items: list[Block]) -> int | None:
    """A press report's headline (its first line, unpunctuated, with the report below): it
    announces the instruction the body gives, so it is never a task of its own."""
    if len(items) < 2 or items[0].level != 0:
        return None
    first = text[items[0].start : items[0].end].strip()
    if "\n" in first or first[-1:] in ".!?;:" or len(first) > 250:
        return None
    return 0


def _same_run(items: list[Block], previous: _Draft | None, draft: _Draft) -> bool:
    if previous is None:
        return False
    return previous.block == draft.block or (
        items[draft.block].level == 0 and items[previous.block].level == 0
    )


def _is_item_header(text: str, items: list[Block], index: int) -> bool:
    """An item ending in ':' whose next item is nested in it ('2. Giao Sở Y tế:' then 'a) …')."""
    block = items[index]
    body = text[block.start : block.end].strip()
    heading = body.endswith(":") or body.isupper() or re.match(r"(?i)(về|đối với|lĩnh vực)\s", body)
    return bool(heading) and index + 1 < len(items) and items[index + 1].parent == index


def _header_of(items: list[Block], index: int, headers: dict[int, _Draft]) -> _Draft | None:
    parent = items[index].parent
    while parent is not None:
        if parent in headers:
            return headers[parent]
        parent = items[parent].parent
    return None


@dataclass(frozen=True)
class _Context:
    """What every task of one notice is read against (computed once per notice)."""

    text: str
    folded: str
    catalogue: Catalogue
    met: UnitMatch | None
    mentions: list[addr.Mention]
    header: DirectiveHeader
    calendar: WorkingCalendar
    year: int | None


def _address(ctx: _Context, draft: _Draft) -> None:
    context = ctx.met or _last_department(ctx.mentions, draft.start)
    found = addr.assign(
        ctx.text, draft.start, draft.end, ctx.catalogue, context, ctx.folded, ctx.mentions
    )
    draft.lead, draft.coordinating = found.lead, found.coordinating


def _last_department(mentions: list[addr.Mention], before: int) -> UnitMatch | None:
    """The department named last before ``before``: what a bare "Sở" then refers to."""
    for match, kind in reversed(mentions):
        if match.end > before:
            continue
        if kind == "unit" and re.match(r"(?i)s[ởơo]\b", match.written):
            return match
    return None


def _deadline(ctx: _Context, draft: _Draft) -> Deadline | None:
    return choose(
        find_deadlines(
            ctx.text,
            draft.start,
            draft.end,
            ctx.header.issued_on,
            ctx.calendar,
            ctx.year,
            ctx.folded,
        )
    )


def _task(text: str, draft: _Draft) -> ProposedTask:
    body = re.sub(r"\s+", " ", text[draft.start : draft.end]).strip()
    urgent, priority = flags(body)
    coordinating = tuple(
        u for u in draft.coordinating if draft.lead is None or u.key != draft.lead.key
    )
    return ProposedTask(
        text=body,
        start=draft.start,
        end=draft.end,
        lead=draft.lead,
        coordinating=coordinating,
        due_on=draft.deadline.due_on if draft.deadline else None,
        deadline_text=draft.deadline.written if draft.deadline else None,
        field=field_of(body),
        urgent=urgent,
        priority=priority,
    )


def _merge(first: ProposedTask, again: ProposedTask) -> ProposedTask:
    """An instruction restated: one task, keeping what either statement adds."""
    keys = {u.key for u in first.coordinating}
    extra = tuple(u for u in again.coordinating if u.key not in keys)
    return replace(
        first,
        lead=first.lead or again.lead,
        coordinating=first.coordinating + extra,
        due_on=first.due_on or again.due_on,
        deadline_text=first.deadline_text or again.deadline_text,
        urgent=first.urgent or again.urgent,
        priority=first.priority or again.priority,
    )


def _document_year(text: str, header: DirectiveHeader) -> int | None:
    if header.issued_on:
        return header.issued_on.year
    if header.meeting and header.meeting.date:
        return header.meeting.date.year
    m = re.search(r"(?<!\d)(20\d\d|19\d\d)(?!\d)", text)
    return int(m.group(1)) if m else None


__all__ = ["Proposal", "ProposedTask", "Span", "read_notice"]
