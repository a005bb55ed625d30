"""Sends what the outbox holds: claims rows, hands them to the sender, records the result.

Claiming is one UPDATE guarded by the row's state (and FOR UPDATE SKIP LOCKED on
PostgreSQL), so several dispatchers (gateway, schedulers) never send a row twice.
"""

import asyncio
import logging
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update

from api.beneficiaries.models import Beneficiary
from api.beneficiaries.phones import mask
from api.carnet.models import CarnetEntry
from api.config import Settings
from api.db import session_scope, utcnow
from api.messaging.delivery import apply_delivery_error
from api.messaging.models import OutboxMessage
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.senders import MessageSender, SendError

log = logging.getLogger(__name__)

# Sent even to a person who opted out: the confirmation of their STOP.
ALWAYS_SENT_KINDS = {"opt_out_confirmation"}
# A row left 'sending' this long belongs to a dispatcher that died: it goes back to pending.
STALE_CLAIM = timedelta(minutes=5)


class OutboxDispatcher:
    def __init__(self, sender: MessageSender, settings: Settings) -> None:
        self._sender = sender
        self._settings = settings
        self._limiter = RateLimiter(settings.max_messages_per_second)
        self._executor = ThreadPoolExecutor(max_workers=settings.outbox_send_concurrency)
        self._wake = asyncio.Event()

    def claim(self, *, in_reply_to_id: int | None = None, limit: int = 200) -> list[list[int]]:
        """Mark due messages as 'sending' so that no other dispatcher takes them.

        Returns the claimed ids grouped by recipient, in order: a person's messages must
        arrive in the order they were written, so each group is sent one after the other.
        """
        token = uuid.uuid4().hex
        now = utcnow()
        due = (
            select(OutboxMessage.id)
            .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if in_reply_to_id is not None:
            due = due.where(OutboxMessage.in_reply_to_id == in_reply_to_id)
        with session_scope() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.state == "pending")
                .values(state="sending", claim_token=token, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            claimed = session.execute(
                select(OutboxMessage.id, OutboxMessage.to_phone)
                .where(OutboxMessage.claim_token == token)
                .order_by(OutboxMessage.id)
            )
            by_recipient: dict[str, list[int]] = {}
            for message_id, to_phone in claimed:
                by_recipient.setdefault(to_phone, []).append(message_id)
            return list(by_recipient.values())

    def release_stale_claims(self) -> int:
        """Give back rows claimed by a dispatcher that died before sending them."""
        with session_scope() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == "sending", OutboxMessage.claimed_at < utcnow() - STALE_CLAIM)
                .values(state="pending", claim_token=None)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            return result.rowcount

    def deliver(self, message_id: int) -> None:
        """Send one claimed message and record what happened."""
        with session_scope() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.state != "sending":
                return
            reason = self._reason_not_to_send(session, message)
            if reason is not None:
                message.state = "cancelled"
                message.error_message = reason
                session.commit()
                return
            message.attempts += 1
            self._limiter.wait(self._sender.sender_key(message.channel))
            try:
                result = self._sender.send(
                    to_phone=message.to_phone,
                    channel=message.channel,
                    body=message.body,
                    content_sid=message.content_sid,
                    content_variables=message.content_variables,
                )
            except SendError as exc:
                self._record_failure(session, message, exc)
                session.commit()
                return
            message.state = "sent"
            message.provider_sid = result.provider_sid
            message.delivery_status = message.delivery_status or result.status
            message.sent_at = utcnow()
            entry = session.scalar(select(CarnetEntry).where(CarnetEntry.outbox_message_id == message.id))
            if entry is not None:
                entry.provider_sid = result.provider_sid
            session.commit()

    @staticmethod
    def _reason_not_to_send(session, message: OutboxMessage) -> str | None:
        if message.beneficiary_id is None or message.kind in ALWAYS_SENT_KINDS:
            return None
        beneficiary = session.get(Beneficiary, message.beneficiary_id)
        if beneficiary is None:
            return None
        if beneficiary.opted_out:
            return "opted out"
        if beneficiary.phone_problem and message.channel == "sms":
            return f"phone problem: {beneficiary.phone_problem}"
        return None

    def _record_failure(self, session, message: OutboxMessage, exc: SendError) -> None:
        message.error_code = exc.code
        message.error_message = str(exc)[:500]
        if exc.retryable and message.attempts < self._settings.outbox_max_attempts:
            backoff = min(300.0, 2.0**message.attempts) * random.uniform(0.5, 1.0)
            message.state = "pending"
            message.next_attempt_at = utcnow() + timedelta(seconds=backoff)
            log.warning("send to %s failed (%s), retry in %.1fs", mask(message.to_phone), exc, backoff)
            return
        message.state = "failed"
        log.error("send to %s failed for good: %s", mask(message.to_phone), exc)
        apply_delivery_error(session, message=message, code=exc.code)

    def deliver_in_order(self, message_ids: list[int]) -> None:
        for message_id in message_ids:
            self.deliver(message_id)

    def dispatch_sync(self, *, in_reply_to_id: int | None = None) -> int:
        """Claim and send what is due, several recipients at a time; returns how many were claimed."""
        groups = self.claim(in_reply_to_id=in_reply_to_id)
        list(self._executor.map(self.deliver_in_order, groups))
        return sum(len(group) for group in groups)

    async def dispatch(self, *, in_reply_to_id: int | None = None) -> None:
        """Claim and send now (the replies to one message, or everything due)."""
        groups = await asyncio.to_thread(self.claim, in_reply_to_id=in_reply_to_id)
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._executor, self.deliver_in_order, g) for g in groups)
        )

    async def run_forever(self) -> None:
        """Poll for due messages (invitations queued by the API, retries)."""
        await asyncio.to_thread(self.release_stale_claims)
        while True:
            try:
                await self.dispatch()
            except Exception:
                log.exception("outbox sweep failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._settings.outbox_poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    def close(self) -> None:
        self._executor.shutdown(wait=True)
