"""Tiny HTTP client for the internal bot API (docs/bot-api.md).

The action server never touches the database: every read or write goes through
these functions. Any failure to get a usable answer raises ApiUnavailable, which
the actions turn into utter_technical_problem + {"escalate": "api_unavailable"}.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from actions.common import Caller

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8002"
DEFAULT_BOT_TOKEN = "dev-bot-token"
TIMEOUT_SECONDS = 5


class ApiUnavailable(Exception):
    """The API could not be reached or gave no usable answer."""


def _base_url() -> str:
    return os.environ.get("SPIE_BOT_API_URL", DEFAULT_API_URL).rstrip("/")


def _headers(caller: Caller) -> dict[str, str]:
    return {
        "X-Bot-Token": os.environ.get("SPIE_BOT_TOKEN", DEFAULT_BOT_TOKEN),
        "X-Spie-Voucher": caller.voucher,
    }


def _request(method: str, path: str, caller: Caller, **kwargs: Any) -> dict[str, Any]:
    """Send one request and return the JSON object answered, or raise ApiUnavailable."""
    url = f"{_base_url()}{path}"
    try:
        response = requests.request(method, url, headers=_headers(caller), timeout=TIMEOUT_SECONDS, **kwargs)
    except requests.RequestException as exc:
        logger.warning("bot API %s %s failed: %s", method, path, exc)
        raise ApiUnavailable(str(exc)) from exc
    if response.status_code >= 400:
        # 5xx per the contract; 4xx (bad token, unknown person, invalid body) is a
        # deployment or contract bug the person cannot fix: escalate the same way.
        logger.warning("bot API %s %s answered %s", method, path, response.status_code)
        raise ApiUnavailable(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        logger.warning("bot API %s %s answered non-JSON", method, path)
        raise ApiUnavailable("invalid JSON") from exc
    if not isinstance(data, dict):
        raise ApiUnavailable("JSON answer is not an object")
    return data


def slot_choice(caller: Caller, text: str) -> dict[str, Any]:
    """POST /internal/bot/slot-choice: resolve the person's words and book if one slot matches."""
    body = {"beneficiary_id": caller.beneficiary_id, "text": text}
    return _request("POST", "/internal/bot/slot-choice", caller, json=body)


def more_slots(caller: Caller) -> dict[str, Any]:
    """POST /internal/bot/more-slots: offer the next free slots."""
    body = {"beneficiary_id": caller.beneficiary_id}
    return _request("POST", "/internal/bot/more-slots", caller, json=body)


def state(caller: Caller) -> dict[str, Any]:
    """GET /internal/bot/state: pending invitation, options and upcoming appointment."""
    params = {"beneficiary_id": caller.beneficiary_id}
    return _request("GET", "/internal/bot/state", caller, params=params)


def appointment_reply(caller: Caller, intent: str, text: str) -> dict[str, Any]:
    """POST /internal/bot/appointment-reply: the person answers about their booked appointment."""
    body = {"beneficiary_id": caller.beneficiary_id, "intent": intent, "text": text}
    return _request("POST", "/internal/bot/appointment-reply", caller, json=body)


def handoff(caller: Caller, reason: str, text: str) -> dict[str, Any]:
    """POST /internal/bot/handoff: put the person in the professionals' queue.

    The answer says when to expect a call (expected_label, "d'ici mardi 1er décembre").
    """
    body = {"beneficiary_id": caller.beneficiary_id, "reason": reason, "text": text}
    return _request("POST", "/internal/bot/handoff", caller, json=body)


def barrier(caller: Caller, group: str, text: str) -> dict[str, Any]:
    """POST /internal/bot/barrier: record what holds the person back, find offers nearby."""
    body = {"beneficiary_id": caller.beneficiary_id, "group": group, "text": text}
    return _request("POST", "/internal/bot/barrier", caller, json=body)


def questionnaire(caller: Caller, intent: str, barrier_group: str | None, text: str) -> dict[str, Any]:
    """POST /internal/bot/questionnaire: the message, as Rasa understood it, for the waiting question."""
    body = {
        "beneficiary_id": caller.beneficiary_id,
        "intent": intent,
        "barrier_group": barrier_group,
        "text": text,
    }
    return _request("POST", "/internal/bot/questionnaire", caller, json=body)


async def call(function: Any, *args: Any) -> dict[str, Any]:
    """Run a blocking API call in a thread so the action server's event loop keeps serving."""
    return await asyncio.to_thread(function, *args)
