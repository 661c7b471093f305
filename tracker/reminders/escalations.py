"""Escalations (nhắc nhở, phê bình, yêu cầu giải trình): recorded on the task, audited for
its timeline, and mailed to the lead unit's head through the outbox."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from ..calendar import local_date
from ..models import Escalation, EscalationKind, Role, Task, User
from ..services import audit
from . import Kind, Reason
from .outbox import OutboxItem, insert_items


class EscalationError(Exception):
    pass


def record_escalation(
    session,
    task: Task,
    *,
    kind: str,
    note: str,
    explain_by: date | None,
    actor: User,
    now: datetime,
) -> Escalation:
    """Does not commit. The mail goes out with the next delivery pass."""
    if kind not in {k.value for k in EscalationKind}:
        raise EscalationError("unknown kind of escalation")
    note = (note or "").strip()
    if not note:
        raise EscalationError("the note is required")
    today = local_date(now)
    if kind == EscalationKind.EXPLANATION:
        if explain_by is None:
            raise EscalationError("a request for explanation needs a date")
        if explain_by < today:
            raise EscalationError("the explanation date is in the past")
    else:
        explain_by = None
    escalation = Escalation(
        task=task, kind=kind, note=note, explain_by=explain_by, actor=actor, created_at=now
    )
    session.add(escalation)
    session.flush()
    audit.record(
        "task.escalation",
        actor=actor,
        obj=escalation,
        task_id=task.id,
        changes={"kind": kind, "explain_by": explain_by.isoformat() if explain_by else None},
        note=note,
        session=session,
    )
    heads = session.scalars(
        select(User.id).where(
            User.role == Role.UNIT_HEAD, User.unit_id == task.lead_unit_id, User.active.is_(True)
        )
    ).all()
    insert_items(
        session,
        [
            OutboxItem(
                Kind.ESCALATION,
                today,
                head,
                Reason.HEAD,
                task.id,
                {"escalation_id": escalation.id},
                key_part=f"{task.id}.{escalation.id}",
            )
            for head in heads
        ],
        now,
    )
    return escalation
