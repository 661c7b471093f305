"""The dated history of the facts a task's status depends on (DESIGN "History and the
as-of date", issue 10): due date, workflow state and lead unit.

These are the only ways the workflow changes those three columns of Task: each writes
the new value and, in the same transaction, one history row with the local date it took
effect. ``tracker.status`` reads the rows back for any past date (``in_force``); the
task's current columns are the value in force today.
"""

from __future__ import annotations

from datetime import date, datetime

from ..calendar import local_date
from ..models import (
    DueDateChange,
    ExtensionRequest,
    Task,
    TaskCoordinatingUnitChange,
    TaskLeadUnitChange,
    TaskState,
    TaskStateChange,
    Unit,
    User,
)


def set_state(task: Task, new_state: str, *, action: str, actor: User | None, now: datetime):
    """Move the task to ``new_state`` (nothing when it is already there)."""
    old = task.state
    new_state = TaskState(new_state).value
    if old == new_state:
        return
    task.state = new_state
    task.state_changes.append(
        TaskStateChange(
            changed_at=now,
            effective_on=local_date(now),
            old_state=old,
            new_state=new_state,
            action=action,
            actor_id=getattr(actor, "id", None),
        )
    )


def move_due_date(
    task: Task,
    new_due: date | None,
    *,
    actor: User,
    now: datetime,
    extension_request: ExtensionRequest | None = None,
) -> None:
    """The one way to change current_due_on (set, move or remove a deadline): every change
    writes a DueDateChange row, so statistics as of a past date use the due date that was
    in force then. ``original_due_on`` follows the first deadline the task was given (the
    two columns are empty together), but no as-of lookup reads it: before its first change
    a task had the old value of that change (issue 10: a deadline set on 20/03 does not
    make the task overdue as of 15/03)."""
    old = task.current_due_on
    if old == new_due:
        return
    task.current_due_on = new_due
    if task.original_due_on is None or new_due is None:
        task.original_due_on = new_due
    task.due_date_changes.append(
        DueDateChange(
            changed_at=now,
            effective_on=local_date(now),
            old_due_on=old,
            new_due_on=new_due,
            extension_request_id=extension_request.id if extension_request else None,
            actor_id=actor.id,
        )
    )


def change_lead_unit(task: Task, new_unit_id: int, *, actor: User, now: datetime) -> None:
    old = task.lead_unit_id
    if old == new_unit_id or old is None:
        task.lead_unit_id = new_unit_id
        return
    task.lead_unit_id = new_unit_id
    task.lead_unit_changes.append(
        TaskLeadUnitChange(
            changed_at=now,
            effective_on=local_date(now),
            recorded_on=local_date(now),
            old_unit_id=old,
            new_unit_id=new_unit_id,
            actor_id=actor.id,
        )
    )


def set_coordinating_units(task: Task, units: list[Unit], *, actor: User, now: datetime) -> None:
    """Replace the task's coordinating units, writing one dated change per unit added or
    removed, so a list or an export as of an earlier date shows the units of that day."""
    old = {unit.id for unit in task.coordinating_units}
    new = {unit.id for unit in units}
    day = local_date(now)
    for unit_id, added in [(u, False) for u in old - new] + [(u, True) for u in new - old]:
        task.coordinating_unit_changes.append(
            TaskCoordinatingUnitChange(
                unit_id=unit_id,
                added=added,
                changed_at=now,
                effective_on=day,
                recorded_on=day,
                actor_id=getattr(actor, "id", None),
            )
        )
    task.coordinating_units = units
