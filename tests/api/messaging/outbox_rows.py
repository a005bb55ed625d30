"""Outbox rows for the tests of the outbox store: committed, as the dispatcher sees them.

Each reply is queued in answer to an inbound message of its own, so that a claim restricted
to it (in_reply_to_id) never takes another test's row. `finish` leaves nothing due behind.
"""

import uuid

from sqlalchemy import update

from api.db import session_scope
from api.messaging import outbox
from api.messaging.inbound import record_inbound
from api.messaging.models import OutboxMessage
from tests.api import factories as f


def queue_reply(*, kind: str = "reply", body: str = "Bien noté.") -> tuple[int, int, int]:
    """(outbox message id, the inbound message it answers, the person's id)."""
    with session_scope() as session:
        person = f.beneficiary(session, f.organisation(session))
        inbound, _ = record_inbound(
            session,
            message_sid=f"SMtest{uuid.uuid4().hex[:26]}",
            channel="sms",
            from_phone=person.phone,
            to_address="38123",
            body="1",
            num_media=0,
        )
        message = outbox.enqueue(session, beneficiary=person, body=body, kind=kind, in_reply_to_id=inbound.id)
        session.commit()
        return message.id, inbound.id, person.id


def row(message_id: int) -> OutboxMessage:
    with session_scope() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


def set_row(message_id: int, **values) -> None:
    with session_scope() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
        session.commit()


def finish(*message_ids: int) -> None:
    """Rows a test left pending, sending or uncertain are cancelled: later dispatchers skip them."""
    with session_scope() as session:
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(message_ids),
                OutboxMessage.state.in_(("pending", "sending", "uncertain")),
            )
            .values(state="cancelled", claim_token=None)
        )
        session.commit()
