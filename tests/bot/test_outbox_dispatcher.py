"""The outbox against a fake Twilio: retries, permanent errors, templates, rate cap."""

import threading
import time

import pytest
from sqlalchemy import select

from api.beneficiaries.models import Beneficiary
from api.config import Settings
from api.db import session_scope
from api.handoffs.models import HandoffRequest
from api.messaging import outbox
from api.messaging.models import OutboxMessage
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.senders import TwilioSender
from tests.api import factories as f
from tests.bot.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.fakes.twilio_fake import FakeTwilioServer, PlannedFailure


@pytest.fixture(autouse=True)
def _reset(twilio: FakeTwilioServer) -> None:
    twilio.state.failures.clear()
    twilio.state.delays.clear()


def dispatcher_for(twilio: FakeTwilioServer, **overrides) -> OutboxDispatcher:
    settings = Settings(
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base_url=twilio.base_url,
        twilio_timeout_seconds=1.0,
        **overrides,
    )
    return OutboxDispatcher(TwilioSender(settings), settings)


def queue_message(channel: str = "sms", **kwargs) -> tuple[int, int, str]:
    with session_scope() as session:
        org = f.organisation(session)
        person = f.beneficiary(session, org, channel=channel)
        message = outbox.enqueue(
            session, beneficiary=person, body="Rappel : RDV demain", kind="reminder", **kwargs
        )
        session.commit()
        return message.id, person.id, person.phone


def reload(message_id: int) -> OutboxMessage:
    with session_scope() as session:
        return session.get(OutboxMessage, message_id)


def retry_now(message_id: int) -> None:
    with session_scope() as session:
        message = session.get(OutboxMessage, message_id)
        message.next_attempt_at = message.created_at
        session.commit()


def test_server_error_then_success_sends_once(twilio) -> None:
    message_id, _, phone = queue_message()
    twilio.state.failures.append(PlannedFailure(500, 20500, "Internal Server Error"))
    dispatcher = dispatcher_for(twilio)
    dispatcher.dispatch_sync()
    first = reload(message_id)
    assert (first.state, first.attempts, first.error_code) == ("pending", 1, "20500")
    assert twilio.messages_to(phone) == []
    retry_now(message_id)
    dispatcher.dispatch_sync()
    dispatcher.dispatch_sync()
    sent = reload(message_id)
    assert (sent.state, sent.attempts) == ("sent", 2)
    assert [m["sid"] for m in twilio.messages_to(phone)] == [sent.provider_sid]


def test_retries_give_up_visibly(twilio) -> None:
    message_id, person_id, _ = queue_message()
    dispatcher = dispatcher_for(twilio, outbox_max_attempts=2)
    for _ in range(2):
        twilio.state.failures.append(PlannedFailure(503, 20503, "Service Unavailable"))
        retry_now(message_id)
        dispatcher.dispatch_sync()
    assert reload(message_id).state == "failed"
    with session_scope() as session:
        reasons = list(
            session.scalars(select(HandoffRequest.reason).where(HandoffRequest.beneficiary_id == person_id))
        )
    assert reasons == ["delivery_failed"]


def test_unsubscribed_marks_opted_out_without_retry(twilio) -> None:
    message_id, person_id, _ = queue_message()
    twilio.state.failures.append(PlannedFailure(400, 21610, "Attempt to send to unsubscribed recipient"))
    attempts_before = twilio.state.attempts
    dispatcher_for(twilio).dispatch_sync()
    message = reload(message_id)
    assert (message.state, message.attempts, message.error_code) == ("failed", 1, "21610")
    assert twilio.state.attempts == attempts_before + 1
    with session_scope() as session:
        assert session.get(Beneficiary, person_id).opted_out
    # Nothing more goes out to them.
    with session_scope() as session:
        person = session.get(Beneficiary, person_id)
        later = outbox.enqueue(session, beneficiary=person, body="Encore", kind="reminder")
        session.commit()
        later_id = later.id
    dispatcher_for(twilio).dispatch_sync()
    assert reload(later_id).state == "cancelled"


def test_landline_flags_the_number_for_a_professional(twilio) -> None:
    message_id, person_id, _ = queue_message()
    twilio.state.failures.append(PlannedFailure(400, 30006, "Landline or unreachable carrier"))
    dispatcher_for(twilio).dispatch_sync()
    with session_scope() as session:
        assert session.get(Beneficiary, person_id).phone_problem == "landline"
        reasons = list(
            session.scalars(select(HandoffRequest.reason).where(HandoffRequest.beneficiary_id == person_id))
        )
    assert reasons == ["unreachable_number"]


def test_whatsapp_outside_the_window_falls_back_to_sms(twilio) -> None:
    message_id, person_id, phone = queue_message(channel="whatsapp")
    twilio.state.failures.append(PlannedFailure(400, 63016, "Outside the allowed window"))
    dispatcher = dispatcher_for(twilio)
    dispatcher.dispatch_sync()
    dispatcher.dispatch_sync()
    assert reload(message_id).state == "failed"
    [sms] = twilio.messages_to(phone)
    assert sms["From"] == "38123" and sms["Body"] == "Rappel : RDV demain"


def test_whatsapp_template_is_sent_with_content_sid(twilio) -> None:
    message_id, _, phone = queue_message(
        channel="whatsapp", whatsapp_template=("HX" + "1" * 32, '{"1": "jeudi 3 décembre"}')
    )
    dispatcher_for(twilio).dispatch_sync()
    [sent] = twilio.messages_to(f"whatsapp:{phone}")
    assert sent["ContentSid"] == "HX" + "1" * 32 and "Body" not in sent
    assert sent["ContentVariables"] == '{"1": "jeudi 3 décembre"}'


def test_rate_cap_per_sender_number_is_respected(twilio) -> None:
    phones = [queue_message()[2] for _ in range(12)]
    dispatcher = dispatcher_for(twilio, max_messages_per_second=20, outbox_send_concurrency=4)
    started = time.monotonic()
    while any(not twilio.messages_to(p) for p in phones):
        dispatcher.dispatch_sync()
    elapsed = time.monotonic() - started
    times = sorted(twilio.messages_to(p)[0]["received_at"] for p in phones)
    # 12 messages at 20/s: at least 11 intervals of 50 ms.
    assert times[-1] - times[0] >= 0.5
    assert elapsed >= 0.5


def test_two_dispatchers_never_send_a_message_twice(twilio) -> None:
    ids_and_phones = [queue_message() for _ in range(30)]
    first, second = dispatcher_for(twilio), dispatcher_for(twilio)
    threads = [threading.Thread(target=d.dispatch_sync) for d in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _message_id, _, phone in ids_and_phones:
        assert len(twilio.messages_to(phone)) == 1
