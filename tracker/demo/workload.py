"""Turns the random stream into directive, task, report and extension rows."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any

from ..calendar import WorkingCalendar, local_zone
from ..models import (
    Directive,
    DirectiveKind,
    DueDateChange,
    ExtensionRequest,
    ExtensionStatus,
    OriginLevel,
    ProgressReport,
    Task,
    TaskState,
    TaskStateChange,
    UnitKind,
    task_coordinating_unit,
)
from ..text import fold
from .clock import HISTORY_DAYS, Clock, next_working_day, previous_working_day, vn_date
from .outcomes import Extension, Outcome, Outcomes
from .people import People, Person
from .reference import (
    DIFFICULTIES,
    DIRECTIVE_KINDS,
    EXTENSION_REASONS,
    FIELD_OBJECTS,
    FIELDS,
    INSTRUCTIONS,
    ISSUING_BODY,
    LOCAL_FIELDS,
    PROPOSALS,
    PROVINCE_PLACES,
    REPORT_TEXTS,
    SYMBOL_TAG,
    VERBS,
)
from .units import DISTRICTS, UnitSpec
from .writer import BatchWriter, Ids


@dataclass(frozen=True)
class DemoUnit:
    spec: UnitSpec
    id: int
    head: Person
    staff: Person


@lru_cache(maxsize=65536)
def _folded(fragment: str) -> str:
    return fold(fragment)


class WorkloadBuilder:
    """Turns the random stream into directive, task, report and extension rows."""

    def __init__(
        self,
        *,
        rng: random.Random,
        clock: Clock,
        calendar: WorkingCalendar,
        people: People,
        units: list[DemoUnit],
        ids: Ids,
        writer: BatchWriter,
    ):
        self.rng = rng
        self.clock = clock
        self.today = clock.today
        self.calendar = calendar
        self.people = people
        self.units = units
        self.ids = ids
        self.writer = writer
        self.outcomes = Outcomes(rng, clock.today, calendar)
        self.counts = {"directives": 0, "tasks": 0, "reports": 0, "extensions": 0}
        self.unit_weights = _unit_weights(units)
        self.kind_weights = list(accumulate(w for _, _, w in DIRECTIVE_KINDS))
        self.district_places = [f"tại {level} {name}" for _, level, name, _ in DISTRICTS]

    # -- directive --

    def directive(self, task_count: int) -> int:
        """Add one directive with ``task_count`` tasks; return ``task_count``."""
        rng = self.rng
        directive_id = self.ids.take(Directive.__table__)
        kind, abbreviation, _ = rng.choices(DIRECTIVE_KINDS, cum_weights=self.kind_weights)[0]
        # Skewed towards recent months, so that about a fifth of the tasks are not yet due,
        # as in a province's published statistics (uniform dates would leave ~10%).
        age = int(HISTORY_DAYS * rng.random() ** 1.4)
        issued_on = previous_working_day(self.today - timedelta(days=age), self.calendar)
        signer = (
            self.people.leaders[0] if rng.random() < 0.2 else rng.choice(self.people.leaders[1:])
        )
        monitor = rng.choice(self.people.office)
        main_field = rng.choice(FIELDS)
        topic = rng.choice(FIELD_OBJECTS[main_field])
        origin = OriginLevel.CENTRAL if rng.random() < 0.1 else OriginLevel.PROVINCIAL
        meeting = kind in (DirectiveKind.CONCLUSION_NOTICE, DirectiveKind.MEETING_OPINION)
        meeting_title = f"Cuộc họp nghe báo cáo tình hình {topic}" if meeting else None
        self.writer.add(
            Directive.__table__,
            {
                "id": directive_id,
                # The year in a symbol is the year it was issued in.
                "symbol": f"{directive_id}/{abbreviation}{SYMBOL_TAG}{issued_on.year}",
                "kind": str(kind),
                "issued_on": issued_on,
                "signer_id": signer.id,
                "signer_name": signer.name,
                "signer_position": signer.position,
                "issuing_body": ISSUING_BODY,
                "summary": self._summary(kind, origin, signer, topic, issued_on),
                "meeting_title": meeting_title,
                "meeting_on": issued_on - timedelta(days=rng.randint(1, 7)) if meeting else None,
                "meeting_chair": signer.title if meeting else None,
                "origin_level": str(origin),
                "external_id": None,
                "source_url": None,
                "created_at": self.clock.moment(issued_on),
                "created_by_id": monitor.id,
                "version": 1,
            },
        )
        self.counts["directives"] += 1
        for item_no in range(1, task_count + 1):
            self._task(directive_id, item_no, issued_on, signer, monitor, main_field)
        return task_count

    def _summary(self, kind: str, origin: str, signer: Person, topic: str, issued_on: date) -> str:
        if origin == OriginLevel.CENTRAL:
            return f"Triển khai thực hiện chỉ đạo của Thủ tướng Chính phủ về {topic}"
        by = signer.title
        return {
            DirectiveKind.CONCLUSION_NOTICE: f"Thông báo kết luận của {by} tại cuộc họp nghe báo cáo tình hình {topic}",
            DirectiveKind.MEETING_OPINION: f"Ý kiến chỉ đạo của {by} tại cuộc họp về {topic}",
            DirectiveKind.OFFICIAL_LETTER: f"Về việc triển khai {topic}",
            DirectiveKind.DECISION: f"Quyết định ban hành Kế hoạch thực hiện {topic} năm {issued_on.year}",
            DirectiveKind.INSTRUCTION: f"Chỉ thị về tăng cường {topic}",
            DirectiveKind.PLAN: f"Kế hoạch triển khai {topic} năm {issued_on.year}",
        }[kind]

    # -- task --

    def _task(
        self,
        directive_id: int,
        item_no: int,
        issued_on: date,
        signer: Person,
        monitor: Person,
        main_field: str,
    ) -> None:
        rng = self.rng
        task_id = self.ids.take(Task.__table__)
        lead = rng.choices(self.units, cum_weights=self.unit_weights)[0]
        coordinators = self._coordinators(lead)
        field_ = self._field(lead, main_field)
        assigned_by = signer if rng.random() < 0.8 else rng.choice(self.people.leaders)

        assigned_on = min(issued_on + timedelta(days=rng.choice((0, 0, 0, 1, 2, 3))), self.today)
        original_due = None
        if rng.random() >= 0.08:  # ~8% have no deadline
            days = rng.randint(10, 120)
            original_due = next_working_day(assigned_on + timedelta(days=days), self.calendar)
        extensions = self.outcomes.extensions(assigned_on, original_due) if original_due else []
        current_due = extensions[-1].new_due if extensions else original_due

        title, content, search_text = self._text(lead, coordinators, field_, current_due)
        outcome = self.outcomes.outcome(assigned_on, current_due)
        reports = self._reports(task_id, lead, assigned_on, outcome)
        if outcome.state in (TaskState.IN_PROGRESS, TaskState.PAUSED, TaskState.WITHDRAWN):
            # The recorded progress is what the last report said.
            outcome.progress = reports[-1]["progress"] if reports else 0

        created_at = self.clock.moment(assigned_on)
        last_day = max(
            [assigned_on]
            + [r["reported_on"] for r in reports]
            + [d for d in (outcome.submitted_on, outcome.confirmed_on) if d]
            + [e.decided_on for e in extensions]
        )
        doc_number = (
            f"{rng.randint(100, 3999)}/{lead.spec.suffix}-VP" if outcome.submitted_on else None
        )
        task_row = {
                "id": task_id,
                "directive_id": directive_id,
                "item_no": item_no,
                "title": title,
                "content": content,
                "search_text": search_text,
                "field": field_,
                "lead_unit_id": lead.id,
                "focal_person_id": lead.staff.id,
                "assigned_by_id": assigned_by.id,
                "monitor_id": monitor.id,
                "is_priority": rng.random() < 0.15,
                "is_urgent": rng.random() < 0.05,
                "assigned_on": assigned_on,
                "start_on": assigned_on,
                "original_due_on": original_due,
                "current_due_on": current_due,
                "recurrence": None,
                "state": str(outcome.state),
                "progress": outcome.progress,
                "last_report_on": reports[-1]["reported_on"] if reports else None,
                "result_text": (
                    f"Đã hoàn thành nhiệm vụ, báo cáo UBND tỉnh tại Văn bản số {doc_number} "
                    f"ngày {vn_date(outcome.submitted_on)}."
                    if doc_number
                    else None
                ),
                "result_doc_number": doc_number,
                "result_doc_on": outcome.submitted_on,
                "result_file": None,
                "submitted_on": outcome.submitted_on,
                "completed_on": outcome.completed_on,
                "confirmed_by_id": monitor.id if outcome.confirmed_on else None,
                "confirmed_at": self.clock.moment(outcome.confirmed_on)
                if outcome.confirmed_on
                else None,
                "confirmed_on": outcome.confirmed_on,
                "confirmation_remark": None,
                "withdrawn_on": last_day if outcome.state == TaskState.WITHDRAWN else None,
                "extension_count": len(extensions),
                "return_count": outcome.return_count,
                "created_at": created_at,
                "updated_at": max(created_at, self.clock.moment(last_day)),
                "version": 1,
        }  # fmt: skip
        self.writer.add(Task.__table__, task_row)
        self._write_states(task_row, monitor.id)
        for unit in coordinators:
            self.writer.add(task_coordinating_unit, {"task_id": task_id, "unit_id": unit.id})
        for report in reports:
            self.writer.add(ProgressReport.__table__, report)
        self._write_extensions(task_id, lead, assigned_by, monitor, extensions)
        self.counts["tasks"] += 1
        self.counts["reports"] += len(reports)
        self.counts["extensions"] += len(extensions)

    def _coordinators(self, lead: DemoUnit) -> list[DemoUnit]:
        """0-3 other units, drawn with the same weights as lead units (a draw may repeat a
        unit or hit the lead, so a few more are drawn than needed)."""
        wanted = self.rng.choices((0, 1, 2, 3), weights=(35, 30, 20, 15))[0]
        if not wanted:
            return []
        drawn = self.rng.choices(self.units, cum_weights=self.unit_weights, k=wanted + 3)
        unique = {unit.id: unit for unit in drawn if unit is not lead}
        return list(unique.values())[:wanted]

    def _field(self, lead: DemoUnit, main_field: str) -> str:
        roll = self.rng.random()
        if lead.spec.field and roll < 0.8:
            return lead.spec.field
        if lead.spec.field is None and roll < 0.6:
            return self.rng.choice(LOCAL_FIELDS)
        return main_field

    def _text(
        self, lead: DemoUnit, coordinators: list[DemoUnit], field_: str, due: date | None
    ) -> tuple[str, str, str]:
        """Title, content and the folded search text, from template fragments.

        The search text is the fragments folded one by one (cached: they repeat a lot) and
        joined with spaces, which equals ``fold(title + " " + content)`` — what
        ``Task.refresh_search_text`` stores — at a fraction of the cost.
        """
        rng = self.rng
        verb = rng.choice(VERBS)
        obj = rng.choice(FIELD_OBJECTS[field_])
        place = lead.spec.place or (
            rng.choice(PROVINCE_PLACES) if rng.random() < 0.5 else rng.choice(self.district_places)
        )
        with_whom = (
            ", ".join(u.spec.short_name for u in coordinators) or "các cơ quan, đơn vị liên quan"
        )
        deadline = (
            f"Báo cáo kết quả về UBND tỉnh (qua Văn phòng UBND tỉnh) trước ngày {vn_date(due)}."
            if due
            else "Định kỳ hằng quý báo cáo kết quả về UBND tỉnh."
        )
        title_parts = (verb, obj, place)
        content_parts = (
            f"{lead.spec.short_name} chủ trì, phối hợp với {with_whom}",
            verb[0].lower() + verb[1:],
            obj,
            f"{place};",
            f"{rng.choice(INSTRUCTIONS)}.",
            deadline,
        )
        search_text = " ".join(_folded(part) for part in (*title_parts, *content_parts))
        return " ".join(title_parts), " ".join(content_parts), search_text

    def _write_states(self, task: dict[str, Any], monitor_id: int) -> None:
        """The dated state history the outcome implies (the same rows migration 0011
        backfills from a task's dates): submitted, confirmed, withdrawn, paused."""

        def add(day: date, old: str, new: str, action: str, actor=None, at=None) -> None:
            self.writer.add(
                TaskStateChange.__table__,
                {
                    "id": self.ids.take(TaskStateChange.__table__),
                    "task_id": task["id"],
                    "changed_at": at
                    or datetime.combine(day, time(12), local_zone()).astimezone(UTC),
                    "effective_on": day,
                    "old_state": old,
                    "new_state": new,
                    "action": action,
                    "actor_id": actor,
                },
            )

        state, submitted = task["state"], task["submitted_on"]
        if state in (TaskState.AWAITING_CONFIRMATION, TaskState.COMPLETED) and submitted:
            add(submitted, TaskState.IN_PROGRESS, TaskState.AWAITING_CONFIRMATION, "submit")
            if state == TaskState.COMPLETED:
                add(task["confirmed_on"] or submitted, TaskState.AWAITING_CONFIRMATION,
                    TaskState.COMPLETED, "confirm", monitor_id, task["confirmed_at"])  # fmt: skip
        elif state == TaskState.WITHDRAWN and task["withdrawn_on"]:
            add(task["withdrawn_on"], TaskState.IN_PROGRESS, TaskState.WITHDRAWN, "withdraw")
        elif state == TaskState.PAUSED:
            paused_on = task["updated_at"].astimezone(local_zone()).date()
            add(paused_on, TaskState.IN_PROGRESS, TaskState.PAUSED, "pause")

    def _write_extensions(
        self,
        task_id: int,
        lead: DemoUnit,
        assigned_by: Person,
        monitor: Person,
        extensions: list[Extension],
    ) -> None:
        rng = self.rng
        for ext in extensions:
            request_id = self.ids.take(ExtensionRequest.__table__)
            decider = assigned_by if rng.random() < 0.8 else monitor  # or the Office on delegation
            decided_at = self.clock.moment(ext.decided_on)
            self.writer.add(
                ExtensionRequest.__table__,
                {
                    "id": request_id,
                    "task_id": task_id,
                    "requested_by_id": lead.head.id,
                    "requested_at": self.clock.moment(ext.requested_on),
                    "due_on_before": ext.old_due,
                    "proposed_due_on": ext.new_due,
                    "reason": rng.choice(EXTENSION_REASONS),
                    "letter_number": f"{rng.randint(100, 3999)}/{lead.spec.suffix}-VP",
                    "status": str(ExtensionStatus.APPROVED),
                    "decided_by_id": decider.id,
                    "decided_at": decided_at,
                    "approved_due_on": ext.new_due,
                    "decision_note": f"Đồng ý gia hạn đến ngày {vn_date(ext.new_due)}.",
                },
            )
            self.writer.add(
                DueDateChange.__table__,
                {
                    "id": self.ids.take(DueDateChange.__table__),
                    "task_id": task_id,
                    "changed_at": decided_at,
                    "effective_on": ext.decided_on,
                    "old_due_on": ext.old_due,
                    "new_due_on": ext.new_due,
                    "extension_request_id": request_id,
                    "actor_id": decider.id,
                },
            )

    # -- progress reports --

    def _reports(
        self, task_id: int, lead: DemoUnit, assigned_on: date, outcome: Outcome
    ) -> list[dict[str, Any]]:
        """0-3 reports of increasing progress between assignment and the submission (or
        today), by the unit's focal person."""
        rng = self.rng
        if outcome.state == TaskState.ASSIGNED:
            return []
        wanted = rng.choices((0, 1, 2, 3), weights=(15, 30, 30, 25))[0]
        end = outcome.submitted_on or self.today
        span = (end - assigned_on).days  # report days: assigned_on + 1 .. end
        count = min(wanted, span)
        if count <= 0:
            return []
        days = sorted(rng.sample(range(1, span + 1), count))
        values = sorted(rng.sample(range(10, 100, 5), count))
        reports = []
        for offset, value in zip(days, values, strict=True):
            reported_on = assigned_on + timedelta(days=offset)
            reports.append(
                {
                    "id": self.ids.take(ProgressReport.__table__),
                    "task_id": task_id,
                    "reported_on": reported_on,
                    "progress": value,
                    "text": rng.choice(REPORT_TEXTS).format(p=value),
                    "difficulties": rng.choice(DIFFICULTIES) if rng.random() < 0.3 else None,
                    "proposals": rng.choice(PROPOSALS) if rng.random() < 0.2 else None,
                    "file_path": None,
                    "author_id": lead.staff.id,
                    "created_at": self.clock.moment(reported_on),
                }
            )
        return reports


# The share of tasks each kind of unit leads, whatever the number of units of that kind:
# the province assigns most work to departments and districts, little directly to communes.
LEAD_SHARE = {UnitKind.DEPARTMENT: 0.6, UnitKind.DISTRICT: 0.3, UnitKind.COMMUNE: 0.1}


def _unit_weights(units: Sequence[DemoUnit]) -> list[float]:
    """Cumulative weights for ``random.choices``: each kind's share split evenly among
    its units."""
    per_kind = Counter(unit.spec.kind for unit in units)
    weights = [LEAD_SHARE[unit.spec.kind] / per_kind[unit.spec.kind] for unit in units]
    return list(accumulate(weights))
