"""Inbound effects run once, whatever crashes (issue 11, point 1).

The real gateway worker (bot/inbound.py) handles stored messages against the real internal bot
API (api/internal_main.py, over HTTP through a TestClient). Rasa and its action server are
replaced by `ActionsLikeRasa`, which calls the API with the gateway's voucher the way the
actions do, and can fail after the API committed an effect: the gateway then runs the message
again, as it does after a crash. The processes themselves are killed in
tests/bot/test_inbound_processes.py.
"""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from api.agenda.models import Slot
from api.appointments.models import Appointment
from api.botapi import voucher as vouchers
from api.carnet.models import CarnetEntry
from api.config import get_settings
from api.db import get_engine, session_scope
from api.handoffs.models import HandoffRequest
from api.inbound import triage
from api.internal_main import create_internal_app
from api.invitations import service as invitation_service
from api.messaging import texts
from api.messaging.inbound import record_inbound
from api.messaging.models import InboundEffect, InboundMessage, OutboxMessage
from bot.inbound import InboundProcessor
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.senders import LocalSender
from bot.rasa_client import RasaReply
from tests.api import factories as f

PARIS = ZoneInfo("Europe/Paris")

# What the actions would call for each text (actions/booking.py, appointment.py, handoff.py).
Route = tuple[str, dict[str, Any]]


def route(text: str) -> Route:
    if text.startswith("boum"):
        raise RuntimeError("this message breaks the conversation")
    if text.startswith("annuler"):
        return "/internal/bot/appointment-reply", {"intent": "cancel_appointment", "text": text}
    if text.startswith("oui"):
        return "/internal/bot/appointment-reply", {"intent": "affirm", "text": text}
    if text.startswith("conseiller"):
        return "/internal/bot/handoff", {"reason": "asked_human", "text": text}
    if text.startswith("voiture"):
        return "/internal/bot/barrier", {"group": "mobilite", "text": text}
    return "/internal/bot/slot-choice", {"text": text}


class ActionsLikeRasa:
    """Rasa and the action server for these tests: one API call per message, with the voucher.

    `fail_after_effect` turns fail after the API answered (its effect committed), before the
    gateway could record the reply: what a crash of the gateway or of Rasa at that moment leaves.
    """

    def __init__(self, internal: TestClient, fail_after_effect: int = 0) -> None:
        self.internal = internal
        self.fail_after_effect = fail_after_effect
        self.answers: list[dict[str, Any]] = []

    async def send(self, *, sender: str, text: str, metadata: dict[str, Any]) -> RasaReply:
        signed = vouchers.verify(get_settings().gateway_signing_key, metadata["voucher"])
        path, body = route(text)
        response = await asyncio.to_thread(
            self.internal.post,
            path,
            json={**body, "beneficiary_id": signed.beneficiary_id},
            headers={"X-Bot-Token": get_settings().bot_token, "X-Spie-Voucher": metadata["voucher"]},
        )
        assert response.status_code == 200, response.text
        self.answers.append(response.json())
        if self.fail_after_effect:
            self.fail_after_effect -= 1
            raise RuntimeError("crashed after the effect was committed")
        return RasaReply(texts=[f"{path.rsplit('/', 1)[-1]}: {response.json().get('outcome', 'ok')}"])


@pytest.fixture
def internal() -> Iterator[TestClient]:
    with TestClient(create_internal_app()) as client:
        yield client


def processor(rasa: ActionsLikeRasa) -> InboundProcessor:
    settings = get_settings()
    return InboundProcessor(
        rasa=rasa, dispatcher=OutboxDispatcher(LocalSender(), settings), settings=settings
    )  # type: ignore[arg-type]


def invited_person() -> tuple[int, str, list[int]]:
    """A person invited to 4 slots (committed): (beneficiary id, phone, slot ids)."""
    now = datetime.now(UTC)
    with session_scope() as session:
        org = f.organisation(session)
        org.sending_start_hour, org.sending_end_hour = 0, 24
        org.sending_weekdays, org.skip_public_holidays = "0123456", False
        org.questionnaire_enabled = False
        place, motif = f.place(session, org), f.motif(session, org)
        slots = f.slots(session, place, motif, f.weekday_starts(now, PARIS, 6))
        person = f.beneficiary(session, org)
        invitation_service.create_invitation(
            session, beneficiary_id=person.id, motif_id=motif.id, now=now, place_id=place.id
        )
        session.commit()
        return person.id, person.phone, [slot.id for slot in slots]


def store(phone: str, body: str) -> int:
    with session_scope() as session:
        inbound, _ = record_inbound(
            session,
            message_sid=f"SM{abs(hash((phone, body, datetime.now(UTC)))):032d}"[:34],
            channel="sms",
            from_phone=phone,
            to_address="38123",
            body=body,
            num_media=0,
        )
        session.commit()
        return inbound.id


def handle(gateway: InboundProcessor, phone: str) -> None:
    async def run() -> None:
        gateway.submit(phone)
        await gateway.drain()

    asyncio.run(run())


