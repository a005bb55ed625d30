"""The outbox rows a dispatcher claims, sends and settles: every read and write of them.

The dispatcher (bot/outbox/dispatcher.py) only orchestrates: it claims a batch
(api/due_messages/outbox_claim.py, which uses the pieces here), hands it to the sender, and
reports the outcome here. Claiming is one UPDATE guarded by the row's state (and FOR UPDATE
SKIP LOCKED on PostgreSQL), so several dispatchers never send a row twice. Every later write
of a row checks the claim's token (fencing).
"""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.beneficiaries.phones import mask
from api.carnet.models import CarnetEntry
from api.db import session_scope, utcnow
from api.messaging.delivery import apply_delivery_error
from api.messaging.models import OutboxMessage

log = logging.getLogger(__name__)

# Sent even to a person who opted out: the confirmation of their STOP.
ALWAYS_SENT_KINDS = {"opt_out_confirmation"}
# Time for a request we gave up on to land at Twilio before we look for it.
LANDING_TIME = timedelta(seconds=5)


@dataclass(frozen=True)
class SendResult:
    """What the provider answered for a message it took: its id there, and its status."""

    provider_sid: str
    status: str


@dataclass(frozen=True)
class Claimed:
    """What sending one claimed message needs, read by the claim itself."""

    id: int
    token: str
    beneficiary_id: int | None
    channel: str
    to_phone: str
    body: str
    kind: str
    content_sid: str | None
    content_variables: str | None


@dataclass(frozen=True)
class Failed:
    """A claimed send that failed. `uncertain`: no answer came back, it may have left."""

    id: int
    token: str
    code: str | None
    error: str
    retryable: bool
    uncertain: bool = False


def claim_pending(
    session: Session, *, token: str, owner: str, now: datetime, in_reply_to_id: int | None, limit: int
) -> list[Claimed]:
    """Mark due pending rows 'sending' under this claim's token (flushed, not committed), by id."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if in_reply_to_id is not None:
        due = due.where(OutboxMessage.in_reply_to_id == in_reply_to_id)
    rows = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.state == "pending")
        .values(state="sending", claim_token=token, claim_owner=owner, claimed_at=now)
        .returning(
            OutboxMessage.id,
            OutboxMessage.claim_token,
            OutboxMessage.beneficiary_id,
            OutboxMessage.channel,
            OutboxMessage.to_phone,
            OutboxMessage.body,
            OutboxMessage.kind,
            OutboxMessage.content_sid,
            OutboxMessage.content_variables,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return sorted((Claimed(*row) for row in rows), key=lambda message: message.id)


def reasons_not_to_send(session: Session, *, claimed: list[Claimed]) -> dict[int, str]:
    """Opted out or number known not to receive SMS: checked once per claim, in one query."""
    checked = [m for m in claimed if m.beneficiary_id is not None and m.kind not in ALWAYS_SENT_KINDS]
    if not checked:
        return {}
    flags = {
        row.id: row
        for row in session.execute(
            select(Beneficiary.id, Beneficiary.opted_out, Beneficiary.phone_problem).where(
                Beneficiary.id.in_({m.beneficiary_id for m in checked})
            )
        )
    }
    reasons: dict[int, str] = {}
    for message in checked:
        person = flags.get(message.beneficiary_id)
        if person is None:
            continue
        if person.opted_out:
            reasons[message.id] = "opted out"
        elif person.phone_problem and message.channel == "sms":
            reasons[message.id] = f"phone problem: {person.phone_problem}"
    return reasons


def cancel_claimed(session: Session, *, token: str, reasons: dict[int, str]) -> None:
    """Claimed rows not to send end 'cancelled' with their reason (only while this claim holds them)."""
    if not reasons:
        return
    table = OutboxMessage.__table__
    session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.claim_token == token)
        .values(state="cancelled", error_message=bindparam("b_reason")),
        [{"b_id": message_id, "b_reason": reason} for message_id, reason in reasons.items()],
    )


def mark_sent(
    session: Session,
    *,
    sent: list[tuple[int, str, SendResult, datetime]],
    from_state: str = "sending",
    count_attempt: bool = True,
) -> None:
    """The one way an outbox row becomes 'sent'. (row id, claim token, result, time) each: two
    statements for the whole list.

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


def record_outcomes(
    *,
    sent: list[tuple[int, str, SendResult, datetime]],
    released: list[tuple[int, str]],
    failed: list[Failed],
    max_attempts: int,
) -> None:
    """Write what happened to a chunk of sends, in one transaction: two statements for the
    successes; `released` (not sent: the process stopped while waiting for the cap) go back to
    pending. Only rows still held by the claim that sent them are written (fencing)."""
    with session_scope() as session:
        mark_sent(session, sent=sent)
        if released:
            table = OutboxMessage.__table__
            session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("b_id"), table.c.claim_token == bindparam("b_token"))
                .values(state="pending", claim_token=None, claim_owner=None, claimed_at=None),
                [{"b_id": message_id, "b_token": token} for message_id, token in released],
            )
        for failure in failed:
            message = session.get(OutboxMessage, failure.id)
            if message is not None and message.state == "sending" and message.claim_token == failure.token:
                message.attempts += 1
                _record_failure(session, message, failure, max_attempts=max_attempts)
        session.commit()


def _record_failure(session: Session, message: OutboxMessage, failure: Failed, *, max_attempts: int) -> None:
    message.error_code = failure.code
    message.error_message = failure.error[:500]
    if failure.uncertain:
        # It may have left: look it up at Twilio once it has had time to land, never resend.
        message.state = "uncertain"
        message.claim_token = None
        message.next_attempt_at = utcnow() + LANDING_TIME
        log.warning(
            "send to %s got no answer (%s): it will be looked up", mask(message.to_phone), failure.error
        )
        return
    if failure.retryable and message.attempts < max_attempts:
        backoff = min(300.0, 2.0**message.attempts) * random.uniform(0.5, 1.0)
        message.state = "pending"
        message.next_attempt_at = utcnow() + timedelta(seconds=backoff)
        log.warning("send to %s failed (%s), retry in %.1fs", mask(message.to_phone), failure.error, backoff)
        return
    message.state = "failed"
    log.error("send to %s failed for good: %s", mask(message.to_phone), failure.error)
    apply_delivery_error(session, message=message, code=failure.code)
