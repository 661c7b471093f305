"""The demo sign-in accounts (created by ``tracker demo``) get work of their own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Directive, ExtensionRequest, ExtensionStatus, Task, TaskState, User
from .reference import SYMBOL_TAG


def give_work_to(
    session: Session, *, leader_id: int, office_id: int, today: date, pending_requests: int = 5
) -> int:
    """Make the demo leader the assigning leader of every fifth demo task and the demo
    Office specialist the monitor of every fourth, and file a few pending extension
    requests on the leader's open tasks, so those sign-ins have something to do.
    Returns the number of pending requests filed."""
    # The demo's tasks, not the seeded directive's (their lead units may be the same).
    demo_directive_ids = select(Directive.id).where(
        Directive.symbol.contains(SYMBOL_TAG, autoescape=True)
    )
    demo_tasks = Task.directive_id.in_(demo_directive_ids)
    session.execute(
        Task.__table__.update().where(demo_tasks, Task.id % 5 == 0).values(assigned_by_id=leader_id)
    )
    session.execute(
        Task.__table__.update().where(demo_tasks, Task.id % 4 == 0).values(monitor_id=office_id)
    )
    open_tasks = session.execute(
        select(Task.id, Task.current_due_on, Task.lead_unit_id)
        .where(
            demo_tasks,
            Task.assigned_by_id == leader_id,
            Task.state.in_([TaskState.ASSIGNED.value, TaskState.IN_PROGRESS.value]),
            Task.current_due_on >= today + timedelta(days=14),
        )
        .order_by(Task.current_due_on, Task.id)
        .limit(pending_requests)
    ).all()
    now = datetime.now(UTC)
    for task_id, due_on, unit_id in open_tasks:
        requester = session.scalar(
            select(User.id).where(User.unit_id == unit_id).order_by(User.id).limit(1)
        )
        session.add(
            ExtensionRequest(
                task_id=task_id,
                requested_by_id=requester,
                requested_at=now,
                due_on_before=due_on,
                proposed_due_on=due_on + timedelta(days=30),
                reason="Cần thêm thời gian hoàn thiện hồ sơ, lấy ý kiến các đơn vị phối hợp.",
                letter_number=f"{100 + task_id % 900}/ĐN-GH",
                status=ExtensionStatus.PENDING.value,
            )
        )
    session.flush()
    return len(open_tasks)
