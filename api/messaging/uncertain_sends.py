"""The outbox rows whose send may or may not have left: taken for a lookup, and settled by it.

The lookup at Twilio itself is the dispatcher's (bot/outbox/uncertain.py); this module holds
every read and write of the rows, each function one transaction. A dead dispatcher's claims
become uncertain; an uncertain row is taken under a token, then settled: found (sent), not
found (pending again, or failed once out of tries), or the lookup failed (tried again later,
then failed into the professionals' queue).
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from api.beneficiaries.models import Beneficiary
from api.config import Settings
from api.db import session_scope, utcnow
from api.handoffs import service as handoff_service
from api.messaging import processes
from api.messaging.delivery import apply_delivery_error
from api.messaging.models import OutboxMessage
from api.messaging.outbox_store import SendResult, mark_sent

log = logging.getLogger(__name__)

LOOKUP_BATCH = 50


@dataclass(frozen=True)
class Uncertain:
    id: int
    channel: str
    to_phone: str
    body: str
    content_sid: str | None
    claimed_at: datetime
    attempts: int


def orphan_dead_claims(*, settings: Settings) -> int:
    """Claims of dispatchers that stopped beating become uncertain, to be looked up now."""
    now = utcnow()
    dead_after = timedelta(seconds=settings.outbox_dead_after_seconds)
    with session_scope() as session:
        # Read first: the write (and its lock) only when a claim is old enough to judge.
        old_claim = select(OutboxMessage.id).where(
            OutboxMessage.state == "sending", OutboxMessage.claimed_at < now - dead_after
        )
        if session.scalar(old_claim.limit(1)) is None:
            return 0
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.state == "sending",
                # A claim this recent is in hand even if its owner has not beaten yet.
                OutboxMessage.claimed_at < now - dead_after,
                or_(
                    OutboxMessage.claim_owner.is_(None),
                    OutboxMessage.claim_owner.not_in(
                        processes.live_owners(session, now=now, dead_after=dead_after)
                    ),
                ),
            )
            # The dead one's try counts: a message that kills every dispatcher ends up failed.
            .values(
                state="uncertain", claim_token=None, next_attempt_at=now, attempts=OutboxMessage.attempts + 1
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if result.rowcount:
        log.warning("%d sends of a stopped dispatcher are looked up at Twilio", result.rowcount)
    return result.rowcount


def take(*, settings: Settings, owner: str) -> tuple[list[Uncertain], str]:
    """Take the uncertain rows that are due for a lookup, under a new token; (rows by id, token)."""
    token = uuid.uuid4().hex
    now = utcnow()
    with session_scope() as session:
        if (
            session.scalar(select(OutboxMessage.id).where(OutboxMessage.state == "uncertain").limit(1))
            is None
        ):
            return [], token
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.state == "uncertain", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(LOOKUP_BATCH)
        .with_for_update(skip_locked=True)
    )
    with session_scope() as session:
        rows = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.state == "uncertain")
            # If this lookup dies too, the row is due again once this has passed.
            .values(
                claim_token=token,
                claim_owner=owner,
                next_attempt_at=now + timedelta(seconds=settings.outbox_dead_after_seconds * 3),
            )
            .returning(
                OutboxMessage.id,
                OutboxMessage.channel,
                OutboxMessage.to_phone,
                OutboxMessage.body,
                OutboxMessage.content_sid,
                OutboxMessage.claimed_at,
                OutboxMessage.attempts,
            )
            .execution_options(synchronize_session=False)
        ).all()
        session.commit()
    return sorted((Uncertain(*row) for row in rows), key=lambda m: m.id), token


def settle(*, settings: Settings, message: Uncertain, token: str, found: list[SendResult]) -> None:
    """Found (newest first): it was sent. Not found: it never left, send it again (unless out of
    tries)."""
    with session_scope() as session:
        known = set(
            session.scalars(
                select(OutboxMessage.provider_sid).where(
                    OutboxMessage.provider_sid.in_([result.provider_sid for result in found])
                )
            )
        )
        unclaimed = [result for result in found if result.provider_sid not in known]
        mine = and_(OutboxMessage.id == message.id, OutboxMessage.claim_token == token)
        if unclaimed:
            result = unclaimed[-1]  # the oldest: the one our lost request created
            mark_sent(
                session,
                sent=[(message.id, token, result, utcnow())],
                from_state="uncertain",
                count_attempt=False,
            )
            log.info("uncertain send %s was found at Twilio: sent", message.id)
        elif message.attempts >= settings.outbox_max_attempts:
            row = session.scalar(select(OutboxMessage).where(mine, OutboxMessage.state == "uncertain"))
            if row is not None:
                row.state = "failed"
                row.error_message = "not at Twilio after its last try"
                apply_delivery_error(session, message=row, code=None)
        else:
            session.execute(
                update(OutboxMessage)
                .where(mine, OutboxMessage.state == "uncertain")
                .values(state="pending", claim_token=None, next_attempt_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            log.info("uncertain send %s is not at Twilio: it goes again", message.id)
        session.commit()


def lookup_failed(*, settings: Settings, message: Uncertain, token: str, error: str) -> None:
    """The lookup could not be made: count it, try later, or fail into the professionals' queue."""
    with session_scope() as session:
        row = session.get(OutboxMessage, message.id)
        if row is None or row.state != "uncertain" or row.claim_token != token:
            return
        row.attempts += 1
        row.error_message = f"lookup failed: {error}"[:500]
        if row.attempts < settings.outbox_max_attempts:
            row.next_attempt_at = utcnow() + timedelta(seconds=min(300.0, 2.0**row.attempts))
        else:
            row.state = "failed"
            beneficiary = session.get(Beneficiary, row.beneficiary_id) if row.beneficiary_id else None
            if beneficiary is not None:
                handoff_service.open_request(
                    session,
                    reason="delivery_uncertain",
                    text=f"Message peut-être non reçu (vérification impossible) : {row.body[:200]}",
                    beneficiary=beneficiary,
                )
        session.commit()
