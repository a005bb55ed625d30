"""Sends what the outbox holds: claims rows, hands them to the sender, records the result."""

import asyncio
import logging
import random
from datetime import timedelta

from sqlalchemy import select

from api.beneficiaries.models import Beneficiary
from api.beneficiaries.phones import mask
from api.carnet.models import CarnetEntry
from api.config import Settings
from api.db import session_scope, utcnow
from api.messaging.models import OutboxMessage
from bot.outbox.senders import MessageSender, SendError

log = logging.getLogger(__name__)

# Sent even to a person who opted out: the confirmation of their STOP.
ALWAYS_SENT_KINDS = {"opt_out_confirmation"}


class OutboxDispatcher:
    def __init__(self, sender: MessageSender, settings: Settings) -> None:
        self._sender = sender
        self._settings = settings
        self._wake = asyncio.Event()

    def claim(self, *, in_reply_to_id: int | None = None, limit: int = 50) -> list[int]:
        """Mark due messages as 'sending' so that no other dispatcher takes them."""
        with session_scope() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= utcnow())
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            if in_reply_to_id is not None:
                query = query.where(OutboxMessage.in_reply_to_id == in_reply_to_id)
            messages = list(session.scalars(query))
            for message in messages:
                message.state = "sending"
            session.commit()
            return [message.id for message in messages]

    def deliver(self, message_id: int) -> None:
        """Send one claimed message and record what happened."""
        with session_scope() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.state != "sending":
                return
            if message.beneficiary_id is not None and message.kind not in ALWAYS_SENT_KINDS:
                beneficiary = session.get(Beneficiary, message.beneficiary_id)
                if beneficiary is not None and beneficiary.opted_out:
                    message.state = "cancelled"
                    message.error_message = "opted out"
                    session.commit()
                    return
            message.attempts += 1
            try:
                result = self._sender.send(
                    to_phone=message.to_phone, channel=message.channel, body=message.body
                )
            except SendError as exc:
                self._record_failure(message, exc)
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

    def _record_failure(self, message: OutboxMessage, exc: SendError) -> None:
        message.error_code = exc.code
        message.error_message = str(exc)[:500]
        if exc.retryable and message.attempts < self._settings.outbox_max_attempts:
            backoff = min(300.0, 2.0**message.attempts) * random.uniform(0.5, 1.0)
            message.state = "pending"
            message.next_attempt_at = utcnow() + timedelta(seconds=backoff)
            log.warning("send to %s failed (%s), retry in %.0fs", mask(message.to_phone), exc, backoff)
        else:
            message.state = "failed"
            log.error("send to %s failed for good: %s", mask(message.to_phone), exc)

    async def dispatch(self, *, in_reply_to_id: int | None = None) -> None:
        """Claim and send now (the replies to one message, or everything due)."""
        claimed = await asyncio.to_thread(self.claim, in_reply_to_id=in_reply_to_id)
        for message_id in claimed:
            await asyncio.to_thread(self.deliver, message_id)

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        """Poll for due messages (invitations queued by the API, retries)."""
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
