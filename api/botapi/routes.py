"""Internal endpoints for the Rasa action server.

Two keys for every call: the action server's token (X-Bot-Token), and the gateway's voucher for
the message being answered (X-Spie-Voucher, api/botapi/voucher.py), which alone says whose data
may be read or changed. A voucher is good only while its inbound message is being handled.

Every endpoint that changes something acts once per inbound message (api/botapi/idempotency.py):
the same message run again after a crash gets the first answer back. Reads need no key.
"""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from api.botapi import service
from api.botapi import voucher as vouchers
from api.botapi.appointment_reply import appointment_reply
from api.botapi.idempotency import once
from api.botapi.schemas import (
    AppointmentReplyRequest,
    AppointmentReplyResult,
    BarrierReply,
    BarrierRequest,
    BotState,
    HandoffCreate,
    HandoffResult,
    MoreSlotsRequest,
    MoreSlotsResult,
    QuestionnaireReply,
    QuestionnaireRequest,
    SlotChoiceRequest,
    SlotChoiceResult,
)
from api.config import get_settings
from api.db import utcnow
from api.deps import SessionDep
from api.errors import AppError
from api.messaging.models import InboundMessage


def require_bot_token(x_bot_token: Annotated[str, Header()] = "") -> None:
    expected = get_settings().bot_token
    if not expected or not hmac.compare_digest(x_bot_token.encode(), expected.encode()):
        raise AppError(401, "bot token required")


router = APIRouter(prefix="/internal/bot", tags=["bot"], dependencies=[Depends(require_bot_token)])


def vouched_person(session: SessionDep, x_spie_voucher: Annotated[str, Header()] = "") -> vouchers.Voucher:
    """The voucher of the message being handled right now: its beneficiary and inbound message."""
    try:
        voucher = vouchers.verify(get_settings().gateway_signing_key, x_spie_voucher)
    except vouchers.InvalidVoucher as exc:
        raise AppError(403, f"gateway voucher refused: {exc}") from exc
    inbound = session.get(InboundMessage, voucher.inbound_id)
    if inbound is None or inbound.beneficiary_id != voucher.beneficiary_id:
        raise AppError(403, "gateway voucher refused: unknown message")
    if inbound.state != "received":
        raise AppError(403, "gateway voucher refused: message already handled")
    return voucher


def _person(vouched: vouchers.Voucher, claimed: int) -> int:
    if claimed != vouched.beneficiary_id:
        raise AppError(403, "gateway voucher refused: another person")
    return vouched.beneficiary_id


VouchedDep = Annotated[vouchers.Voucher, Depends(vouched_person)]


@router.post("/slot-choice", response_model=SlotChoiceResult)
def slot_choice(body: SlotChoiceRequest, session: SessionDep, vouched: VouchedDep) -> SlotChoiceResult:
    person = _person(vouched, body.beneficiary_id)
    return once(
        session,
        inbound_id=vouched.inbound_id,
        effect="slot_choice",
        schema=SlotChoiceResult,
        act=lambda: service.choose_slot(session, beneficiary_id=person, text=body.text, now=utcnow()),
    )


@router.post("/more-slots", response_model=MoreSlotsResult)
def more_slots(body: MoreSlotsRequest, session: SessionDep, vouched: VouchedDep) -> MoreSlotsResult:
    person = _person(vouched, body.beneficiary_id)
    return once(
        session,
        inbound_id=vouched.inbound_id,
        effect="more_slots",
        schema=MoreSlotsResult,
        act=lambda: service.more_slots(session, beneficiary_id=person, now=utcnow()),
    )


@router.post("/appointment-reply", response_model=AppointmentReplyResult)
def reply_about_appointment(
    body: AppointmentReplyRequest, session: SessionDep, vouched: VouchedDep
) -> AppointmentReplyResult:
    person = _person(vouched, body.beneficiary_id)
    return once(
        session,
        inbound_id=vouched.inbound_id,
        effect="appointment_reply",
        schema=AppointmentReplyResult,
        act=lambda: appointment_reply(
            session, beneficiary_id=person, intent=body.intent, text=body.text, now=utcnow()
        ),
    )


@router.get("/state", response_model=BotState)
def state(beneficiary_id: int, session: SessionDep, vouched: VouchedDep) -> BotState:
    return service.state(session, beneficiary_id=_person(vouched, beneficiary_id), now=utcnow())


@router.post("/handoff", response_model=HandoffResult)
def handoff(body: HandoffCreate, session: SessionDep, vouched: VouchedDep) -> HandoffResult:
    person = _person(vouched, body.beneficiary_id)
    return once(
        session,
        inbound_id=vouched.inbound_id,
        effect="handoff",
        schema=HandoffResult,
        act=lambda: service.handoff(
            session,
            beneficiary_id=person,
            reason=body.reason,
            text=body.text,
            now=utcnow(),
            inbound_message_id=vouched.inbound_id,
        ),
    )


@router.post("/barrier", response_model=BarrierReply)
def barrier(body: BarrierRequest, session: SessionDep, vouched: VouchedDep) -> BarrierReply:
    person = _person(vouched, body.beneficiary_id)
    return once(
        session,
        inbound_id=vouched.inbound_id,
        effect="barrier",
        schema=BarrierReply,
        act=lambda: service.barrier(
            session, beneficiary_id=person, group=body.group, text=body.text, now=utcnow()
        ),
    )


@router.post("/questionnaire", response_model=QuestionnaireReply)
def questionnaire_answer(
    body: QuestionnaireRequest, session: SessionDep, vouched: VouchedDep
) -> QuestionnaireReply:
    person = _person(vouched, body.beneficiary_id)
    return once(
        session,
        inbound_id=vouched.inbound_id,
        effect="questionnaire",
        schema=QuestionnaireReply,
        act=lambda: service.questionnaire_answer(
            session,
            beneficiary_id=person,
            intent=body.intent,
            barrier_group=body.barrier_group,
            text=body.text,
            inbound_id=vouched.inbound_id,
            now=utcnow(),
        ),
    )
