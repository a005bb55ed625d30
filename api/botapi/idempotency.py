"""Every effect endpoint of the bot API acts once per inbound message.

The voucher names the inbound message being answered. If the gateway runs that message again
(it crashed after the effect was committed, before the message was marked handled), Rasa
calls the same endpoint again with a new voucher for the same message: it gets the answer
of the first call and nothing happens twice: a cancellation is recorded once, a question
answered once, and the person gets the same reply.
"""

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import AppError
from api.messaging import effects

Result = TypeVar("Result", bound=BaseModel)


def once(
    session: Session, *, inbound_id: int, effect: str, schema: type[Result], act: Callable[[], Result]
) -> Result:
    """The stored result of this effect for this message, or act now and store the result."""
    stored = effects.recorded(session, inbound_id=inbound_id, effect=effect)
    if stored is not None:
        return schema.model_validate(stored)
    result = act()
    try:
        effects.record(session, inbound_id=inbound_id, effect=effect, result=result.model_dump(mode="json"))
    except (effects.EffectAlreadyRecorded, IntegrityError) as exc:
        # Two handlings of the same message at once: the first one's effect stands.
        raise AppError(409, f"{effect} of this message is already being handled") from exc
    return result
