"""The one way an outbox row becomes 'sent': guarded by the claim that sent it (fencing)."""

from datetime import datetime

from sqlalchemy import bindparam, exists, func, update
from sqlalchemy.orm import Session

from api.carnet.models import CarnetEntry
from api.messaging.models import OutboxMessage
from bot.outbox.senders import SendResult


def mark_sent(
    session: Session,
    sent: list[tuple[int, str, SendResult, datetime]],
    *,
    from_state: str = "sending",
    count_attempt: bool = True,
) -> None:
    """(row id, claim token, result, time) each: two statements for the whole list.

    A row whose claim was taken over meanwhile (its token changed) is left as it is."""
    if not sent:
        return
    connection = session.connection()
    outbox = OutboxMessage.__table__
    connection.execute(
        update(outbox)
        .where(
            outbox.c.id == bindparam("b_id"),
            outbox.c.claim_token == bindparam("b_token"),
            outbox.c.state == from_state,
        )
        .values(
            state="sent",
            attempts=outbox.c.attempts + (1 if count_attempt else 0),
            provider_sid=bindparam("b_sid"),
            delivery_status=func.coalesce(outbox.c.delivery_status, bindparam("b_status")),
            sent_at=bindparam("b_at"),
        ),
        [
            {
                "b_id": row_id,
                "b_token": token,
                "b_sid": result.provider_sid,
                "b_status": result.status,
                "b_at": at,
            }
            for row_id, token, result, at in sent
        ],
    )
    carnet = CarnetEntry.__table__
    connection.execute(
        update(carnet)
        .where(
            carnet.c.outbox_message_id == bindparam("b_id"),
            # only where the outbox row took this result (not one whose claim was taken over)
            exists().where(outbox.c.id == bindparam("b_id"), outbox.c.provider_sid == bindparam("b_sid")),
        )
        .values(provider_sid=bindparam("b_sid")),
        [{"b_id": row_id, "b_sid": result.provider_sid} for row_id, _, result, _ in sent],
    )
