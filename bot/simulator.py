"""The 'simulateur': a local page to chat as a beneficiary with the real bot, no Twilio needed.

Messages typed here take the same path as Twilio's (stored, triaged, Rasa, outbox),
only without the signature; it is mounted only outside production, while no Twilio account is
configured (Settings.simulator_enabled).
"""

import asyncio
import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.beneficiaries.phones import normalise_mobile
from api.db import session_scope
from api.messaging.conversation import conversation
from api.messaging.inbound import record_inbound

router = APIRouter(prefix="/simulateur", tags=["simulator"])
PAGE = Path(__file__).parent / "static" / "simulator.html"


class SimulatedMessage(BaseModel):
    phone: str = Field(min_length=4, max_length=32)
    body: str = Field(max_length=2000)


@router.get("", response_class=HTMLResponse)
def page() -> str:
    return PAGE.read_text(encoding="utf-8")


@router.get("/messages")
def messages(phone: str) -> list[dict]:
    e164 = normalise_mobile(phone)
    with session_scope() as session:
        return [dict(line) for line in conversation(session, phone=e164)]


def _store(phone: str, body: str) -> None:
    with session_scope() as session:
        record_inbound(
            session,
            message_sid=f"SMsim{uuid.uuid4().hex[:27]}",
            channel="sms",
            from_phone=phone,
            to_address="simulateur",
            body=body,
            num_media=0,
        )
        session.commit()


@router.post("/messages", status_code=202)
async def send(message: SimulatedMessage, request: Request) -> dict[str, str]:
    e164 = normalise_mobile(message.phone)
    await asyncio.to_thread(_store, e164, message.body)
    request.app.state.processor.submit(e164)
    return {"status": "accepted"}
