"""Sends what the outbox holds: claims rows, hands them to the sender, records the result.

Claiming is one UPDATE guarded by the row's state (and FOR UPDATE SKIP LOCKED on
PostgreSQL), so several dispatchers (gateway, schedulers) never send a row twice. Every
later write of the row checks the claim's token (fencing). The dispatcher beats in the
database while it runs; the claims of one that stopped beating are looked up at Twilio
(bot/outbox/uncertain.py), never released blindly.
"""

import asyncio
import logging
import random
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from api.beneficiaries.models import Beneficiary
from api.beneficiaries.phones import mask
from api.config import Settings
from api.db import session_scope, utcnow
from api.due_messages import still_due
from api.messaging import processes
from api.messaging.delivery import apply_delivery_error
from api.messaging.models import OutboxMessage
from bot.outbox import uncertain
from bot.outbox.heartbeat import Heartbeat
from bot.outbox.rate_limit import make_rate_limiter
from bot.outbox.records import mark_sent
from bot.outbox.senders import MessageSender, SendError, SendResult
from bot.outbox.shared_rate_limit import RateLimiterClosed

log = logging.getLogger(__name__)

# Sent even to a person who opted out: the confirmation of their STOP.
ALWAYS_SENT_KINDS = {"opt_out_confirmation"}
# Results are written this many at a time: a dispatcher that dies between sending and
# recording leaves at most this many (plus those in flight) to be looked up at Twilio.
RESULT_CHUNK = 50


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
        token = uuid.uuid4().hex
        now = utcnow()
        if not self._heartbeat.running:  # a claim always has a beat to be judged by
            processes.beat(self.owner)
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
            rows = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.state == "pending")
                .values(state="sending", claim_token=token, claim_owner=self.owner, claimed_at=now)
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
            claimed = sorted((Claimed(*row) for row in rows), key=lambda message: message.id)
            reasons = self._reasons_not_to_send(session, claimed)
            # Only what the scheduler and invitations queue can go stale: replies skip the check.
            still_checked = [
                message.id
                for message in claimed
                if message.id not in reasons and message.kind in still_due.CHECKED_KINDS
            ]
            if still_checked:
                reasons |= still_due.withhold_stale(session, still_checked, now=now)
            if reasons:
                table = OutboxMessage.__table__
                session.connection().execute(
                    update(table)
                    .where(table.c.id == bindparam("b_id"), table.c.claim_token == token)
                    .values(state="cancelled", error_message=bindparam("b_reason")),
                    [{"b_id": message_id, "b_reason": reason} for message_id, reason in reasons.items()],
                )
            session.commit()
        by_recipient: dict[str, list[Claimed]] = {}
        for message in claimed:
            if message.id not in reasons:
                by_recipient.setdefault(message.to_phone, []).append(message)
        return list(by_recipient.values()), len(claimed)

    def resolve_uncertain(self) -> int:
        """Claims of dead dispatchers and sends whose answer was lost: looked up at Twilio."""
        uncertain.orphan_dead_claims(self._settings)
        return uncertain.resolve(self._sender, self._settings, owner=self.owner)

    @staticmethod
    def _reasons_not_to_send(session, claimed: list[Claimed]) -> dict[int, str]:
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
        """Write what happened to a chunk of sends: two statements for the successes. Only
        rows still held by the claim that sent them are written (fencing)."""
        with session_scope() as session:
            mark_sent(
                session,
                [
                    (o.message.id, o.message.token, o.result, o.at)
                    for o in outcomes
                    if o.result is not None and o.at is not None
                ],
            )
            released = [(o.message.id, o.message.token) for o in outcomes if o.released]
            if released:
                table = OutboxMessage.__table__
                session.connection().execute(
                    update(table)
                    .where(table.c.id == bindparam("b_id"), table.c.claim_token == bindparam("b_token"))
                    .values(state="pending", claim_token=None, claim_owner=None, claimed_at=None),
                    [{"b_id": message_id, "b_token": token} for message_id, token in released],
                )
            for outcome in outcomes:
                if outcome.error is not None:
                    message = session.get(OutboxMessage, outcome.message.id)
                    if (
                        message is not None
                        and message.state == "sending"
                        and message.claim_token == outcome.message.token
                    ):
                        message.attempts += 1
                        self._record_failure(session, message, outcome.error)
            session.commit()

    def _record_failure(self, session, message: OutboxMessage, exc: SendError) -> None:
        message.error_code = exc.code
        message.error_message = str(exc)[:500]
        if exc.uncertain:
            # It may have left: look it up at Twilio once it has had time to land, never resend.
            message.state = "uncertain"
            message.claim_token = None
            message.next_attempt_at = utcnow() + uncertain.LANDING_TIME
            log.warning("send to %s got no answer (%s): it will be looked up", mask(message.to_phone), exc)
            return
        if exc.retryable and message.attempts < self._settings.outbox_max_attempts:
            backoff = min(300.0, 2.0**message.attempts) * random.uniform(0.5, 1.0)
            message.state = "pending"
            message.next_attempt_at = utcnow() + timedelta(seconds=backoff)
            log.warning("send to %s failed (%s), retry in %.1fs", mask(message.to_phone), exc, backoff)
            return
        message.state = "failed"
        log.error("send to %s failed for good: %s", mask(message.to_phone), exc)
        apply_delivery_error(session, message=message, code=exc.code)

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
        while True:
            try:
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
