"""Decides what to do with one inbound message before (or instead of) asking Rasa.

Everything here is synchronous database work through api/ services. Each function's effects
commit with the message marked handled (api/messaging/inbound.py: mark_processed), or, for a
message forwarded to Rasa, with the decision to forward it (api/messaging/effects.py): a message
run again after a crash acts once.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.config import Settings
from api.db import utcnow
from api.handoffs import service as handoff_service
from api.messaging import effects, outbox, routing, texts
from api.messaging.inbound import mark_processed
from api.messaging.keywords import Keyword, detect_keyword
from api.messaging.models import InboundMessage, OutboxMessage
from api.organisations.models import Organisation
from api.questionnaire import service as questionnaire

log = logging.getLogger(__name__)

# The effect (api/messaging/effects.py) that records a message forwarded to Rasa.
FORWARDED = "forwarded_to_rasa"


@dataclass(frozen=True)
class ForwardToRasa:
    inbound_id: int
    beneficiary_id: int
    channel: str
    text: str
    # a hint for the actions: ask the questionnaire first (the API checks the real state)
    questionnaire_pending: bool = False


def triage(session: Session, *, inbound: InboundMessage, settings: Settings) -> ForwardToRasa | None:
    """Handle what the gateway answers itself; return what Rasa must answer, if anything.

    A message already forwarded (its handling crashed while Rasa answered) is forwarded again
    as it was decided then: no second carnet entry, and Rasa's effects are keyed by its id.
    """
    decided = effects.recorded(session, inbound_id=inbound.id, effect=FORWARDED)
    if decided is not None:
        return ForwardToRasa(**decided)
    # A number may be known in several organisations: one record gets it (api/messaging/routing.py).
    beneficiary = routing.recipient_of_inbound(
        session, phone=inbound.from_phone, before_inbound_id=inbound.id
    )
    if beneficiary is None:
        _answer_unknown_number(session, inbound)
        mark_processed(session, message=inbound, outcome="unknown_number")
        return None

    inbound.beneficiary_id = beneficiary.id
    beneficiary.last_inbound_at = inbound.received_at
    repeated = _double_tap_of(session, inbound, seconds=settings.double_tap_seconds)
    _note_in_carnet(session, inbound, beneficiary=beneficiary, repeat_of=repeated.id if repeated else None)
    if repeated is not None:
        mark_processed(session, message=inbound, outcome="repeated")
        return None

    def reply(body: str, kind: str = "reply") -> None:
        outbox.enqueue(
            session,
            beneficiary=beneficiary,
            body=body,
            kind=kind,
            channel=inbound.channel,
            in_reply_to_id=inbound.id,
        )

    keyword = detect_keyword(inbound.body)
    if keyword is Keyword.STOP:
        _opt_out(session, beneficiary=beneficiary, inbound=inbound, channel=inbound.channel)
        outcome = "opted_out"
    elif keyword is Keyword.START:
        beneficiary_service.set_opted_out(session, beneficiary=beneficiary, opted_out=False)
        reply(texts.OPTED_IN)
        outcome = "opted_in"
    elif beneficiary.opted_out:
        outcome = "ignored_opted_out"
    elif keyword is Keyword.CONTACT:
        reply(_contact_text(session, beneficiary))
        outcome = "contact"
    elif not inbound.body.strip():
        reply(texts.EMPTY_MESSAGE)
        outcome = "empty"
    elif len(inbound.body) > settings.max_inbound_chars:
        reply(texts.TOO_LONG)
        handoff_service.open_request(
            session,
            reason="message_too_long",
            text=inbound.body,
            beneficiary=beneficiary,
            inbound_message_id=inbound.id,
        )
        outcome = "too_long"
    else:
        forward = ForwardToRasa(
            inbound_id=inbound.id,
            beneficiary_id=beneficiary.id,
            channel=inbound.channel,
            text=inbound.body.strip(),
            questionnaire_pending=questionnaire.in_progress(beneficiary),
        )
        effects.record(session, inbound_id=inbound.id, effect=FORWARDED, result=asdict(forward))
        return forward
    mark_processed(session, message=inbound, outcome=outcome)
    return None


def _note_in_carnet(
    session: Session, inbound: InboundMessage, *, beneficiary: Beneficiary, repeat_of: int | None = None
) -> None:
    if repeat_of is not None:
        data = {"repeat_of_inbound_id": repeat_of}
    else:
        data = {"num_media": inbound.num_media} if inbound.num_media else {}
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="inbound_message",
        author="beneficiary",
        body=inbound.body,
        channel=inbound.channel,
        provider_sid=inbound.message_sid,
        inbound_message_id=inbound.id,
        data=data,
    )


def _double_tap_of(session: Session, inbound: InboundMessage, *, seconds: float) -> InboundMessage | None:
    """The message this one repeats, if it is a double tap: the same text from the same number
    a few seconds earlier, with no message of ours in between other than replies to it (an
    invitation or reminder in between makes the same words a new answer)."""
    if seconds <= 0 or not inbound.body.strip() or inbound.num_media:
        return None
    previous = session.scalar(
        select(InboundMessage)
        .where(InboundMessage.from_phone == inbound.from_phone, InboundMessage.id < inbound.id)
        .order_by(InboundMessage.id.desc())
        .limit(1)
    )
    if previous is None or previous.body.strip().casefold() != inbound.body.strip().casefold():
        return None
    if inbound.received_at - previous.received_at > timedelta(seconds=seconds):
        return None
    if _failed_for_us(session, previous):
        return None  # we apologised for a technical problem: the same words again are a retry
    sent_between = session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.to_phone == inbound.from_phone,
            OutboxMessage.created_at > previous.received_at,
            OutboxMessage.created_at <= inbound.received_at,
            OutboxMessage.in_reply_to_id.is_(None),
        )
        .limit(1)
    )
    return None if sent_between is not None else previous


# Handoff reasons that mean the message could not be handled (ours, not the person's doing).
TECHNICAL_FAILURES = ("bot_unavailable", "api_unavailable", "processing_failed")


def _failed_for_us(session: Session, inbound: InboundMessage) -> bool:
    if inbound.outcome is not None and (
        inbound.outcome == "failed" or inbound.outcome.startswith("rasa_failed")
    ):
        return True
    reasons = session.scalars(
        select(CarnetEntry.data).where(
            CarnetEntry.inbound_message_id == inbound.id, CarnetEntry.kind == "handoff_requested"
        )
    )
    return any((data or {}).get("reason") in TECHNICAL_FAILURES for data in reasons)


def _contact_text(session: Session, beneficiary: Beneficiary) -> str:
    organisation = session.get(Organisation, beneficiary.organisation_id)
    if organisation is None or not organisation.contact_phone:
        return texts.CONTACT_UNKNOWN
    return texts.CONTACT.format(phone=organisation.contact_phone, hours=organisation.contact_hours).replace(
        ", .", "."
    )


def _answer_unknown_number(session: Session, inbound: InboundMessage) -> None:
    """Queue the message for a human; answer at most once a day, revealing nothing."""
    handoff_service.open_request(
        session,
        reason="unknown_number",
        text=inbound.body,
        phone=inbound.from_phone,
        inbound_message_id=inbound.id,
    )
    answered_lately = session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.to_phone == inbound.from_phone, OutboxMessage.kind == "unknown_number")
        .where(OutboxMessage.created_at > utcnow() - timedelta(hours=24))
        .limit(1)
    )
    if answered_lately is None:
        outbox.enqueue(
            session,
            to_phone=inbound.from_phone,
            channel=inbound.channel,
            body=texts.UNKNOWN_NUMBER,
            kind="unknown_number",
            in_reply_to_id=inbound.id,
        )


def _opt_out(session: Session, *, beneficiary: Beneficiary, inbound: InboundMessage, channel: str) -> None:
    """STOP, as a keyword or in the person's words: no more messages but this confirmation."""
    beneficiary_service.set_opted_out(session, beneficiary=beneficiary, opted_out=True)
    outbox.enqueue(
        session,
        beneficiary=beneficiary,
        body=texts.OPTED_OUT,
        kind="opt_out_confirmation",
        channel=channel,
        in_reply_to_id=inbound.id,
    )


