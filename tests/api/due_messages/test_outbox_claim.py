"""The dispatcher's claim: what is claimed and not to be sent is cancelled in the same transaction."""

from datetime import timedelta

from api.beneficiaries.models import Beneficiary
from api.db import session_scope, utcnow
from api.due_messages.outbox_claim import claim_due
from tests.api.messaging.outbox_rows import finish, queue_reply, row, set_row


def test_a_claim_returns_what_to_send_and_cancels_the_rest_at_once() -> None:
    message_id, inbound_id, person_id = queue_reply()
    to_send, claimed = claim_due(owner="owner-a", now=utcnow(), in_reply_to_id=inbound_id)
    assert ([m.id for m in to_send], claimed) == ([message_id], 1)
    assert (row(message_id).state, row(message_id).claim_owner) == ("sending", "owner-a")
    finish(message_id)

    opted_out_id, inbound_id, person_id = queue_reply()
    with session_scope() as session:
        person = session.get(Beneficiary, person_id)
        assert person is not None
        person.opted_out = True
        session.commit()
    to_send, claimed = claim_due(owner="owner-a", now=utcnow(), in_reply_to_id=inbound_id)
    assert (to_send, claimed) == ([], 1)
    cancelled = row(opted_out_id)
    assert (cancelled.state, cancelled.error_message) == ("cancelled", "opted out")


def test_a_claimed_message_no_longer_worth_sending_is_withheld() -> None:
    message_id, inbound_id, _ = queue_reply(kind="reminder")
    set_row(message_id, send_before=utcnow() - timedelta(minutes=1))
    to_send, claimed = claim_due(owner="owner-a", now=utcnow(), in_reply_to_id=inbound_id)
    assert (to_send, claimed) == ([], 1)
    withheld = row(message_id)
    assert withheld.state == "cancelled" and withheld.error_message.startswith("not sent: ")


def test_two_claims_never_take_the_same_row() -> None:
    message_id, inbound_id, _ = queue_reply()
    first, _ = claim_due(owner="owner-a", now=utcnow(), in_reply_to_id=inbound_id)
    second, claimed = claim_due(owner="owner-b", now=utcnow(), in_reply_to_id=inbound_id)
    assert ([m.id for m in first], second, claimed) == ([message_id], [], 0)
    finish(message_id)
