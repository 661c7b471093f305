"""The mail server's health as the delivery passes saw it, for the admin's banner.

One row (``mail_health``, name "smtp") shared by every process: a delivery pass records a
configuration fault (delivery paused), a server that does not answer (since when), and a
mail sent (which clears both). Written once per pass, not per mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..database import insert_for
from ..extensions import db
from ..models import MailHealth

NAME = "smtp"


@dataclass(frozen=True)
class Health:
    paused_since: datetime | None = None
    unreachable_since: datetime | None = None
    last_error: str | None = None
    last_sent_at: datetime | None = None

    @property
    def warning(self) -> bool:
        return self.paused_since is not None or self.unreachable_since is not None


def current(session=None) -> Health:
    session = session or db.session
    row = session.get(MailHealth, NAME)
    if row is None:
        return Health()
    return Health(row.paused_since, row.unreachable_since, row.last_error, row.last_sent_at)


def record(
    session,
    now: datetime,
    *,
    sent: bool = False,
    paused: str | None = None,
    unreachable: str | None = None,
) -> None:
    """After a pass: ``sent`` if the server took a mail (the warnings end), ``paused``
    with the error of a configuration fault, ``unreachable`` with the error of a server
    that did not answer. Commits."""
    if not (sent or paused or unreachable):
        return
    session.execute(
        insert_for(session)(MailHealth.__table__)
        .values(name=NAME, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    row = session.get(MailHealth, NAME, with_for_update=True, populate_existing=True)
    if sent:
        row.last_sent_at = now
        row.paused_since = row.unreachable_since = None
    if paused:
        row.paused_since = row.paused_since or now
        row.last_error = paused
    if unreachable:
        row.unreachable_since = row.unreachable_since or now
        row.last_error = unreachable
    row.updated_at = now
    session.commit()