def count(model: type, *where: Any) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def inbound(inbound_id: int) -> InboundMessage:
    with session_scope() as session:
        message = session.get(InboundMessage, inbound_id)
        assert message is not None
        return message


def replies_to(inbound_id: int) -> list[str]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.in_reply_to_id == inbound_id)
                .order_by(OutboxMessage.id)
            )
        )


def carnet_kinds(person_id: int, kind: str) -> int:
    return count(CarnetEntry, CarnetEntry.beneficiary_id == person_id, CarnetEntry.kind == kind)


def test_a_booking_run_again_after_a_crash_books_once(internal: TestClient) -> None:
    person_id, phone, slot_ids = invited_person()
    rasa = ActionsLikeRasa(internal, fail_after_effect=1)
    message_id = store(phone, "1")
    handle(processor(rasa), phone)

    assert [answer["outcome"] for answer in rasa.answers] == ["booked", "booked"]
    assert rasa.answers[0] == rasa.answers[1]
    assert count(Appointment, Appointment.beneficiary_id == person_id) == 1
    with session_scope() as session:
        assert session.get(Slot, slot_ids[0]).booked_count == 1
    assert carnet_kinds(person_id, "appointment_booked") == 1
    assert carnet_kinds(person_id, "inbound_message") == 1  # triage did not note it twice
    done = inbound(message_id)
    assert (done.state, done.outcome, done.attempts) == ("done", "answered_by_rasa", 2)
    assert "crashed after the effect" in (done.last_error or "")
    assert replies_to(message_id) == ["slot-choice: booked"]


def test_a_cancellation_run_again_cancels_once(internal: TestClient) -> None:
    person_id, phone, slot_ids = invited_person()
    store(phone, "1")
    handle(processor(ActionsLikeRasa(internal)), phone)

    # "annuler" cancels; run again after a crash, the stored answer is replayed.
    rasa = ActionsLikeRasa(internal, fail_after_effect=1)
    cancelled = store(phone, "annuler le rdv")
    handle(processor(rasa), phone)
    assert [answer["outcome"] for answer in rasa.answers] == ["cancelled"] * 2
    with session_scope() as session:
        appointment = session.scalar(select(Appointment).where(Appointment.beneficiary_id == person_id))
        assert appointment.status == "excused"
        assert session.get(Slot, slot_ids[0]).booked_count == 0
    assert carnet_kinds(person_id, "appointment_excused") == 1
    assert replies_to(cancelled) == ["appointment-reply: cancelled"]

    # Said again, there is nothing left to cancel: nothing changes.
    rasa = ActionsLikeRasa(internal)
    store(phone, "annuler")
    handle(processor(rasa), phone)
    assert [answer["outcome"] for answer in rasa.answers] == ["not_applicable"]
    assert carnet_kinds(person_id, "appointment_excused") == 1


def test_a_confirmation_a_handoff_and_a_barrier_run_again_act_once(internal: TestClient) -> None:
    person_id, phone, _ = invited_person()
    store(phone, "1")
    handle(processor(ActionsLikeRasa(internal)), phone)
    for text, effect in (("oui", "appointment_reply"), ("conseiller svp", "handoff"), ("voiture", "barrier")):
        rasa = ActionsLikeRasa(internal, fail_after_effect=2)
        message_id = store(phone, text)
        handle(processor(rasa), phone)
        assert len(rasa.answers) == 3 and rasa.answers.count(rasa.answers[0]) == 3
        assert count(InboundEffect, InboundEffect.inbound_message_id == message_id) == 2  # forwarded + effect
        assert count(
            InboundEffect, InboundEffect.inbound_message_id == message_id, InboundEffect.effect == effect
        )
        assert len(replies_to(message_id)) == 1
        assert inbound(message_id).attempts == 3
    assert carnet_kinds(person_id, "appointment_confirmed") == 1
    # One queue entry for the person: the handoff once, and the barrier's "no offer nearby" once.
    with session_scope() as session:
        queued = session.scalars(
            select(HandoffRequest).where(HandoffRequest.beneficiary_id == person_id)
        ).all()
    assert len(queued) == 1 and queued[0].text.count("conseiller svp") == 1
    assert carnet_kinds(person_id, "handoff_requested") == 1 + queued[0].text.count("[no_offer]")
    assert carnet_kinds(person_id, "barrier") == 1


def test_stop_and_an_unknown_number_act_once_even_handled_twice() -> None:
    person_id, phone, _ = invited_person()
    settings = get_settings()
    stop = store(phone, "STOP")
    unknown_phone = f.next_mobile()
    unknown = store(unknown_phone, "bonjour c'est moi")
    for message_id in (stop, unknown):
        for _ in range(2):  # a second handling (another worker, a replay) finds it done
            with session_scope() as session:
                message = session.get(InboundMessage, message_id)
                try:
                    triage.triage(session, inbound=message, settings=settings)
                    session.commit()
                except Exception as exc:
                    assert type(exc).__name__ == "AlreadyProcessed"
    assert inbound(stop).outcome == "opted_out"
    assert replies_to(stop) == [texts.OPTED_OUT]
    assert carnet_kinds(person_id, "inbound_message") == 1
    assert replies_to(unknown) == [texts.UNKNOWN_NUMBER]
    assert count(HandoffRequest, HandoffRequest.phone == unknown_phone) == 1
    assert count(HandoffRequest, HandoffRequest.inbound_message_id == unknown) == 1


