"""Outbound sends once, and soon (issue 11, point 2).

A send whose answer was lost is looked up at Twilio (the fake serves the Messages list), never
blindly repeated; a dead dispatcher's claims are resolved within seconds; every write of a
claimed row checks its claim (fencing). The last test SIGKILLs a real scheduler process.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select, update

from api.beneficiaries.models import Beneficiary
from api.db import session_scope, utcnow
from api.handoffs.models import HandoffRequest
from api.messaging import outbox
from api.messaging.models import OutboxMessage
from api.messaging.outbox_store import Claimed, SendResult
from bot.outbox.dispatcher import Outcome
from tests.bot.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.bot.test_outbox_dispatcher import dispatcher_for, queue_message, reload
from tests.bot.test_scheduler_processes import due_reminders, wait_until
from tests.conftest import ROOT, TEST_DATABASE_URL
from tests.e2e.system import free_port
from tests.fakes.twilio_fake import FakeTwilioServer, PlannedFailure

QUICK = {"outbox_heartbeat_seconds": 0.2, "outbox_dead_after_seconds": 2.0}


@pytest.fixture(autouse=True)
def _reset(twilio: FakeTwilioServer) -> None:
    for planned in (twilio.state.failures, twilio.state.delays, twilio.state.answer_delays):
        planned.clear()
    twilio.state.list_failures.clear()
    # Dispatchers take whatever the database holds: rows other tests left unsent would be
    # claimed, looked up and sent along with this test's own.
    with session_scope() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.state.in_(("pending", "sending", "uncertain")))
            .values(state="cancelled", error_message="left by an earlier test")
        )
        session.commit()


def due_now(message_id: int) -> None:
    with session_scope() as session:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(next_attempt_at=utcnow())
        )
        session.commit()


def posts_to(twilio: FakeTwilioServer, phone: str) -> int:
    return len(twilio.messages_to(phone))


def test_a_send_whose_answer_was_lost_is_found_at_twilio_and_not_sent_again(twilio) -> None:
    message_id, _, phone = queue_message()
    twilio.state.answer_delays.append(3.0)  # Twilio takes it, its answer comes after the client gave up
    dispatcher = dispatcher_for(twilio, **QUICK)
    dispatcher.dispatch_sync()
    assert reload(message_id).state == "uncertain"
    assert posts_to(twilio, phone) == 1

    due_now(message_id)
    dispatcher.resolve_uncertain()
    dispatcher.dispatch_sync()

    [at_twilio] = twilio.messages_to(phone)
    row = reload(message_id)
    assert (row.state, row.provider_sid) == ("sent", at_twilio["sid"])


def test_a_request_that_never_reached_twilio_is_sent_again_once(twilio) -> None:
    message_id, _, phone = queue_message()
    # The client gives up after 1 s; the request then fails at Twilio: nothing was created.
    twilio.state.delays.append(2.0)
    twilio.state.failures.append(PlannedFailure(500, 20500, "Internal Server Error"))
    dispatcher = dispatcher_for(twilio, **QUICK)
    dispatcher.dispatch_sync()
    assert reload(message_id).state == "uncertain"
    time.sleep(1.5)  # the stalled request has ended at Twilio
    assert posts_to(twilio, phone) == 0

    due_now(message_id)
    dispatcher.resolve_uncertain()
    assert reload(message_id).state == "pending"
    dispatcher.dispatch_sync()

    [at_twilio] = twilio.messages_to(phone)
    assert reload(message_id).provider_sid == at_twilio["sid"]


def test_a_refused_connection_is_retried_without_a_lookup(twilio) -> None:
    message_id, _, _ = queue_message()
    dispatcher = dispatcher_for(twilio, **QUICK)
    dispatcher._sender._client.api.base_url = f"http://127.0.0.1:{free_port()}"  # nobody listens
    lookups = twilio.state.list_requests
    dispatcher.dispatch_sync()
    row = reload(message_id)
    assert (row.state, row.attempts) == ("pending", 1)
    assert twilio.state.list_requests == lookups


def claimed_then_died(twilio: FakeTwilioServer, *, sent: bool) -> tuple[int, str, str]:
    """A dispatcher claims a message, maybe sends it, and dies before writing the result."""
    message_id, _, phone = queue_message()
    doomed = dispatcher_for(twilio, **QUICK)
    [[claimed]], _ = doomed.claim()
    if sent:
        outcome = doomed._send(claimed)
        assert outcome.result is not None
    return message_id, phone, claimed.token


def test_the_claims_of_a_dead_dispatcher_are_resolved_within_seconds(twilio) -> None:
    sent_id, sent_phone, _ = claimed_then_died(twilio, sent=True)
    unsent_id, unsent_phone, _ = claimed_then_died(twilio, sent=False)
    successor = dispatcher_for(twilio, **QUICK)
    successor.resolve_uncertain()
    assert reload(sent_id).state == reload(unsent_id).state == "sending"  # too recent to judge

    time.sleep(2.5)  # the dead one's heartbeat is older than outbox_dead_after_seconds
    successor.resolve_uncertain()
    successor.dispatch_sync()

    [sent_at_twilio] = twilio.messages_to(sent_phone)
    assert (reload(sent_id).state, reload(sent_id).provider_sid) == ("sent", sent_at_twilio["sid"])
    [unsent_at_twilio] = twilio.messages_to(unsent_phone)
    assert (reload(unsent_id).state, reload(unsent_id).provider_sid) == ("sent", unsent_at_twilio["sid"])


def test_a_live_dispatchers_claims_are_never_taken_over(twilio) -> None:
    message_id, _, phone = queue_message()
    alive = dispatcher_for(twilio, **QUICK)
    alive.start()  # beats every 0.2 s
    try:
        [[claimed]], _ = alive.claim()
        time.sleep(3.0)  # longer than outbox_dead_after_seconds: only the heartbeat says it lives
        other = dispatcher_for(twilio, **QUICK)
        other.resolve_uncertain()
        other.dispatch_sync()
        assert reload(message_id).state == "sending" and posts_to(twilio, phone) == 0
        alive._record([alive._send(claimed)])
    finally:
        alive.close()
    assert reload(message_id).state == "sent" and posts_to(twilio, phone) == 1


def test_a_late_result_of_a_claim_taken_over_is_not_written(twilio) -> None:
    message_id, phone, stale_token = claimed_then_died(twilio, sent=False)
    time.sleep(2.5)
    successor = dispatcher_for(twilio, **QUICK)
    successor.resolve_uncertain()
    successor.dispatch_sync()
    sent = reload(message_id)
    assert sent.state == "sent"

    # The first dispatcher was only frozen, not dead: it comes back and reports its send.
    with session_scope() as session:
        stale = session.get(OutboxMessage, message_id)
        claimed = _claimed(stale, stale_token)
    zombie = dispatcher_for(twilio, **QUICK)
    zombie._record([Outcome(claimed, result=SendResult("SM" + "f" * 32, "queued"), at=utcnow())])
    assert reload(message_id).provider_sid == sent.provider_sid
    assert posts_to(twilio, phone) == 1


def _claimed(row: OutboxMessage, token: str) -> Claimed:
    return Claimed(
        row.id, token, row.beneficiary_id, row.channel, row.to_phone, row.body, row.kind, None, None
    )


def test_a_lookup_that_keeps_failing_hands_the_message_to_a_professional(twilio) -> None:
    message_id, person_id, _ = queue_message()
    twilio.state.answer_delays.append(3.0)
    dispatcher = dispatcher_for(twilio, outbox_max_attempts=3, **QUICK)
    dispatcher.dispatch_sync()
    for _ in range(3):
        twilio.state.list_failures.append(PlannedFailure(503, 20503, "Service Unavailable"))
        due_now(message_id)
        dispatcher.resolve_uncertain()
    row = reload(message_id)
    assert row.state == "failed" and row.error_message.startswith("lookup failed")
    with session_scope() as session:
        reasons = session.scalars(
            select(HandoffRequest.reason).where(HandoffRequest.beneficiary_id == person_id)
        )
        assert list(reasons) == ["delivery_uncertain"]


def test_only_a_message_not_already_ours_counts_as_found(twilio) -> None:
    """Two identical texts to one person: the lookup of the second must not take the first."""
    first_id, person_id, phone = queue_message()
    dispatcher = dispatcher_for(twilio, **QUICK)
    dispatcher.dispatch_sync()
    assert reload(first_id).state == "sent"
    with session_scope() as session:
        person = session.get(Beneficiary, person_id)
        second_id = outbox.enqueue(
            session, beneficiary=person, body="Rappel : RDV demain", kind="reminder"
        ).id
        session.commit()
    twilio.state.delays.append(2.0)  # lost before Twilio took it...
    twilio.state.failures.append(PlannedFailure(500, 20500, "Internal Server Error"))
    dispatcher.dispatch_sync()
    time.sleep(1.5)
    due_now(second_id)
    dispatcher.resolve_uncertain()
    assert reload(second_id).state == "pending"  # ...so the first message is not taken for it
    dispatcher.dispatch_sync()
    assert posts_to(twilio, phone) == 2
    assert reload(first_id).provider_sid != reload(second_id).provider_sid


def test_killed_while_its_sends_were_in_flight_a_restarted_scheduler_sends_each_once(twilio) -> None:
    """SIGKILL with every request taken by Twilio but unanswered; the successor finds them."""
    count = 6
    organisation_id = due_reminders(count)
    with session_scope() as session:
        phones = [
            p
            for p in session.scalars(
                select(Beneficiary.phone).where(Beneficiary.organisation_id == organisation_id)
            )
        ]
    twilio.state.answer_delays.extend([30.0] * count)
    first = _scheduler(twilio)
    try:
        wait_until(lambda: sum(posts_to(twilio, phone) for phone in phones) == count, timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    twilio.state.answer_delays.clear()
    killed_at = time.monotonic()
    second = _scheduler(twilio)
    try:
        wait_until(lambda: _all_sent(organisation_id, count), timeout=60)
        resolved_after = time.monotonic() - killed_at
    finally:
        # Killed too: a graceful stop may wait for startup jobs (slot generation over the whole
        # test database), which is not what this test is about.
        second.kill()
        second.wait()
    assert [posts_to(twilio, phone) for phone in phones] == [1] * count
    assert resolved_after < 20, f"resolved after {resolved_after:.1f}s"
    print(
        f"\n{count} sends in flight at SIGKILL: resolved by the successor in {resolved_after:.1f}s, 0 doubled"
    )


def _all_sent(organisation_id: int, count: int) -> bool:
    with session_scope() as session:
        states = list(
            session.scalars(
                select(OutboxMessage.state)
                .join(Beneficiary, OutboxMessage.beneficiary_id == Beneficiary.id)
                .where(Beneficiary.organisation_id == organisation_id)
            )
        )
    return len(states) == count and set(states) == {"sent"}


def _scheduler(twilio: FakeTwilioServer) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPIE_DATABASE_URL": TEST_DATABASE_URL,
        "SPIE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "SPIE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SPIE_TWILIO_API_BASE_URL": twilio.base_url,
        "SPIE_TWILIO_TIMEOUT_SECONDS": "60",
        "SPIE_SCHEDULER_INTERVAL_SECONDS": "0.2",
        "SPIE_OUTBOX_POLL_SECONDS": "0.2",
        "SPIE_OUTBOX_HEARTBEAT_SECONDS": "0.5",
        "SPIE_OUTBOX_DEAD_AFTER_SECONDS": "2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