def record_rasa_reply(
    session: Session,
    *,
    forward: ForwardToRasa,
    texts_out: list[str],
    escalations: list[str],
    opt_out: bool = False,
) -> None:
    """Queue Rasa's replies; anything Rasa could not handle goes to a professional. Rasa
    understood an opt-out in the person's words (opt_out): it is recorded as STOP is."""
    inbound = session.get(InboundMessage, forward.inbound_id)
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=forward.beneficiary_id)
    assert inbound is not None
    if opt_out:
        _opt_out(session, beneficiary=beneficiary, inbound=inbound, channel=forward.channel)
        mark_processed(session, message=inbound, outcome="opted_out")
        return
    for body in texts_out:
        outbox.enqueue(
            session,
            beneficiary=beneficiary,
            body=body,
            kind="reply",
            channel=forward.channel,
            in_reply_to_id=inbound.id,
        )
    for reason in escalations:
        handoff_service.open_request(
            session, reason=reason, text=inbound.body, beneficiary=beneficiary, inbound_message_id=inbound.id
        )
    if not texts_out and not escalations:
        handoff_service.open_request(
            session,
            reason="not_understood",
            text=inbound.body,
            beneficiary=beneficiary,
            inbound_message_id=inbound.id,
        )
    mark_processed(session, message=inbound, outcome="answered_by_rasa" if texts_out else "no_reply")


