"""Internal endpoints for the Rasa action server, guarded by a shared token."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from sqlalchemy.orm import Session

from api.botapi import service
from api.botapi.appointment_reply import appointment_reply
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
    SlotChoiceRequest,
    SlotChoiceResult,
)
from api.config import get_settings
from api.db import get_session, utcnow
from api.errors import AppError


def require_bot_token(x_bot_token: Annotated[str, Header()] = "") -> None:
    if not hmac.compare_digest(x_bot_token.encode(), get_settings().bot_token.encode()):
        raise AppError(401, "bot token required")


router = APIRouter(prefix="/internal/bot", tags=["bot"], dependencies=[Depends(require_bot_token)])
SessionDep = Annotated[Session, Depends(get_session)]


@router.post("/slot-choice", response_model=SlotChoiceResult)
def slot_choice(body: SlotChoiceRequest, session: SessionDep) -> SlotChoiceResult:
    return service.choose_slot(session, beneficiary_id=body.beneficiary_id, text=body.text, now=utcnow())


@router.post("/more-slots", response_model=MoreSlotsResult)
def more_slots(body: MoreSlotsRequest, session: SessionDep) -> MoreSlotsResult:
    return service.more_slots(session, beneficiary_id=body.beneficiary_id, now=utcnow())


@router.post("/appointment-reply", response_model=AppointmentReplyResult)
def reply_about_appointment(body: AppointmentReplyRequest, session: SessionDep) -> AppointmentReplyResult:
    return appointment_reply(
        session, beneficiary_id=body.beneficiary_id, intent=body.intent, text=body.text, now=utcnow()
    )


@router.get("/state", response_model=BotState)
def state(beneficiary_id: int, session: SessionDep) -> BotState:
    return service.state(session, beneficiary_id=beneficiary_id, now=utcnow())


@router.post("/handoff", response_model=HandoffResult)
def handoff(body: HandoffCreate, session: SessionDep) -> HandoffResult:
    return service.handoff(
        session, beneficiary_id=body.beneficiary_id, reason=body.reason, text=body.text, now=utcnow()
    )


@router.post("/barrier", response_model=BarrierReply)
def barrier(body: BarrierRequest, session: SessionDep) -> BarrierReply:
    return service.barrier(
        session, beneficiary_id=body.beneficiary_id, group=body.group, text=body.text, now=utcnow()
    )
