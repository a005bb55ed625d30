"""The dispatcher's claim: due outbox rows taken for sending, and checked again, in one transaction.

Here rather than in api/messaging because the check at sending time (still_due) is this layer's:
a message that is no longer worth sending is cancelled in the very transaction that claimed it.
"""

import uuid
from datetime import datetime

from api.db import session_scope
from api.due_messages import still_due
from api.messaging import outbox_store
from api.messaging.outbox_store import Claimed


def claim_due(
    *, owner: str, now: datetime, in_reply_to_id: int | None = None, limit: int = 200
) -> tuple[list[Claimed], int]:
    """Claim up to `limit` due pending rows for `owner` and commit.

    Returns the claimed messages to send, by id, and how many rows were claimed: those for a
    person who opted out, whose number cannot receive SMS, or that are no longer worth sending
    are cancelled in the same transaction."""
    token = uuid.uuid4().hex
    with session_scope() as session:
        claimed = outbox_store.claim_pending(
            session, token=token, owner=owner, now=now, in_reply_to_id=in_reply_to_id, limit=limit
        )
        reasons = outbox_store.reasons_not_to_send(session, claimed=claimed)
        # Only what the scheduler and invitations queue can go stale: replies skip the check.
        still_checked = [
            message.id
            for message in claimed
            if message.id not in reasons and message.kind in still_due.CHECKED_KINDS
        ]
        if still_checked:
            reasons |= still_due.withhold_stale(session, still_checked, now=now)
        outbox_store.cancel_claimed(session, token=token, reasons=reasons)
        session.commit()
    return [message for message in claimed if message.id not in reasons], len(claimed)
