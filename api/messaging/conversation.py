"""A phone number's conversation, both ways, oldest first (for the simulator)."""

from datetime import datetime
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.messaging.models import InboundMessage, OutboxMessage


class ConversationLine(TypedDict):
    direction: str  # in or out
    body: str
    at: datetime
    state: str
    segments: int  # SMS billed (outbound), 0 for inbound


def conversation(session: Session, *, phone: str, limit: int = 200) -> list[ConversationLine]:
    inbound = session.scalars(
        select(InboundMessage)
        .where(InboundMessage.from_phone == phone)
        .order_by(InboundMessage.id.desc())
        .limit(limit)
    )
    outbound = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to_phone == phone)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    lines: list[ConversationLine] = [
        {"direction": "in", "body": m.body, "at": m.received_at, "state": m.state, "segments": 0}
        for m in inbound
    ]
    lines += [
        {"direction": "out", "body": m.body, "at": m.created_at, "state": m.state, "segments": m.segments}
        for m in outbound
    ]
    return sorted(lines, key=lambda line: line["at"])[-limit:]
