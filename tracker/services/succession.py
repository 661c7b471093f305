"""Succession events: a unit renamed, units merged, a unit split, a unit dissolved into a
successor, each with an effective date (issue 11, DESIGN "Units change").

The rules, in one place:
- A task moves to a successor when it was still open on the effective date E: not
  completed before E (a result confirmed with a completion date before E stays credited
  to the unit that did it) and not withdrawn before E. Tasks led by the successor already
  are not touched.
- Each move is a dated lead-unit change (effective E, recorded today), so statistics as of
  a day before E show the old unit, and, by default, so do reports as of days before the
  event was recorded (what was known then); the corrected view applies it from E.
- A source unit coordinating an open task is replaced by the successor (removed only, when
  the successor already leads or coordinates it), as dated coordinating-unit changes.
- People of a source unit move to the successor (a split: to the default successor unless
  chosen otherwise); sources that do not continue are deactivated with ``ended_on`` = E.
- E is not in the future (nothing would move the tasks on that day) and not before a
  source began. An event can be undone while nothing has happened since (``undo_blockers``).

``plan`` computes what an event would do without writing anything: the preview shows it,
and ``apply`` carries out exactly that plan in the caller's transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from ..calendar import local_date
from ..extensions import db
from ..i18n import format_day as vndate
from ..models import (
    Task,
    TaskCoordinatingUnitChange,
    TaskLeadUnitChange,
    TaskState,
    Unit,
    UnitEvent,
    UnitEventKind,
    UnitEventUnit,
    User,
    task_coordinating_unit,
)
from . import audit
from .units import UnitError


@dataclass
class Plan:
    kind: str
    effective_on: date
    sources: list[Unit]
    targets: list[Unit]  # a new unit may be transient (preview) or just added (apply)
    default_target: Unit
    moves: list[tuple[Task, Unit]] = field(default_factory=list)
    coordinating: list[tuple[Task, Unit, Unit | None]] = field(default_factory=list)
    people: list[tuple[User, Unit]] = field(default_factory=list)
    staying: int = 0  # completed or withdrawn before E: they stay with their unit
    ends: list[Unit] = field(default_factory=list)

    def moves_by_target(self) -> list[tuple[Unit, int, int]]:
        """(target, open tasks, people) per successor, for the preview."""
        tasks = Counter(id(t) for _task, t in self.moves)
        people = Counter(id(t) for _user, t in self.people)
        return [(t, tasks[id(t)], people[id(t)]) for t in self.targets]


def _check_shape(kind: str, sources: list[Unit], targets: list[Unit]) -> None:
    kind = UnitEventKind(kind)
    source_ids = {u.id for u in sources if u.id is not None}
    if len(source_ids) != len(sources) or not sources:
        raise UnitError(_("Choose the units that hand over, each once."))
    if not targets:
        raise UnitError(_("Choose the unit that takes over."))
    if any(not u.active for u in sources):
        raise UnitError(_("A unit that has already ceased cannot hand over again."))
    outside = [t for t in targets if t.id is None or t.id not in source_ids]
    if any(t.id is not None and not t.active for t in outside):
        raise UnitError(_("The unit that takes over must be active."))
    if kind == UnitEventKind.RENAME and (
        len(sources) != 1 or len(targets) != 1 or targets[0].id in source_ids
    ):
        raise UnitError(_("A rename takes one unit and gives it a new name."))
    if kind == UnitEventKind.MERGE and (len(sources) < 2 or len(targets) != 1):
        raise UnitError(_("A merger takes two or more units into one."))
    if kind == UnitEventKind.SPLIT and (len(sources) != 1 or len(targets) < 2):
        raise UnitError(_("A split divides one unit between two or more."))
    if kind == UnitEventKind.DISSOLVE and (
        len(sources) != 1 or len(targets) != 1 or targets[0].id in source_ids
    ):
        raise UnitError(_("A dissolved unit hands over to one other unit."))
    if kind == UnitEventKind.SPLIT and any(t.id in source_ids for t in targets):
        raise UnitError(_("A split unit cannot also be one of its successors."))


def _check_date(effective_on: date, sources: list[Unit], today: date) -> None:
    if effective_on > today:
        raise UnitError(
            _("The effective date cannot be after today: record the event on or after it.")
        )
    for unit in sources:
        if unit.started_on and effective_on < unit.started_on:
            raise UnitError(
                _(
                    "%(unit)s began on %(day)s: the event cannot take effect before.",
                    unit=unit.label,
                    day=vndate(unit.started_on),
                )
            )


def _still_open_on(effective_on: date):
    """Tasks still open on E (the ones that move)."""
    return and_(
        or_(Task.completed_on.is_(None), Task.completed_on >= effective_on),
        or_(
            Task.state != TaskState.WITHDRAWN.value,
            and_(Task.withdrawn_on.is_not(None), Task.withdrawn_on >= effective_on),
        ),
    )


def plan(
    kind: str,
    *,
    sources: list[Unit],
    targets: list[Unit],
    effective_on: date,
    today: date,
    default_target: Unit | None = None,
    task_targets: dict[int, Unit] | None = None,
    person_targets: dict[int, Unit] | None = None,
) -> Plan:
    """What the event would do. ``task_targets`` / ``person_targets``: a split's choices per
    open task / person (others go to ``default_target``, the first target by default)."""
    _check_shape(kind, sources, targets)
    _check_date(effective_on, sources, today)
    default = default_target or targets[0]
    if default not in targets:
        raise UnitError(_("The default successor must be one of the successors."))
    source_ids = [u.id for u in sources]
    target_ids = {t.id for t in targets if t.id is not None}
    result = Plan(kind, effective_on, list(sources), list(targets), default)
    with db.session.no_autoflush:
        # Only the tasks that move are loaded (with what ``apply`` reads of them); the
        # others are counted.
        open_led = db.session.scalars(
            select(Task)
            .where(Task.lead_unit_id.in_(source_ids), _still_open_on(effective_on))
            .options(selectinload(Task.coordinating_units))
            .order_by(Task.id)
        )
        for task in open_led:
            target = (task_targets or {}).get(task.id, default)
            if target.id is not None and target.id == task.lead_unit_id:
                continue  # a merger into one of the sources: its own tasks stay
            result.moves.append((task, target))
        result.staying = db.session.scalar(
            select(func.count(Task.id)).where(
                Task.lead_unit_id.in_(source_ids), ~_still_open_on(effective_on)
            )
        )
        moved_to = {task.id: target for task, target in result.moves}
        coordinated = db.session.execute(
            select(Task, task_coordinating_unit.c.unit_id)
            .join(task_coordinating_unit, task_coordinating_unit.c.task_id == Task.id)
            .where(task_coordinating_unit.c.unit_id.in_(source_ids), _still_open_on(effective_on))
            .options(selectinload(Task.coordinating_units))
            .order_by(Task.id)
        ).all()
        by_id = {u.id: u for u in sources}
        for task, unit_id in coordinated:
            source = by_id[unit_id]
            if source.id in target_ids:
                continue  # it continues (a merger into it): nothing to replace
            lead_id = moved_to[task.id].id if task.id in moved_to else task.lead_unit_id
            present = {u.id for u in task.coordinating_units} | {lead_id}
            replacement = default if default.id is None or default.id not in present else None
            result.coordinating.append((task, source, replacement))
        people = db.session.scalars(
            select(User).where(User.unit_id.in_(source_ids)).order_by(User.name)
        )
        for user in people:
            if user.unit_id in target_ids:
                continue
            result.people.append((user, (person_targets or {}).get(user.id, default)))
    result.ends = [u for u in sources if u.id not in target_ids]
    return result


def _latest_effective(model, task_ids, *, per_unit: bool = False) -> dict:
    """The latest effective date in each task's history of that fact (per task, or per
    task and unit), in one grouped query: a new row must take effect no earlier, or today's
    value and the history would disagree."""
    if not task_ids:
        return {}
    keys = (model.task_id, model.unit_id) if per_unit else (model.task_id,)
    rows = db.session.execute(
        select(*keys, func.max(model.effective_on))
        .where(model.task_id.in_(task_ids))
        .group_by(*keys)
    ).all()
    return {tuple(row[:-1]) if per_unit else row[0]: row[-1] for row in rows}


def apply(result: Plan, *, actor: User | None, now: datetime, note: str | None = None):
    """Carry out ``result`` (from ``plan``) in the current transaction; returns the event."""
    recorded_on = local_date(now)
    actor_id = getattr(actor, "id", None)
    created = [unit for unit in result.targets if unit.id is None]
    for unit in created:
        unit.started_on = result.effective_on
        unit.active = True
        db.session.add(unit)
    db.session.flush()
    event = UnitEvent(
        kind=result.kind,
        effective_on=result.effective_on,
        recorded_at=now,
        recorded_on=recorded_on,
        actor_id=actor_id,
        note=note,
        details={},
    )
    for position, unit in enumerate(result.sources):
        event.links.append(UnitEventUnit(unit_id=unit.id, role="source", position=position))
    for position, unit in enumerate(result.targets):
        event.links.append(UnitEventUnit(unit_id=unit.id, role="target", position=position))
    db.session.add(event)
    db.session.flush()
    tasks_moved = []
    person_unit = {user.id: target.id for user, target in result.people}
    moved_ids = [task.id for task, _target in result.moves]
    latest_lead = _latest_effective(TaskLeadUnitChange, moved_ids)
    focal_ids = {task.focal_person_id for task, _t in result.moves if task.focal_person_id}
    focal_unit = dict(
        db.session.execute(select(User.id, User.unit_id).where(User.id.in_(focal_ids))).all()
    )
    source_label = {unit.id: unit.label for unit in result.sources}
    for task, target in result.moves:
        effective = max(result.effective_on, latest_lead.get(task.id, result.effective_on))
        db.session.add(
            TaskLeadUnitChange(
                task_id=task.id,
                changed_at=now,
                effective_on=effective,
                recorded_on=recorded_on,
                old_unit_id=task.lead_unit_id,
                new_unit_id=target.id,
                actor_id=actor_id,
                unit_event_id=event.id,
            )
        )
        if target in task.coordinating_units:  # the lead cannot also coordinate
            result.coordinating.append((task, target, None))
        # A focal person who does not go to the same successor is no longer the lead unit's:
        # the task's reminders go to the successor's heads until the Office names another.
        focal = task.focal_person_id
        if focal is not None and person_unit.get(focal, focal_unit.get(focal)) != target.id:
            task.focal_person_id = None
        else:
            focal = None
        tasks_moved.append([task.id, task.lead_unit_id, target.id, focal])
        audit.record(
            "task.unit_succession",
            actor=actor,
            obj=task,
            task_id=task.id,
            changes={"lead_unit": [source_label[task.lead_unit_id], target.label]},
            note=note,
        )
        task.lead_unit_id = target.id
    coordinating = []
    latest_link = _latest_effective(
        TaskCoordinatingUnitChange,
        [task.id for task, *_units in result.coordinating],
        per_unit=True,
    )
    for task, removed, added in result.coordinating:
        for unit, was_added in ((removed, False), (added, True)):
            if unit is None:
                continue
            latest = latest_link.get((task.id, unit.id), result.effective_on)
            effective = max(result.effective_on, latest)
            db.session.add(
                TaskCoordinatingUnitChange(
                    task_id=task.id,
                    unit_id=unit.id,
                    added=was_added,
                    changed_at=now,
                    effective_on=effective,
                    recorded_on=recorded_on,
                    actor_id=actor_id,
                    unit_event_id=event.id,
                )
            )
        units = [u for u in task.coordinating_units if u.id != removed.id]
        if added is not None and added not in units:
            units.append(added)
        task.coordinating_units = units
        coordinating.append([task.id, removed.id, added.id if added else None])
    people = []
    for user, target in result.people:
        people.append([user.id, user.unit_id])
        user.unit_id = target.id
    for unit in result.ends:
        unit.active = False
        unit.ended_on = result.effective_on
    db.session.flush()
    event.details = {
        "tasks": tasks_moved,
        "coordinating": coordinating,
        "people": people,
        "ended": [u.id for u in result.ends],
        "created": [u.id for u in created],
        "versions": {str(task.id): task.version for task, _t in result.moves},
        "staying": result.staying,
        # Tasks added after this one are "something that happened since" for undo.
        "last_task_id": db.session.scalar(select(func.max(Task.id))) or 0,
    }
    audit.record(
        f"unit.{result.kind}",
        actor=actor,
        obj=event,
        changes={
            "sources": [u.label for u in result.sources],
            "targets": [u.label for u in result.targets],
            "effective_on": result.effective_on.isoformat(),
            "tasks": len(tasks_moved),
            "people": len(people),
        },
        note=note,
    )
    return event


def undo_blockers(event: UnitEvent) -> list[str]:
    """Why ``event`` cannot be undone (empty: it can): it was undone already, a later event
    involves its units, or a moved task, a moved person or a successor changed since."""
    if event.undone_at is not None:
        return [_("This event was undone already.")]
    reasons = []
    unit_ids = [link.unit_id for link in event.links]
    later = db.session.scalar(
        select(func.count(UnitEvent.id)).where(
            UnitEvent.id > event.id,
            UnitEvent.undone_at.is_(None),
            UnitEvent.id.in_(
                select(UnitEventUnit.event_id).where(UnitEventUnit.unit_id.in_(unit_ids))
            ),
        )
    )
    if later:
        reasons.append(_("A later event involves the same units: undo it first."))
    details = event.details or {}
    versions = details.get("versions") or {}
    if versions:
        current = dict(
            db.session.execute(
                select(Task.id, Task.version).where(Task.id.in_([int(i) for i in versions]))
            ).all()
        )
        changed = sum(1 for i, v in versions.items() if current.get(int(i)) != v)
        if changed:
            reasons.append(_("%(n)d of the tasks it moved changed since.", n=changed))
    targets = [link.unit_id for link in event.links if link.role == "target"]
    new_tasks = db.session.scalar(
        select(func.count(Task.id)).where(
            Task.lead_unit_id.in_(targets), Task.id > details.get("last_task_id", 0)
        )
    )
    if new_tasks:
        reasons.append(_("Tasks were assigned to a successor since."))
    people = details.get("people") or []
    if people:
        now_units = dict(
            db.session.execute(
                select(User.id, User.unit_id).where(User.id.in_([p[0] for p in people]))
            ).all()
        )
        if any(now_units.get(user_id) not in targets for user_id, _old in people):
            reasons.append(_("A person it moved has moved again since."))
    return reasons


def undo(event: UnitEvent, *, actor: User, now: datetime) -> None:
    """Reverse ``event`` as if it had not happened (its dated rows are removed: an undo
    corrects a mistake), audited; refused with the reasons of ``undo_blockers``."""
    reasons = undo_blockers(event)
    if reasons:
        raise UnitError(" ".join(reasons))
    details = event.details or {}
    # What the event touched, loaded once each (not one query per row).
    task_ids = {row[0] for key in ("tasks", "coordinating") for row in details.get(key) or []}
    tasks = {
        task.id: task
        for task in db.session.scalars(
            select(Task).where(Task.id.in_(task_ids)).options(selectinload(Task.coordinating_units))
        )
    }
    unit_ids = {event_unit.unit_id for event_unit in event.links} | {
        row[1] for row in details.get("coordinating") or []
    }
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    for task_id, old_unit, _new, *focal in details.get("tasks") or []:
        task = tasks[task_id]
        task.lead_unit_id = old_unit
        if focal and focal[0] is not None:
            task.focal_person_id = focal[0]
        audit.record(
            "task.unit_succession_undone",
            actor=actor,
            obj=task,
            task_id=task.id,
            changes={"lead_unit_id": [_new, old_unit]},
        )
    for task_id, removed, added in details.get("coordinating") or []:
        task = tasks[task_id]
        kept = [u for u in task.coordinating_units if u.id != added]
        if removed not in {u.id for u in kept} and removed != task.lead_unit_id:
            kept.append(units[removed])
        task.coordinating_units = kept
    people = dict(details.get("people") or [])
    for user in db.session.scalars(select(User).where(User.id.in_(people))):
        user.unit_id = people[user.id]
    for unit_id in details.get("ended") or []:
        units[unit_id].active, units[unit_id].ended_on = True, None
    db.session.execute(
        TaskLeadUnitChange.__table__.delete().where(TaskLeadUnitChange.unit_event_id == event.id)
    )
    db.session.execute(
        TaskCoordinatingUnitChange.__table__.delete().where(
            TaskCoordinatingUnitChange.unit_event_id == event.id
        )
    )
    for unit_id in details.get("created") or []:
        units[unit_id].active = False  # kept (the audit log names it), out of every choice
    event.undone_at = now
    event.undone_by_id = actor.id
    audit.record(
        f"unit.{event.kind}_undone",
        actor=actor,
        obj=event,
        changes={
            "tasks": len(details.get("tasks") or []),
            "people": len(details.get("people") or []),
        },
    )
    db.session.flush()


def preview_lines(result: Plan) -> list[str]:
    """The preview in words: "37 open tasks and 12 people move to …"."""
    lines = []
    for target, tasks, people in result.moves_by_target():
        lines.append(
            _(
                "%(tasks)d open tasks and %(people)d people move to %(unit)s.",
                tasks=tasks,
                people=people,
                unit=target.label,
            )
        )
    if result.coordinating:
        lines.append(
            _(
                "%(n)d open tasks get the successor as coordinating unit instead.",
                n=len(result.coordinating),
            )
        )
    if result.staying:
        lines.append(
            _(
                "%(n)d tasks completed or withdrawn before %(day)s stay credited to their unit.",
                n=result.staying,
                day=vndate(result.effective_on),
            )
        )
    for unit in result.ends:
        lines.append(
            _("%(unit)s ceases on %(day)s.", unit=unit.label, day=vndate(result.effective_on))
        )
    return lines
