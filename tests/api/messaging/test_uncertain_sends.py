"""Uncertain sends in the database: a dead dispatcher's claims, taken for a lookup, settled by it."""

from datetime import timedelta

from sqlalchemy import select

from api.config import get_settings
from api.db import session_scope, utcnow
from api.handoffs.models import HandoffRequest
from api.messaging import processes, uncertain_sends
from api.messaging.outbox_store import SendResult
from api.messaging.uncertain_sends import Uncertain
from tests.api.messaging.outbox_rows import finish, queue_reply, row, set_row


def uncertain_row(**values) -> tuple[int, int]:
    """A send whose answer was lost, due for its lookup now: (row id, person id)."""
    message_id, _, person_id = queue_reply()
    set_row(message_id, state="uncertain", claimed_at=utcnow(), next_attempt_at=utcnow(), **values)
    return message_id, person_id


def take_mine(message_id: int, owner: str = "looker") -> tuple[Uncertain, str]:
    taken, token = uncertain_sends.take(settings=get_settings(), owner=owner)
    [mine] = [message for message in taken if message.id == message_id]
    return mine, token


def test_the_claims_of_a_dispatcher_that_stopped_beating_become_uncertain() -> None:
    settings = get_settings()
    long_ago = utcnow() - timedelta(seconds=settings.outbox_dead_after_seconds * 2)
    dead_id, _, _ = queue_reply()
    set_row(dead_id, state="sending", claim_token="t-dead", claim_owner="dead-owner", claimed_at=long_ago)
    processes.beat("live-owner")
    live_id, _, _ = queue_reply()
    set_row(live_id, state="sending", claim_token="t-live", claim_owner="live-owner", claimed_at=long_ago)
    assert uncertain_sends.orphan_dead_claims(settings=settings) >= 1
    dead = row(dead_id)
    assert (dead.state, dead.claim_token, dead.attempts) == ("uncertain", None, 1)  # the dead try counts
    assert (row(live_id).state, row(live_id).claim_token) == ("sending", "t-live")
    processes.forget("live-owner")
    finish(dead_id, live_id)


def test_a_row_taken_for_a_lookup_is_not_taken_again_meanwhile() -> None:
    message_id, _ = uncertain_row()
    _, token = take_mine(message_id)
    taken = row(message_id)
    assert (taken.state, taken.claim_token, taken.claim_owner) == ("uncertain", token, "looker")
    assert taken.next_attempt_at > utcnow()
    again, _ = uncertain_sends.take(settings=get_settings(), owner="other")
    assert message_id not in [message.id for message in again]
    finish(message_id)


def test_found_at_twilio_is_sent_without_counting_a_try() -> None:
    message_id, _ = uncertain_row(attempts=1)
    mine, token = take_mine(message_id)
    oldest = SendResult("SM" + "c" * 32, "delivered")
    newer = SendResult("SM" + "d" * 32, "delivered")
    uncertain_sends.settle(settings=get_settings(), message=mine, token=token, found=[newer, oldest])
    sent = row(message_id)
    assert (sent.state, sent.provider_sid, sent.attempts) == ("sent", oldest.provider_sid, 1)


def test_a_message_sid_already_ours_is_not_found_twice() -> None:
    first_id, _ = uncertain_row()
    first, token = take_mine(first_id)
    twin = SendResult("SM" + "e" * 32, "delivered")
    uncertain_sends.settle(settings=get_settings(), message=first, token=token, found=[twin])
    second_id, _ = uncertain_row()
    second, token = take_mine(second_id)
    uncertain_sends.settle(settings=get_settings(), message=second, token=token, found=[twin])
    assert (row(first_id).state, row(second_id).state) == ("sent", "pending")  # it goes again
    finish(second_id)


def test_not_found_after_the_last_try_fails() -> None:
    settings = get_settings()
    message_id, _ = uncertain_row(attempts=settings.outbox_max_attempts)
    mine, token = take_mine(message_id)
    uncertain_sends.settle(settings=settings, message=mine, token=token, found=[])
    failed = row(message_id)
    assert (failed.state, failed.error_message) == ("failed", "not at Twilio after its last try")


def test_a_lookup_that_keeps_failing_ends_in_the_queue() -> None:
    settings = get_settings().model_copy(update={"outbox_max_attempts": 2})
    message_id, person_id = uncertain_row()
    mine, token = take_mine(message_id)
    uncertain_sends.lookup_failed(settings=settings, message=mine, token=token, error="HTTP 500")
    later = row(message_id)
    assert (later.state, later.attempts, later.error_message) == ("uncertain", 1, "lookup failed: HTTP 500")
    set_row(message_id, next_attempt_at=utcnow())
    mine, token = take_mine(message_id)
    uncertain_sends.lookup_failed(settings=settings, message=mine, token=token, error="HTTP 500")
    assert row(message_id).state == "failed"
    with session_scope() as session:
        reasons = session.scalars(
            select(HandoffRequest.reason).where(HandoffRequest.beneficiary_id == person_id)
        )
        assert list(reasons) == ["delivery_uncertain"]


def test_a_stale_lookup_writes_nothing() -> None:
    message_id, _ = uncertain_row()
    mine, _ = take_mine(message_id)
    uncertain_sends.lookup_failed(settings=get_settings(), message=mine, token="not-the-token", error="x")
    uncertain_sends.settle(settings=get_settings(), message=mine, token="not-the-token", found=[])
    assert (row(message_id).state, row(message_id).attempts) == ("uncertain", 0)
    finish(message_id)
