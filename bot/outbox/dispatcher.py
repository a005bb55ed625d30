"""Sends what the outbox holds: claims rows, hands them to the sender, reports the result.

The rows are read and written by api/ only: the claim (api/due_messages/outbox_claim.py) is one
UPDATE guarded by the row's state (and FOR UPDATE SKIP LOCKED on PostgreSQL), so several
dispatchers (gateway, schedulers) never send a row twice, and every later write of the row
checks the claim's token (api/messaging/outbox_store.py). The dispatcher beats in the database
while it runs; the claims of one that stopped beating are looked up at Twilio
(bot/outbox/uncertain.py), never released blindly.
"""

import asyncio
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime

from api.config import Settings
from api.db import utcnow
from api.due_messages.outbox_claim import claim_due
from api.messaging import outbox_store, processes
from api.messaging.outbox_store import Claimed, Failed
from bot.outbox import uncertain
from bot.outbox.heartbeat import Heartbeat
from bot.outbox.rate_limit import make_rate_limiter
from bot.outbox.senders import MessageSender, SendError, SendResult
from bot.outbox.shared_rate_limit import RateLimiterClosed

log = logging.getLogger(__name__)

# Results are written this many at a time: a dispatcher that dies between sending and
# recording leaves at most this many (plus those in flight) to be looked up at Twilio.
RESULT_CHUNK = 50


@dataclass(frozen=True)
class Outcome:
    message: Claimed
    result: SendResult | None = None
    error: SendError | None = None
    at: datetime | None = None
    # Not sent: the process stopped while waiting for the cap. The row goes back to pending.
    released: bool = False


class OutboxDispatcher:
    def __init__(self, sender: MessageSender, settings: Settings) -> None:
        self._sender = sender
        self._settings = settings
        self._limiter = make_rate_limiter(settings)
        self._executor = ThreadPoolExecutor(max_workers=settings.outbox_send_concurrency)
        self._wake = asyncio.Event()
        self.owner = uuid.uuid4().hex
        self._heartbeat = Heartbeat(self.owner, settings.outbox_heartbeat_seconds, settings.heartbeat_file)

    def start(self) -> None:
        """Beat while running, and resolve what dispatchers that died left in flight."""
        self._heartbeat.start()
        self.resolve_uncertain()

    def claim(
        self, *, in_reply_to_id: int | None = None, limit: int = 200
    ) -> tuple[list[list[Claimed]], int]:
        """Mark due messages as 'sending' so that no other dispatcher takes them.

        Returns the messages to send grouped by recipient, in order (a person's messages must
        arrive in the order they were written, so each group is sent one after the other), and
        how many rows were claimed: those for a person who opted out, or whose number cannot
        receive SMS, are cancelled in the same transaction.
        """
        now = utcnow()
        if not self._heartbeat.running:  # a claim always has a beat to be judged by
            processes.beat(self.owner)
        to_send, claimed = claim_due(owner=self.owner, now=now, in_reply_to_id=in_reply_to_id, limit=limit)
        by_recipient: dict[str, list[Claimed]] = {}
        for message in to_send:
            by_recipient.setdefault(message.to_phone, []).append(message)
        return list(by_recipient.values()), claimed

    def resolve_uncertain(self) -> int:
        """Claims of dead dispatchers and sends whose answer was lost: looked up at Twilio."""
        uncertain.orphan_dead_claims(self._settings)
        return uncertain.resolve(self._sender, self._settings, owner=self.owner)

    def _send(self, message: Claimed) -> Outcome:
        """Runs in the thread pool: no database work here, only the rate cap and the HTTP call."""
        try:
            self._limiter.wait(self._sender.sender_key(message.channel))
        except RateLimiterClosed:
            return Outcome(message, released=True)
        try:
            result = self._sender.send(
                to_phone=message.to_phone,
                channel=message.channel,
                body=message.body,
                content_sid=message.content_sid,
                content_variables=message.content_variables,
            )
        except SendError as exc:
            return Outcome(message, error=exc)
        except Exception as exc:  # never lose the outcome of a batch to one bug
            return Outcome(
                message, error=SendError(f"{type(exc).__name__}: {exc}", code=None, retryable=True)
            )
        return Outcome(message, result=result, at=utcnow())

    def _send_in_order(self, messages: list[Claimed]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for message in messages:
            if outcomes and outcomes[-1].released:  # the person's later messages wait too
                outcomes.append(Outcome(message, released=True))
            else:
                outcomes.append(self._send(message))
        return outcomes

    def _record(self, outcomes: list[Outcome]) -> None:
        """Report what happened to a chunk of sends (api/messaging/outbox_store.py writes it, only
        where the claim that sent a row still holds it)."""
        outbox_store.record_outcomes(
            sent=[
                (o.message.id, o.message.token, o.result, o.at)
                for o in outcomes
                if o.result is not None and o.at is not None
            ],
            released=[(o.message.id, o.message.token) for o in outcomes if o.released],
            failed=[
                Failed(
                    id=o.message.id,
                    token=o.message.token,
                    code=o.error.code,
                    error=str(o.error),
                    retryable=o.error.retryable,
                    uncertain=o.error.uncertain,
                )
                for o in outcomes
                if o.error is not None
            ],
            max_attempts=self._settings.outbox_max_attempts,
        )

    def dispatch_sync(self, *, in_reply_to_id: int | None = None, limit: int = 200) -> int:
        """Claim and send what is due, several at a time, until nothing is left; returns how many
        rows were claimed."""
        total = 0
        while True:
            groups, claimed = self.claim(in_reply_to_id=in_reply_to_id, limit=limit)
            total += claimed
            futures = [self._executor.submit(self._send_in_order, group) for group in groups]
            done: list[Outcome] = []
            for future in as_completed(futures):
                done.extend(future.result())
                if len(done) >= RESULT_CHUNK:
                    self._record(done)
                    done = []
            if done:
                self._record(done)
            if claimed < limit:
                return total

    async def dispatch(self, *, in_reply_to_id: int | None = None) -> None:
        """Claim and send now (the replies to one message, or everything due)."""
        groups, _ = await asyncio.to_thread(self.claim, in_reply_to_id=in_reply_to_id)
        if not groups:
            return
        loop = asyncio.get_running_loop()
        outcomes = await asyncio.gather(
            *(loop.run_in_executor(self._executor, self._send_in_order, group) for group in groups)
        )
        await asyncio.to_thread(self._record, [outcome for group in outcomes for outcome in group])

    async def run_forever(self) -> None:
        """Poll for due messages (invitations queued by the API, retries, lookups)."""
        await asyncio.to_thread(self.start)
        next_lookup = time.monotonic() + self._settings.outbox_heartbeat_seconds
        while True:
            try:
                # Dead dispatchers are only found by their missed beats, so looking more often
                # than a beat finds nothing new: it only cost a transaction per poll.
                if time.monotonic() >= next_lookup:
                    next_lookup = time.monotonic() + self._settings.outbox_heartbeat_seconds
                    await asyncio.to_thread(self.resolve_uncertain)
                await self.dispatch()
            except Exception:
                log.exception("outbox sweep failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._settings.outbox_poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    def close(self) -> None:
        self._limiter.close()  # a sender waiting for Redis gives its message back
        self._executor.shutdown(wait=True)
        self._heartbeat.stop()
        processes.forget(self.owner)
