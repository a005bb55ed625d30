"""Queueing outbound messages. Sending them is bot/outbox's job (its rows: api/messaging/outbox_store.py)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.carnet.models import CarnetEntry
from api.messaging.models import OutboxMessage
from api.messaging.segments import count_segments, to_gsm7


def enqueue(
    session: Session,
    *,
    body: str,
    kind: str,
    beneficiary: Beneficiary | None = None,
    to_phone: str | None = None,
    channel: str | None = None,
    in_reply_to_id: int | None = None,
    author: str = "assistant",
    whatsapp_template: tuple[str, str] | None = None,
    not_before: datetime | None = None,
    send_before: datetime | None = None,
    invitation_id: int | None = None,
) -> OutboxMessage:
    """Queue one message (in GSM-7 where possible); a known recipient gets it in their carnet."""
    if beneficiary is None and to_phone is None:
        raise ValueError("a message needs a beneficiary or a phone number")
    message = _new_message(
        body=body,
        kind=kind,
        beneficiary_id=beneficiary.id if beneficiary else None,
        to_phone=beneficiary.phone if beneficiary else to_phone,
        channel=channel or (beneficiary.preferred_channel if beneficiary else "sms"),
        whatsapp_template=whatsapp_template,
        send_before=send_before,
        invitation_id=invitation_id,
    )
    message.in_reply_to_id = in_reply_to_id
    if not_before is not None:
        message.next_attempt_at = not_before
    session.add(message)
    session.flush()
    if beneficiary is not None:
        session.add(_carnet_entry(message, author=author))
        session.flush()
    return message


@dataclass(frozen=True)
class Outgoing:
    beneficiary: Beneficiary
    body: str
    kind: str
    whatsapp_template: tuple[str, str] | None = None
    author: str = "assistant"
    send_before: datetime | None = None
    invitation_id: int | None = None


def enqueue_many(session: Session, items: list[Outgoing]) -> list[OutboxMessage]:
    """enqueue() for many messages to known people, in two INSERT statements (one flush each)."""
    messages = [
        _new_message(
            body=item.body,
            kind=item.kind,
            beneficiary_id=item.beneficiary.id,
            to_phone=item.beneficiary.phone,
            channel=item.beneficiary.preferred_channel,
            whatsapp_template=item.whatsapp_template,
            send_before=item.send_before,
            invitation_id=item.invitation_id,
        )
        for item in items
    ]
    session.add_all(messages)
    session.flush()  # one INSERT ... RETURNING id for all (insertmanyvalues)
    session.add_all(
        [_carnet_entry(message, author=item.author) for item, message in zip(items, messages, strict=True)]
    )
    return messages


def _new_message(
    *,
    body: str,
    kind: str,
    beneficiary_id: int | None,
    to_phone: str | None,
    channel: str,
    whatsapp_template: tuple[str, str] | None,
    send_before: datetime | None = None,
    invitation_id: int | None = None,
) -> OutboxMessage:
    # Names and places typed by professionals may hold characters (ô, ç, ’) that would
    # switch the whole SMS to UCS-2 and double its cost: use their GSM-7 lookalikes.
    body = to_gsm7(body)
    message = OutboxMessage(
        beneficiary_id=beneficiary_id,
        to_phone=to_phone,
        channel=channel,
        body=body,
        kind=kind,
        segments=count_segments(body).segments,
        send_before=send_before,
        invitation_id=invitation_id,
    )
    if channel == "whatsapp" and whatsapp_template is not None:
        message.content_sid, message.content_variables = whatsapp_template
    return message


def _carnet_entry(message: OutboxMessage, *, author: str) -> CarnetEntry:
    """The outbound message as an event of the recipient's carnet."""
    return CarnetEntry(
        beneficiary_id=message.beneficiary_id,
        kind="outbound_message",
        author=author,
        body=message.body,
        channel=message.channel,
        outbox_message_id=message.id,
        data={"message_kind": message.kind},
    )
