"""The workers' transactions on stored inbound messages: attempts counted first, given up once."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from api.carnet.models import CarnetEntry
from api.db import session_scope
from api.handoffs.models import HandoffRequest
from api.inbound import handling
from api.messaging import processes, texts
from api.messaging.inbound import record_inbound
from api.messaging.models import InboundMessage, OutboxMessage
from tests.api import factories as f


def stored(body: str = "bonjour") -> tuple[int, str]:
    """A message from a known person, stored and not handled: (inbound id, phone)."""
    with session_scope() as session:
        person = f.beneficiary(session, f.organisation(session))
        inbound, _ = record_inbound(
            session,
            message_sid=f"SMtest{uuid.uuid4().hex[:26]}",
            channel="sms",
            from_phone=person.phone,
            to_address="38123",
            body=body,
            num_media=0,
        )
        session.commit()
        return inbound.id, person.phone


def message(inbound_id: int) -> InboundMessage:
    with session_scope() as session:
        found = session.get(InboundMessage, inbound_id)
        assert found is not None
        return found


def test_the_oldest_unhandled_message_of_a_sender_is_next() -> None:
    first, phone = stored()
    assert phone in handling.senders_waiting()
    assert handling.next_id(from_phone=phone) == first


def test_each_handling_is_counted_before_it_begins_and_the_last_one_gives_up() -> None:
    inbound_id, phone = stored("boum")
    assert handling.begin(inbound_id=inbound_id, max_attempts=2)
    handling.attempt_failed(inbound_id=inbound_id, error="Boom: first", max_attempts=2)
    assert (message(inbound_id).attempts, message(inbound_id).last_error) == (1, "Boom: first")
    assert handling.begin(inbound_id=inbound_id, max_attempts=2)
    # The second handling ended with its process: the next begin gives the message up.
    assert not handling.begin(inbound_id=inbound_id, max_attempts=2)
    given_up = message(inbound_id)
    assert (given_up.state, given_up.outcome, given_up.attempts) == ("done", "failed", 2)
    assert not handling.begin(inbound_id=inbound_id, max_attempts=2)  # done: nothing to do
    with session_scope() as session:
        queued = session.scalars(
            select(HandoffRequest).where(HandoffRequest.inbound_message_id == inbound_id)
        )
        assert [(q.reason, q.beneficiary_id) for q in queued] == [
            ("processing_failed", given_up.beneficiary_id)
        ]
        # No attempt reached triage, yet the known sender is found: the message is in their
        # carnet once and they get the apology.
        assert given_up.beneficiary_id is not None
        notes = session.scalars(
            select(CarnetEntry.body).where(
                CarnetEntry.inbound_message_id == inbound_id, CarnetEntry.kind == "inbound_message"
            )
        )
        assert list(notes) == ["boum"]
        replies = session.scalars(select(OutboxMessage).where(OutboxMessage.in_reply_to_id == inbound_id))
        assert [(r.body, r.to_phone) for r in replies] == [(texts.TECHNICAL_PROBLEM, phone)]
    assert handling.next_id(from_phone=phone) is None


def test_a_sender_lease_is_held_by_one_live_owner_at_a_time() -> None:
    _, phone = stored()
    processes.beat("gateway-a")
    processes.beat("gateway-b")
    dead_after = timedelta(seconds=10)
    assert handling.take_lease(phone=phone, owner="gateway-a", dead_after=dead_after)
    assert not handling.take_lease(phone=phone, owner="gateway-b", dead_after=dead_after)
    handling.release_lease(phone=phone, owner="gateway-a")
    assert handling.take_lease(phone=phone, owner="gateway-b", dead_after=dead_after)
    handling.release_lease(phone=phone, owner="gateway-b")
    processes.forget("gateway-a")
    processes.forget("gateway-b")
