"""Which gateway and scheduler processes are alive: each beats in `outbox_dispatchers`.

A process's claims (outbox rows) and leases (a sender's inbound messages) hold while it beats;
once it has been silent for SPIE_OUTBOX_DEAD_AFTER_SECONDS, others take them over.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.db import insert_for, session_scope, utcnow
from api.messaging.models import OutboxDispatcherBeat


def beat(owner: str) -> None:
    """One atomic upsert: the heartbeat thread and a claim may beat at the same moment."""
    now = utcnow()
    with session_scope() as session:
        table = OutboxDispatcherBeat.__table__
        session.execute(
            insert_for(session, table)
            .values(owner=owner, started_at=now, beat_at=now)
            .on_conflict_do_update(index_elements=[table.c.owner], set_={"beat_at": now})
        )
        session.commit()


def forget(owner: str) -> None:
    with session_scope() as session:
        session.execute(delete(OutboxDispatcherBeat).where(OutboxDispatcherBeat.owner == owner))
        session.commit()


def live_owners(session: Session, *, now: datetime, dead_after: timedelta):
    """SQL: the owners that beat recently (a subquery for IN)."""
    return select(OutboxDispatcherBeat.owner).where(OutboxDispatcherBeat.beat_at > now - dead_after)
