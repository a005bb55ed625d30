"""The scheduler's part of orientation requests: a reminder to the structure once a request has
waited `orientation_reminder_days` unanswered, and its expiry after `orientation_expiry_days`.

Each step is one conditional UPDATE (reminded_at still empty; state still open), and what follows
it (the carnet entry, the reminder mail) is written only by the run whose UPDATE changed the row,
in the same transaction: two schedulers never remind or expire a request twice, and a crash
repeats nothing that was committed. A request past its expiry is expired, not reminded.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from api.config import get_settings
from api.orientations import service
from api.orientations.models import OrientationRequest


@dataclass(frozen=True)
class LifecycleRun:
    reminded: int
    expired: int


def run(session: Session, *, now: datetime, batch_size: int = 200) -> LifecycleRun:
    """Expire what is too old, remind what waited long enough; flushes, the caller commits."""
    settings = get_settings()
    expiry_before = now - timedelta(days=settings.orientation_expiry_days)
    reminder_before = now - timedelta(days=settings.orientation_reminder_days)
    expired = 0
    for request in _due(session, OrientationRequest.created_at <= expiry_before, batch_size):
        if _claim(session, request, state="expired", closed_at=now):
            service.record_step(session, request, "orientation_expired", author="system")
            expired += 1
    reminded = 0
    waiting = (OrientationRequest.created_at <= reminder_before) & OrientationRequest.reminded_at.is_(None)
    for request in _due(session, waiting, batch_size):
        if _claim(session, request, reminded_at=now, extra=OrientationRequest.reminded_at.is_(None)):
            service.record_step(session, request, "orientation_reminded", author="system")
            service.queue_mail(session, request=request, kind="reminder", now=now)
            reminded += 1
    return LifecycleRun(reminded=reminded, expired=expired)


def _due(session: Session, condition: ColumnElement[bool], batch_size: int) -> list[OrientationRequest]:
    query = (
        select(OrientationRequest)
        .where(OrientationRequest.state == "open", condition)
        .order_by(OrientationRequest.created_at, OrientationRequest.id)
        .limit(batch_size)
    )
    return list(session.scalars(query))


def _claim(
    session: Session,
    request: OrientationRequest,
    *,
    extra: ColumnElement[bool] | None = None,
    **values: object,
) -> bool:
    """One conditional UPDATE of a still-open request; whether this run changed it."""
    query = update(OrientationRequest).where(
        OrientationRequest.id == request.id, OrientationRequest.state == "open"
    )
    if extra is not None:
        query = query.where(extra)
    changed = session.execute(query.values(**values).execution_options(synchronize_session=False)).rowcount
    session.refresh(request)
    return changed == 1
