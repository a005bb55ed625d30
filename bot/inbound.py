"""Handles stored inbound messages in the background, one at a time per sender.

The database is the queue: a worker per sender takes that sender's oldest unhandled
message until none is left, so order holds and a restart loses nothing.
"""

import asyncio
import logging

from api.beneficiaries.phones import mask
from api.botapi import voucher
from api.config import Settings
from api.db import session_scope
from api.messaging.inbound import next_unprocessed, senders_with_unprocessed
from api.messaging.models import InboundMessage
from bot import triage
from bot.outbox.dispatcher import OutboxDispatcher
from bot.rasa_client import RasaClient, RasaUnavailable

log = logging.getLogger(__name__)


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
        with session_scope() as session:
            for phone in senders_with_unprocessed(session):
                self.submit(phone)

    async def drain(self) -> None:
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def _work(self, from_phone: str) -> None:
        try:
            while True:
                self._more_for.discard(from_phone)
                inbound_id = await asyncio.to_thread(self._next_id, from_phone)
                if inbound_id is None:
                    if from_phone in self._more_for:
                        continue
                    return
                try:
                    await self._handle(inbound_id)
                except Exception:
                    log.exception("handling inbound message %s from %s failed", inbound_id, mask(from_phone))
                    await asyncio.sleep(1)
        finally:
            self._workers.pop(from_phone, None)

    @staticmethod
    def _next_id(from_phone: str) -> int | None:
        with session_scope() as session:
            message = next_unprocessed(session, from_phone=from_phone)
            return message.id if message else None

    def _triage(self, inbound_id: int) -> triage.ForwardToRasa | None:
        with session_scope() as session:
            inbound = session.get(InboundMessage, inbound_id)
            assert inbound is not None
            forward = triage.triage(session, inbound=inbound, settings=self._settings)
            session.commit()
            return forward

    async def _handle(self, inbound_id: int) -> None:
        forward = await asyncio.to_thread(self._triage, inbound_id)
        if forward is not None:
            signed = voucher.sign(
                self._settings.gateway_signing_key,
                beneficiary_id=forward.beneficiary_id,
                inbound_id=inbound_id,
                text=forward.text,
            )
            metadata = {"voucher": signed, "channel": forward.channel}
            try:
                reply = await self._rasa.send(
                    sender=f"b-{forward.beneficiary_id}", text=forward.text, metadata=metadata
                )
            except RasaUnavailable as exc:
                log.error("Rasa failed on message %s: %s", inbound_id, exc)
                await asyncio.to_thread(
                    self._record, triage.record_rasa_failure, forward=forward, error=str(exc)
                )
            else:
                escalations = [c["escalate"] for c in reply.custom if isinstance(c.get("escalate"), str)]
                await asyncio.to_thread(
                    self._record,
                    triage.record_rasa_reply,
                    forward=forward,
                    texts_out=reply.texts,
                    escalations=escalations,
                )
        await self._dispatcher.dispatch(in_reply_to_id=inbound_id)

    @staticmethod
    def _record(function, **kwargs) -> None:
        with session_scope() as session:
            function(session, **kwargs)
            session.commit()
