"""Effects of handling an inbound message, recorded once per (message, effect).

Whoever acts for an inbound message (the gateway's triage, the bot API's effect endpoints)
first looks here: a result already recorded means the effect already happened (the message
is being run again after a crash), and that result is the answer. A new result is written
in the same transaction as the effect it describes, so both commit or neither does.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.messaging.models import InboundEffect


class EffectAlreadyRecorded(Exception):
    """Another handling of the same message recorded this effect first: roll back."""


def recorded(session: Session, *, inbound_id: int, effect: str) -> dict[str, Any] | None:
    """The result this effect had for this message, or None if it has not happened."""
    return session.scalar(
        select(InboundEffect.result).where(
            InboundEffect.inbound_message_id == inbound_id, InboundEffect.effect == effect
        )
    )


def record(session: Session, *, inbound_id: int, effect: str, result: dict[str, Any]) -> None:
    """Note that this effect happened for this message, in the caller's transaction."""
    if recorded(session, inbound_id=inbound_id, effect=effect) is not None:
        raise EffectAlreadyRecorded(f"{effect} of inbound message {inbound_id}")
    session.add(InboundEffect(inbound_message_id=inbound_id, effect=effect, result=result))
    session.flush()
