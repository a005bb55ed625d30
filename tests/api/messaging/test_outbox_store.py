"""The outbox store: claims guarded by state, every later write fenced by the claim's token."""

import uuid
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from api.beneficiaries.models import Beneficiary
from api.carnet.models import CarnetEntry
from api.db import session_scope, utcnow
from api.messaging import outbox_store
from api.messaging.outbox_store import Claimed, Failed, SendResult
from tests.api.messaging.outbox_rows import finish, queue_reply, row, set_row


def claim(inbound_id: int, *, owner: str = "owner-a") -> tuple[list[Claimed], str]:
    token = uuid.uuid4().hex
    with session_scope() as session:
        claimed = outbox_store.claim_pending(
            session, token=token, owner=owner, now=utcnow(), in_reply_to_id=inbound_id, limit=10
        )
        session.commit()
    return claimed, token


def test_a_claim_takes_a_pending_row_once_and_names_its_owner() -> None:
    message_id, inbound_id, person_id = queue_reply()
    claimed, token = claim(inbound_id)
    assert [(m.id, m.token, m.beneficiary_id, m.kind) for m in claimed] == [
        (message_id, token, person_id, "reply")
    ]
    taken = row(message_id)
    assert (taken.state, taken.claim_token, taken.claim_owner) == ("sending", token, "owner-a")
    assert claim(inbound_id, owner="owner-b")[0] == []  # no longer pending
    finish(message_id)


def test_a_row_not_yet_due_is_not_claimed() -> None:
    message_id, inbound_id, _ = queue_reply()
    set_row(message_id, next_attempt_at=utcnow() + timedelta(minutes=5))
    assert claim(inbound_id)[0] == []
    assert row(message_id).state == "pending"
    finish(message_id)


def test_sent_records_the_provider_sid_on_the_row_and_in_the_carnet() -> None:
    message_id, inbound_id, _ = queue_reply()
    [claimed], token = claim(inbound_id)
    at = utcnow()
    outbox_store.record_outcomes(
        sent=[(claimed.id, token, SendResult("SM" + "a" * 32, "queued"), at)],
        released=[],
        failed=[],
        max_attempts=5,
    )
    sent = row(message_id)
    assert (sent.state, sent.attempts, sent.provider_sid, sent.delivery_status) == (
        "sent",
        1,
        "SM" + "a" * 32,
        "queued",
    )
    with session_scope() as session:
        entry = session.scalar(select(CarnetEntry).where(CarnetEntry.outbox_message_id == message_id))
        assert entry is not None and entry.provider_sid == "SM" + "a" * 32


def test_no_outcome_is_written_over_a_claim_taken_over() -> None:
    message_id, inbound_id, _ = queue_reply()
    [claimed], _ = claim(inbound_id)
    stale = uuid.uuid4().hex
    outbox_store.record_outcomes(
        sent=[(claimed.id, stale, SendResult("SM" + "b" * 32, "queued"), utcnow())],
        released=[(claimed.id, stale)],
        failed=[Failed(id=claimed.id, token=stale, code="20500", error="boom", retryable=True)],
        max_attempts=5,
    )
    untouched = row(message_id)
    assert (untouched.state, untouched.attempts, untouched.provider_sid) == ("sending", 0, None)
    finish(message_id)


def test_a_release_gives_the_row_back_without_counting_a_try() -> None:
    message_id, inbound_id, _ = queue_reply()
    [claimed], token = claim(inbound_id)
    outbox_store.record_outcomes(sent=[], released=[(claimed.id, token)], failed=[], max_attempts=5)
    released = row(message_id)
    assert (released.state, released.attempts, released.claim_token, released.claim_owner) == (
        "pending",
        0,
        None,
        None,
    )
    finish(message_id)


def test_a_retryable_failure_backs_off_and_the_last_try_fails_for_good() -> None:
    message_id, inbound_id, _ = queue_reply()
    [claimed], token = claim(inbound_id)
    before = utcnow()
    failure = Failed(id=claimed.id, token=token, code="20503", error="Service Unavailable", retryable=True)
    outbox_store.record_outcomes(sent=[], released=[], failed=[failure], max_attempts=2)
    retried = row(message_id)
    assert (retried.state, retried.attempts, retried.error_code) == ("pending", 1, "20503")
    # min(300, 2**1) s, times a jitter of 0.5 to 1
    assert before + timedelta(seconds=1) <= retried.next_attempt_at <= utcnow() + timedelta(seconds=2)
    set_row(message_id, next_attempt_at=utcnow())
    [claimed], token = claim(inbound_id)
    outbox_store.record_outcomes(sent=[], released=[], failed=[replace(failure, token=token)], max_attempts=2)
    assert (row(message_id).state, row(message_id).attempts) == ("failed", 2)


def test_a_send_without_an_answer_becomes_uncertain_and_is_never_retried_blindly() -> None:
    message_id, inbound_id, _ = queue_reply()
    [claimed], token = claim(inbound_id)
    outbox_store.record_outcomes(
        sent=[],
        released=[],
        failed=[
            Failed(id=claimed.id, token=token, code=None, error="timeout", retryable=True, uncertain=True)
        ],
        max_attempts=5,
    )
    lost = row(message_id)
    assert (lost.state, lost.attempts, lost.claim_token, lost.error_message) == (
        "uncertain",
        1,
        None,
        "timeout",
    )
    assert lost.next_attempt_at <= utcnow() + outbox_store.LANDING_TIME
    finish(message_id)


def test_a_permanent_error_applies_to_the_person() -> None:
    message_id, inbound_id, person_id = queue_reply()
    [claimed], token = claim(inbound_id)
    unsubscribed = Failed(id=claimed.id, token=token, code="21610", error="unsubscribed", retryable=False)
    outbox_store.record_outcomes(sent=[], released=[], failed=[unsubscribed], max_attempts=5)
    assert row(message_id).state == "failed"
    with session_scope() as session:
        person = session.get(Beneficiary, person_id)
        assert person is not None and person.opted_out


def test_reasons_not_to_send_spare_the_confirmation_of_a_stop() -> None:
    reply_id, reply_inbound, person_id = queue_reply()
    confirmation_id, confirmation_inbound, other_id = queue_reply(kind="opt_out_confirmation")
    with session_scope() as session:
        for beneficiary_id in (person_id, other_id):
            person = session.get(Beneficiary, beneficiary_id)
            assert person is not None
            person.opted_out = True
        session.commit()
    claimed = claim(reply_inbound)[0] + claim(confirmation_inbound)[0]
    with session_scope() as session:
        assert outbox_store.reasons_not_to_send(session, claimed=claimed) == {reply_id: "opted out"}
    finish(reply_id, confirmation_id)
