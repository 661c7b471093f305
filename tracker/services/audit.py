"""The audit log: written in the same transaction as the change it records."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..extensions import db
from ..models import AuditEvent


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    task_id: int | None = None,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
    remote_addr: str | None = None,
    session=None,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(obj).__name__.lower() if obj is not None else None,
        object_id=getattr(obj, "id", None),
        task_id=task_id,
        changes=changes,
        note=note,
        remote_addr=remote_addr,
    )
    (session or db.session).add(event)
    return event


def plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it (dates as ISO text)."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def apply_changes(obj, values: dict[str, Any]) -> dict[str, list]:
    """Set the attributes of ``values`` on ``obj`` and return {field: [before, after]} for
    those that changed: what an edit's audit event records."""
    changes = {}
    for name, value in values.items():
        before = getattr(obj, name)
        if before != value:
            changes[name] = [plain(before), plain(value)]
            setattr(obj, name, value)
    return changes
