"""The 'simulateur': a local page to chat as a beneficiary with the real bot, no Twilio needed.

Messages typed here take the same path as Twilio's (stored, triaged, Rasa, outbox),
only without the signature; it is mounted only outside production, while no Twilio account is
configured (Settings.simulator_enabled).
"""

import asyncio
import json
import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError

from api.beneficiaries.phones import normalise_mobile
from api.db import session_scope
from api.messaging.conversation import conversation
from api.messaging.inbound import record_inbound
from api.text_safety import MAX_TEXT_CHARS, clean_inbound_text

router = APIRouter(prefix="/simulateur", tags=["simulator"])
PAGE = Path(__file__).parent / "static" / "simulator.html"


class SimulatedMessage(BaseModel):
    phone: str = Field(min_length=4, max_length=32)
    body: str = Field(max_length=MAX_TEXT_CHARS)  # cleaned by record_inbound, as Twilio's


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


def _cleaned(raw: bytes) -> SimulatedMessage:
    """The message, its texts cleaned before validation: JSON may carry lone surrogates
    ("\\ud800"), which pydantic refuses; Twilio's webhook would have stored the message."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": str(exc)}]) from exc
    if isinstance(data, dict):
        data = {key: clean_inbound_text(v) if isinstance(v, str) else v for key, v in data.items()}
    try:
        return SimulatedMessage.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc


@router.post("/messages", status_code=202)
async def send(request: Request) -> dict[str, str]:
    message = _cleaned(await request.body())
    e164 = normalise_mobile(message.phone)
    await asyncio.to_thread(_store, e164, message.body)
    request.app.state.processor.submit(e164)
    return {"status": "accepted"}