def test_recording_rasa_reply_twice_queues_it_once(internal: TestClient) -> None:
    _, phone, _ = invited_person()
    message_id = store(phone, "conseiller")
    with session_scope() as session:
        forward = triage.triage(
            session, inbound=session.get(InboundMessage, message_id), settings=get_settings()
        )
        session.commit()
    assert forward is not None
    for _ in range(2):
        InboundProcessor._record(
            triage.record_rasa_reply, forward=forward, texts_out=["Bien noté."], escalations=[]
        )
    assert replies_to(message_id) == ["Bien noté."]


def test_a_message_failing_every_attempt_goes_to_the_queue_and_the_next_one_is_answered(
    internal: TestClient,
) -> None:
    person_id, phone, _ = invited_person()
    broken = store(phone, "boum 💥 mon message")
    after = store(phone, "1")
    handle(processor(ActionsLikeRasa(internal)), phone)

    failed = inbound(broken)
    assert (failed.state, failed.outcome, failed.attempts) == (
        "done",
        "failed",
        get_settings().inbound_max_attempts,
    )
    assert "this message breaks the conversation" in (failed.last_error or "")
    with session_scope() as session:
        queued = session.scalar(select(HandoffRequest).where(HandoffRequest.beneficiary_id == person_id))
        assert queued.reason == "processing_failed" and queued.text == "boum 💥 mon message"
    assert replies_to(broken) == [texts.TECHNICAL_PROBLEM]
    # The next message waited for the broken one to be given up, then was answered.
    answered = inbound(after)
    assert (answered.state, answered.outcome) == ("done", "answered_by_rasa")
    assert answered.processed_at > failed.processed_at
    assert replies_to(after) == ["slot-choice: booked"]


def test_a_message_whose_attempts_ended_with_the_process_is_given_up_at_restart(internal: TestClient) -> None:
    _, phone, _ = invited_person()
    message_id = store(phone, "1")
    with session_scope() as session:  # three handlings began, and each died with its process
        session.get(InboundMessage, message_id).attempts = get_settings().inbound_max_attempts
        session.commit()
    rasa = ActionsLikeRasa(internal)
    handle(processor(rasa), phone)
    assert rasa.answers == []
    assert inbound(message_id).outcome == "failed"
    # Never triaged, yet its sender is known: queued under the person, who gets the apology.
    with session_scope() as session:
        queued = session.scalar(select(HandoffRequest).where(HandoffRequest.inbound_message_id == message_id))
        assert (queued.reason, queued.text) == ("processing_failed", "1")
        person_id = inbound(message_id).beneficiary_id
        assert person_id is not None and queued.beneficiary_id == person_id
        replies = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.in_reply_to_id == message_id)
        )
        assert list(replies) == [texts.TECHNICAL_PROBLEM]


class DatabaseOutage:
    """Every statement fails with OperationalError until `end()`: the database is unreachable."""

    def __init__(self) -> None:
        self.failed = 0
        self.engine = get_engine()
        event.listen(self.engine, "before_cursor_execute", self._refuse)

    def _refuse(self, *args: Any) -> None:
        self.failed += 1
        raise OperationalError("SELECT", {}, ConnectionError("database unreachable"))

    def end(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._refuse)


def test_the_worker_survives_a_database_outage_and_handles_the_message_after(internal: TestClient) -> None:
    _, phone, _ = invited_person()
    message_id = store(phone, "1")
    gateway = processor(ActionsLikeRasa(internal))

    async def run() -> int:
        outage = DatabaseOutage()
        try:
            gateway.submit(phone)  # its first look for work fails, and the next ones
            await asyncio.sleep(2)
        finally:
            outage.end()
        await gateway.drain()
        return outage.failed

    failed_statements = asyncio.run(run())
    assert failed_statements >= 2  # the worker tried, backed off, tried again
    done = inbound(message_id)
    assert (done.state, done.outcome, done.attempts) == ("done", "answered_by_rasa", 1)
    assert replies_to(message_id) == ["slot-choice: booked"]


def test_order_is_kept_while_a_message_is_retried(internal: TestClient) -> None:
    _, phone, _ = invited_person()
    first = store(phone, "conseiller")
    second = store(phone, "voiture")
    third = store(phone, "1")
    handle(processor(ActionsLikeRasa(internal, fail_after_effect=2)), phone)
    messages = [inbound(message_id) for message_id in (first, second, third)]
    assert [m.attempts for m in messages] == [3, 1, 1]
    assert [m.outcome for m in messages] == ["answered_by_rasa"] * 3
    assert messages[0].processed_at < messages[1].processed_at < messages[2].processed_at
