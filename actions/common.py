"""Helpers shared by the actions: who is writing, and the uttering of API answers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

APPOINTMENT_FIELDS = ("date_label", "time_label", "place_name", "address")

# NLU intent -> group of the barrier API: the one place that maps the two (the API knows
# groups, never intents of barriers).
BARRIER_GROUPS = {
    "barrier_childcare": "garde_enfants",
    "barrier_mobility": "mobilite",
    "barrier_licence": "permis",
    "barrier_housing": "logement",
    "barrier_health": "sante",
    "barrier_digital": "numerique",
}


class UnknownBeneficiary(Exception):
    """The message carries no voucher from our gateway: nobody to act for."""


@dataclass(frozen=True)
class Caller:
    """The person our gateway vouched for, and the voucher the API checks (api/botapi/voucher.py)."""

    beneficiary_id: int
    voucher: str


def caller(tracker: Tracker) -> Caller:
    """Who wrote the latest message, as Rasa's gateway channel verified it (never the sender id)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    beneficiary_id = metadata.get("beneficiary_id")
    voucher = metadata.get("voucher")
    if type(beneficiary_id) is not int or not isinstance(voucher, str) or not voucher:
        raise UnknownBeneficiary(tracker.sender_id)
    return Caller(beneficiary_id=beneficiary_id, voucher=voucher)


def latest_text(tracker: Tracker) -> str:
    """The raw text of the person's last message."""
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    """The intent NLU gave the person's last message."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def appointment_fields(answer: dict[str, Any]) -> dict[str, str] | None:
    """The appointment labels of an API answer, or None if it carries no appointment."""
    appointment = answer.get("appointment")
    if not isinstance(appointment, dict):
        return None
    return {field: str(appointment.get(field) or "") for field in APPOINTMENT_FIELDS}


def utter_technical_problem(dispatcher: CollectingDispatcher) -> None:
    """Tell the person and ask the gateway to queue the message for a professional."""
    dispatcher.utter_message(response="utter_technical_problem", json_message={"escalate": "api_unavailable"})


def utter_options(dispatcher: CollectingDispatcher, response: str, options_text: str) -> None:
    """Utter a response that lists options; with no option left, say so instead."""
    if options_text.strip():
        dispatcher.utter_message(response=response, options_text=options_text)
    else:
        dispatcher.utter_message(response="utter_no_more_slots")


def utter_appointment(dispatcher: CollectingDispatcher, response: str, answer: dict[str, Any]) -> bool:
    """Utter a response about the appointment of an API answer; False if there is none."""
    # Any: utter_message types some keywords (json_message, buttons) as other than str
    fields: dict[str, Any] | None = appointment_fields(answer)
    if fields is None:
        logger.warning("API answer without the expected appointment: %s", answer)
        return False
    dispatcher.utter_message(response=response, **fields)
    return True
