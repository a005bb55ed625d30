"""Which gateway and scheduler processes are alive: each beats in `outbox_dispatchers`.

A process's claims (outbox rows) and leases (a sender's inbound messages) hold while it beats;
once it has been silent for SPIE_OUTBOX_DEAD_AFTER_SECONDS, others take them over.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.db import session_scope, utcnow
from api.messaging.models import OutboxDispatcherBeat


def beat(owner: str) -> None:
    now = utcnow()
    with session_scope() as session:
        updated = session.execute(
            update(OutboxDispatcherBeat).where(OutboxDispatcherBeat.owner == owner).values(beat_at=now)
        ).rowcount
        if not updated:
            session.add(OutboxDispatcherBeat(owner=owner, started_at=now, beat_at=now))
        session.commit()


def forget(owner: str) -> None:
    with session_scope() as session:
        session.execute(delete(OutboxDispatcherBeat).where(OutboxDispatcherBeat.owner == owner))
        session.commit()


def live_owners(session: Session, *, now: datetime, dead_after: timedelta):
    """SQL: the owners that beat recently (a subquery for IN)."""
    return select(OutboxDispatcherBeat.owner).where(OutboxDispatcherBeat.beat_at > now - dead_after)
