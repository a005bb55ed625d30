"""Twilio's webhooks: inbound messages and delivery statuses."""

import asyncio
import logging

from fastapi import APIRouter, Request, Response

from api.beneficiaries.phones import mask
from api.config import get_settings
from api.db import session_scope
from api.errors import AppError
from api.messaging.delivery import record_status
from api.messaging.inbound import record_inbound
from api.text_safety import parse_count
from bot.addresses import parse_address
from bot.signature import is_signed_by_twilio, public_url

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/twilio", tags=["twilio"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _signed_params(request: Request) -> dict[str, str] | None:
    """The webhook's fields if Twilio signed them, else None. The body was capped by
    api/request_limits.py (bot/main.py); more fields than Twilio ever sends is a 413."""
    settings = get_settings()
    body = await request.body()
    if body.count(b"&") >= settings.max_webhook_fields:  # urlencoded: one '&' between fields
        raise AppError(413, f"too many form fields: at most {settings.max_webhook_fields}")
    form = await request.form(max_files=0, max_fields=settings.max_webhook_fields)
    params = {key: str(value) for key, value in form.items()}
    valid = is_signed_by_twilio(
        auth_token=settings.twilio_auth_token,
        url=public_url(request, settings.public_base_url),
        params=params,
        signature=request.headers.get("X-Twilio-Signature", ""),
    )
    return params if valid else None


def _store(params: dict[str, str]) -> tuple[str, bool]:
    sender = parse_address(params["From"])
    with session_scope() as session:
        message, created = record_inbound(
            session,
            message_sid=params["MessageSid"],
            channel=sender.channel,
            from_phone=sender.phone,
            to_address=params.get("To", ""),
            body=params.get("Body", ""),
            num_media=parse_count(params.get("NumMedia")),
        )
        session.commit()
        return message.from_phone, created


@router.post("/messages")
async def inbound_message(request: Request) -> Response:
    params = await _signed_params(request)
    if params is None:
        log.warning("refused an unsigned or forged inbound webhook")
        return Response("invalid signature", status_code=403)
    if not params.get("MessageSid") or not params.get("From"):
        return Response("MessageSid and From are required", status_code=400)
    from_phone, created = await asyncio.to_thread(_store, params)
    if created:
        request.app.state.processor.submit(from_phone)
    else:
        log.info("replayed MessageSid from %s ignored", mask(from_phone))
    return Response(EMPTY_TWIML, media_type="text/xml")


def _store_status(params: dict[str, str]) -> None:
    with session_scope() as session:
        record_status(
            session,
            message_sid=params["MessageSid"],
            status=params["MessageStatus"],
            error_code=params.get("ErrorCode"),
        )
        session.commit()


@router.post("/status")
async def delivery_status(request: Request) -> Response:
    params = await _signed_params(request)
    if params is None:
        return Response("invalid signature", status_code=403)
    if not params.get("MessageSid") or not params.get("MessageStatus"):
        return Response("MessageSid and MessageStatus are required", status_code=400)
    await asyncio.to_thread(_store_status, params)
    return Response(status_code=204)
