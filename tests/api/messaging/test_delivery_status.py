"""Twilio's delivery statuses on an outbox message: idempotent, never backwards, error codes kept."""

from api.messaging import outbox
from api.messaging.delivery import record_status
from api.messaging.models import OutboxMessage
from tests.api import factories as f


def test_status_callbacks_are_idempotent_and_never_go_backwards(session) -> None:
    org = f.organisation(session)
    person = f.beneficiary(session, org)
    message = outbox.enqueue(session, beneficiary=person, body="Bonjour", kind="reply")
    message.provider_sid = "SM" + "a" * 32
    session.flush()
    sid = message.provider_sid
    assert record_status(session, message_sid=sid, status="delivered", error_code=None)
    assert record_status(session, message_sid=sid, status="sent", error_code=None)  # late, out of order
    assert not record_status(session, message_sid=sid, status="delivered", error_code=None)  # repeat
    assert session.get(OutboxMessage, message.id).delivery_status == "delivered"
    assert record_status(session, message_sid=sid, status="read", error_code=None)
    assert session.get(OutboxMessage, message.id).delivery_status == "read"


def test_failed_status_keeps_the_error_code(session) -> None:
    org = f.organisation(session)
    person = f.beneficiary(session, org)
    message = outbox.enqueue(session, beneficiary=person, body="Bonjour", kind="reply")
    message.provider_sid = "SM" + "b" * 32
    session.flush()
    record_status(session, message_sid=message.provider_sid, status="undelivered", error_code="30003")
    assert (message.delivery_status, message.error_code) == ("undelivered", "30003")
