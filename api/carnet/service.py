from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.carnet.models import CarnetEntry


def add_entry(
    session: Session,
    *,
    beneficiary_id: int,
    kind: str,
    author: str,
    body: str = "",
    channel: str | None = None,
    provider_sid: str | None = None,
    inbound_message_id: int | None = None,
    outbox_message_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> CarnetEntry:
    """Append one event to a person's carnet."""
    entry = CarnetEntry(
        beneficiary_id=beneficiary_id,
        kind=kind,
        author=author,
        body=body,
        channel=channel,
        provider_sid=provider_sid,
        inbound_message_id=inbound_message_id,
        outbox_message_id=outbox_message_id,
        data=data or {},
    )
    session.add(entry)
    session.flush()
    return entry


def list_entries(session: Session, *, beneficiary_id: int) -> list[CarnetEntry]:
    """A person's carnet, oldest first."""
    query = (
        select(CarnetEntry)
        .where(CarnetEntry.beneficiary_id == beneficiary_id)
        .order_by(CarnetEntry.created_at, CarnetEntry.id)
    )
    return list(session.scalars(query))
