"""Handles stored inbound messages in the background, one at a time per sender.

The database is the queue: a worker per sender takes that sender's oldest unhandled
message until none is left, so order holds and a restart loses nothing. With several
gateways, the worker first takes the sender's lease (api/messaging/sender_leases.py): one
gateway at a time handles a person's messages, and a killed gateway's senders are taken over.
The rows are read and written by api/inbound/handling.py, one transaction per call.

Each handling is counted before it begins (a crash in the middle counts too). A message that
fails SPIE_INBOUND_MAX_ATTEMPTS times is given up into the professionals' queue, and only then
do the sender's later messages pass it. A database error never ends a worker: it logs, waits
(longer each time, up to BACKOFF_MAX_SECONDS) and tries again with a new connection.
"""

import asyncio
import logging
import traceback
from datetime import timedelta

from api.beneficiaries.phones import mask
from api.botapi import voucher
from api.config import Settings
from api.inbound import handling, triage
from api.messaging.inbound import AlreadyProcessed
from bot.outbox.dispatcher import OutboxDispatcher
from bot.rasa_client import RasaClient, RasaUnavailable

log = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0


def backoff_seconds(failures: int) -> float:
    """How long a worker waits after its `failures`-th failure in a row."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(0, failures - 1))


class InboundProcessor:
    def __init__(self, *, rasa: RasaClient, dispatcher: OutboxDispatcher, settings: Settings) -> None:
        self._rasa = rasa
        self._dispatcher = dispatcher
        self._settings = settings
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._more_for: set[str] = set()

    def submit(self, from_phone: str) -> None:
        """A message from this sender was stored: make sure a worker will handle it."""
        self._more_for.add(from_phone)
        if from_phone not in self._workers:
            self._workers[from_phone] = asyncio.create_task(self._work(from_phone))

    def resume_unfinished(self) -> None:
        """After a restart: handle what was stored but not handled."""
        for phone in self._senders_waiting():
            self.submit(phone)

    async def keep_resuming(self, interval: float) -> None:
        """Now and then, take up senders nobody handles: a killed gateway's, or any left behind."""
        while True:
            await asyncio.sleep(interval)
            try:
                for phone in await asyncio.to_thread(self._senders_waiting):
                    self.submit(phone)
            except Exception:
                log.exception("looking for unhandled inbound messages failed")

    @staticmethod
    def _senders_waiting() -> list[str]:
        return handling.senders_waiting()

    async def drain(self) -> None:
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def _work(self, from_phone: str) -> None:
        failures = 0
        try:
            while True:
                self._more_for.discard(from_phone)
                try:
                    if not await asyncio.to_thread(self._take_lease, from_phone):
                        return  # another gateway handles this sender; it looks again after releasing
                    inbound_id = await asyncio.to_thread(self._next_id, from_phone)
                    if inbound_id is None:
                        await asyncio.to_thread(self._release_lease, from_phone)
                        # Stored while we released (here or at another gateway): go on.
                        if (
                            from_phone in self._more_for
                            or await asyncio.to_thread(self._next_id, from_phone) is not None
                        ):
                            continue
                        return
                    await self._handle(inbound_id)
                    failures = 0
                except Exception:
                    # A database error, a bug: the message stays (or was given up); never die.
                    failures += 1
                    log.exception("inbound worker for %s failed (%d in a row)", mask(from_phone), failures)
                    await asyncio.sleep(backoff_seconds(failures))
        finally:
            self._workers.pop(from_phone, None)

    def _take_lease(self, from_phone: str) -> bool:
        return handling.take_lease(
            phone=from_phone,
            owner=self._dispatcher.owner,
            dead_after=timedelta(seconds=self._settings.outbox_dead_after_seconds),
        )

    def _release_lease(self, from_phone: str) -> None:
        handling.release_lease(phone=from_phone, owner=self._dispatcher.owner)

    @staticmethod
    def _next_id(from_phone: str) -> int | None:
        return handling.next_id(from_phone=from_phone)

    async def _handle(self, inbound_id: int) -> None:
        if await asyncio.to_thread(self._begin_attempt, inbound_id):
            try:
                await self._attempt(inbound_id)
            except Exception as exc:
                error = "".join(traceback.format_exception_only(exc)).strip()
                log.error("handling inbound message %s failed: %s", inbound_id, error)
                await asyncio.to_thread(self._attempt_failed, inbound_id, error)
                raise
        await self._dispatcher.dispatch(in_reply_to_id=inbound_id)

    def _begin_attempt(self, inbound_id: int) -> bool:
        """Count this handling before it begins; False when the message needs none (done, or given up now)."""
        return handling.begin(inbound_id=inbound_id, max_attempts=self._settings.inbound_max_attempts)

    def _attempt_failed(self, inbound_id: int, error: str) -> None:
        handling.attempt_failed(
            inbound_id=inbound_id, error=error, max_attempts=self._settings.inbound_max_attempts
        )

    def _triage(self, inbound_id: int) -> triage.ForwardToRasa | None:
        return handling.triage_message(inbound_id=inbound_id, settings=self._settings)

    async def _attempt(self, inbound_id: int) -> None:
        try:
            forward = await asyncio.to_thread(self._triage, inbound_id)
        except AlreadyProcessed:
            return  # another handling finished it first; what this one did rolled back
        if forward is None:
            return
        signed = voucher.sign(
            self._settings.gateway_signing_key,
            beneficiary_id=forward.beneficiary_id,
            inbound_id=inbound_id,
            text=forward.text,
        )
        metadata = {
            "voucher": signed,
            "channel": forward.channel,
            "questionnaire_pending": forward.questionnaire_pending,
        }
        try:
            reply = await self._rasa.send(
                sender=f"b-{forward.beneficiary_id}", text=forward.text, metadata=metadata
            )
        except RasaUnavailable as exc:
            log.error("Rasa failed on message %s: %s", inbound_id, exc)
            await asyncio.to_thread(self._record, triage.record_rasa_failure, forward=forward, error=str(exc))
        else:
            escalations = [c["escalate"] for c in reply.custom if isinstance(c.get("escalate"), str)]
            await asyncio.to_thread(
                self._record,
                triage.record_rasa_reply,
                forward=forward,
                texts_out=reply.texts,
                escalations=escalations,
                opt_out=any(c.get("opt_out") is True for c in reply.custom),
            )

    @staticmethod
    def _record(function, **kwargs) -> None:
        """Record the outcome and mark the message handled in one transaction, once."""
        handling.record(function, **kwargs)
