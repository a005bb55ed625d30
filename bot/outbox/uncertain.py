"""Sends whose outcome we do not know are looked up at Twilio, never blindly sent again.

Two ways to get here: the answer to a send was lost (read timeout, connection reset), or the
dispatcher holding a claim died (its heartbeat stopped). Either way the message may have left.
Twilio has no idempotency key, so the only safe next step is to ask Twilio's Messages list:
found means sent (we keep its MessageSid); not found means it never left, and it goes back
to the queue to be sent; a lookup that keeps failing hands the message to a professional.
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
from bot.outbox.records import mark_sent
from bot.outbox.senders import MessageSender, SendError

log = logging.getLogger(__name__)

# Our clock and Twilio's differ a little: a message created just before our claim still counts.
CLOCK_SLACK = timedelta(seconds=30)
# Time for a request we gave up on to land at Twilio before we look for it.
LANDING_TIME = timedelta(seconds=5)
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


def orphan_dead_claims(settings: Settings) -> int:
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


def resolve(sender: MessageSender, settings: Settings, *, owner: str) -> int:
    """Look up every uncertain send that is due; returns how many were taken."""
    taken, token = _take(settings, owner=owner)
    for message in taken:
        since = message.claimed_at - CLOCK_SLACK
        try:
            found = sender.find_sent(
                to_phone=message.to_phone,
                channel=message.channel,
                body=None if message.content_sid else message.body,
                since=since,
            )
        except SendError as exc:
            _lookup_failed(settings, message, token, exc)
            continue
        _settle(settings, message, token, found)
    return len(taken)


def _take(settings: Settings, *, owner: str) -> tuple[list[Uncertain], str]:
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


def _settle(settings: Settings, message: Uncertain, token: str, found: list) -> None:
    """Found: it was sent. Not found: it never left, send it again (unless out of tries)."""
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
                session, [(message.id, token, result, utcnow())], from_state="uncertain", count_attempt=False
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


def _lookup_failed(settings: Settings, message: Uncertain, token: str, exc: SendError) -> None:
    with session_scope() as session:
        row = session.get(OutboxMessage, message.id)
        if row is None or row.state != "uncertain" or row.claim_token != token:
            return
        row.attempts += 1
        row.error_message = f"lookup failed: {exc}"[:500]
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