def record_rasa_failure(session: Session, *, forward: ForwardToRasa, error: str) -> None:
    """Rasa is down or broken: apologise, and a professional gets the message."""
    inbound = session.get(InboundMessage, forward.inbound_id)
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=forward.beneficiary_id)
    assert inbound is not None
    outbox.enqueue(
        session,
        beneficiary=beneficiary,
        body=texts.TECHNICAL_PROBLEM,
        kind="reply",
        channel=forward.channel,
        in_reply_to_id=inbound.id,
    )
    handoff_service.open_request(
        session,
        reason="bot_unavailable",
        text=inbound.body,
        beneficiary=beneficiary,
        inbound_message_id=inbound.id,
    )
    mark_processed(session, message=inbound, outcome=f"rasa_failed: {error}"[:40])


def give_up(session: Session, *, inbound: InboundMessage) -> None:
    """The message failed every attempt: a professional gets its text, the person an apology,
    and it is marked handled ("failed") so that the sender's next messages go on."""
    try:
        with session.begin_nested():
            _queue_failed_message(session, inbound)
    except Exception:
        # Whatever broke the handling may break this too: the text still reaches the queue.
        log.exception("queueing failed inbound message %s for a professional failed", inbound.id)
        handoff_service.open_request(
            session,
            reason="processing_failed",
            text=inbound.body,
            phone=inbound.from_phone,
            inbound_message_id=inbound.id,
        )
    mark_processed(session, message=inbound, outcome="failed")


def _queue_failed_message(session: Session, inbound: InboundMessage) -> None:
    beneficiary: Beneficiary | None
    if inbound.beneficiary_id is not None:
        beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=inbound.beneficiary_id)
    else:
        # No attempt got as far as triage (each failed before it committed): the message is not
        # in the carnet yet, and its sender may still be a known person owed an apology.
        beneficiary = routing.recipient_of_inbound(
            session, phone=inbound.from_phone, before_inbound_id=inbound.id
        )
        if beneficiary is not None:
            inbound.beneficiary_id = beneficiary.id
            _note_in_carnet(session, inbound, beneficiary=beneficiary)
    handoff_service.open_request(
        session,
        reason="processing_failed",
        text=inbound.body,
        beneficiary=beneficiary,
        phone=None if beneficiary else inbound.from_phone,
        inbound_message_id=inbound.id,
    )
    if (
        beneficiary is not None
        and not beneficiary.opted_out
        and detect_keyword(inbound.body) is not Keyword.STOP
    ):
        outbox.enqueue(
            session,
            beneficiary=beneficiary,
            body=texts.TECHNICAL_PROBLEM,
            kind="reply",
            channel=inbound.channel,
            in_reply_to_id=inbound.id,
        )
