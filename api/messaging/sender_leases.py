"""One gateway at a time handles a sender's messages, so that they are handled in order.

With two gateways behind a load balancer, a person's messages reach both. Before handling a
sender's messages, a gateway takes the sender's lease: one atomic upsert that succeeds when
nobody holds it, when it already holds it, or when its holder stopped beating (a killed
gateway's senders are taken over within SPIE_OUTBOX_DEAD_AFTER_SECONDS). A gateway that
cannot take it leaves the messages to the holder, which looks again after releasing.
"""

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.db import insert_for, utcnow
from api.messaging.models import SenderLease
from api.messaging.processes import live_owners


def take(session: Session, *, phone: str, owner: str, dead_after: timedelta) -> bool:
    """Take (or keep) the sender's lease; False while another live gateway holds it."""
    now = utcnow()
    table = SenderLease.__table__
    upsert = (
        insert_for(session, table)
        .values(phone=phone, owner=owner, taken_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.phone],
            set_={"owner": owner, "taken_at": now},
            where=(table.c.owner == owner)
            | table.c.owner.not_in(live_owners(session, now=now, dead_after=dead_after)),
        )
        .returning(table.c.owner)
    )
    return session.execute(upsert).scalar() == owner


def release(session: Session, *, phone: str, owner: str) -> None:
    session.execute(delete(SenderLease).where(SenderLease.phone == phone, SenderLease.owner == owner))


def holder(session: Session, *, phone: str) -> str | None:
    return session.scalar(select(SenderLease.owner).where(SenderLease.phone == phone))
