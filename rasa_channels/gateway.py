"""Rasa's only input channel: the REST channel, but every message must carry the gateway's voucher.

Registered in credentials.yml as `rasa_channels.gateway.GatewayInput` (URL
/webhooks/gateway/webhook). A request whose voucher is missing, forged, stale, for another
sender or for another text is refused (403) before it reaches the dialogue: nothing in the
tracker, no action run. The metadata Rasa keeps names the person from the voucher only.
"""

from __future__ import annotations

import os
from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import Forbidden
from sanic.request import Request

from api.botapi import voucher as vouchers

KEY_ENV = "SPIE_GATEWAY_SIGNING_KEY"
DEV_KEY = "dev-gateway-signing-key"


class GatewayInput(RestInput):
    def __init__(self, signing_key: str) -> None:
        self._signing_key = signing_key

    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GatewayInput:
        return cls(os.environ.get(KEY_ENV, DEV_KEY))

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        body = request.json if isinstance(request.json, dict) else {}
        metadata = body.get("metadata")
        claimed: dict[str, Any] = metadata if isinstance(metadata, dict) else {}
        try:
            voucher = vouchers.verify(self._signing_key, claimed.get("voucher"))
        except vouchers.InvalidVoucher as exc:
            raise Forbidden(f"gateway voucher refused: {exc}") from exc
        message = body.get("message")
        if body.get("sender") != voucher.sender_id or not isinstance(message, str):
            raise Forbidden("gateway voucher refused: another sender")
        if not voucher.covers_text(message):
            raise Forbidden("gateway voucher refused: another text")
        return {
            "voucher": claimed["voucher"],
            "beneficiary_id": voucher.beneficiary_id,
            "inbound_id": voucher.inbound_id,
            "channel": claimed.get("channel"),
            # only a hint to save a call: the API knows whether a question waits
            "questionnaire_pending": claimed.get("questionnaire_pending") is True,
        }
