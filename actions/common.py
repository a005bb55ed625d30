"""Helpers shared by the actions: who is writing, and the uttering of API answers."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

APPOINTMENT_FIELDS = ("date_label", "time_label", "place_name", "address")


class UnknownBeneficiary(Exception):
    """Neither the message metadata nor the sender id names a beneficiary."""


def beneficiary_id(tracker: Tracker) -> int:
    """The beneficiary id from the message metadata, else from the sender id ("b-12" -> 12)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get("beneficiary_id")
    if value is not None:
        try:
            return int(value)
        except (TypeError, ValueError):
            pass
    sender = tracker.sender_id or ""
    if sender.startswith("b-") and sender[2:].isdigit():
        return int(sender[2:])
    raise UnknownBeneficiary(sender)


def latest_text(tracker: Tracker) -> str:
    """The raw text of the person's last message."""
    return (tracker.latest_message or {}).get("text") or ""


def appointment_fields(answer: dict[str, Any]) -> dict[str, str] | None:
    """The appointment labels of an API answer, or None if it carries no appointment."""
    appointment = answer.get("appointment")
    if not isinstance(appointment, dict):
        return None
    return {field: str(appointment.get(field) or "") for field in APPOINTMENT_FIELDS}


def utter_technical_problem(dispatcher: CollectingDispatcher) -> None:
    """Tell the person and ask the gateway to queue the message for a professional."""
    dispatcher.utter_message(
        response="utter_technical_problem", json_message={"escalate": "api_unavailable"}
    )


def utter_options(dispatcher: CollectingDispatcher, response: str, options_text: str) -> None:
    """Utter a response that lists options; with no option left, say so instead."""
    if options_text.strip():
        dispatcher.utter_message(response=response, options_text=options_text)
    else:
        dispatcher.utter_message(response="utter_no_more_slots")


def utter_appointment(
    dispatcher: CollectingDispatcher, response: str, answer: dict[str, Any]
) -> bool:
    """Utter a response about the appointment of an API answer; False if there is none."""
    fields = appointment_fields(answer)
    if fields is None:
        logger.warning("API answer without the expected appointment: %s", answer)
        return False
    dispatcher.utter_message(response=response, **fields)
    return True
