"""Barriers ("freins", issue 4): what holds the person back, and immersions.

A barrier can be said at any moment, even while choosing a slot. The API
(POST /internal/bot/barrier, docs/bot-api.md) records it in the carnet and finds up to
3 offers near the person, or tells a professional when there is none. It also gives
back the pending slot options: the bot then sends them again so the choice resumes.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.booking import APPOINTMENT_RESPONSES
from actions.common import (
    BARRIER_GROUPS,
    UnknownBeneficiary,
    appointment_fields,
    caller,
    latest_intent,
    latest_text,
    utter_technical_problem,
)
from actions.dialogue import DialogueAction
from actions.handoff import hand_off

logger = logging.getLogger(__name__)



def barrier_messages(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The responses (with their values) for a barrier answer; ApiUnavailable if unusable.

    Everything is checked before anything is uttered, so the person never gets half an
    answer followed by the technical-problem message.
    """
    messages: list[dict[str, Any]] = []
    booking = answer.get("booking")
    if isinstance(booking, dict):
        # "le 1, et j'ai pas de voiture": the booking first (its follow-up comes as resume_text)
        fields = appointment_fields(booking)
        if fields is None or booking.get("outcome") not in APPOINTMENT_RESPONSES:
            raise ApiUnavailable("barrier booking without appointment")
        messages.append({"response": APPOINTMENT_RESPONSES[booking["outcome"]], **fields})
    outcome = answer.get("outcome")
    if outcome == "offers":
        offers_text = str(answer.get("offers_text") or "").strip()
        if not offers_text:
            raise ApiUnavailable("offers without offers_text")
        messages.append({"response": "utter_barrier_offers", "offers_text": offers_text})
    elif outcome == "no_offer":
        expected_label = str(answer.get("expected_label") or "").strip()
        if not expected_label:
            raise ApiUnavailable("no_offer without expected_label")
        messages.append({"response": "utter_barrier_no_offer", "expected_label": expected_label})
    else:
        raise ApiUnavailable(f"unexpected barrier outcome {outcome!r}")
    options_text = str(answer.get("pending_options_text") or "").strip()
    if options_text:
        messages.append({"response": "utter_resume_slot_choice", "options_text": options_text})
    # a questionnaire question was waiting: it is asked again
    resume_text = str(answer.get("resume_text") or "").strip()
    if resume_text:
        messages.append({"text": resume_text})
    return messages


class ActionBarrier(DialogueAction):
    """Childcare, travel, licence, housing, health, digital: offers nearby, then resume."""

    def name(self) -> str:
        return "action_barrier"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        group = BARRIER_GROUPS.get(intent or "")
        if group is None:
            # only the rules of the barrier intents run this action
            logger.warning("action_barrier after intent %r", intent)
            await hand_off(dispatcher, tracker, "not_understood", "utter_not_understood")
            return []
        try:
            answer = await api_client.call(api_client.barrier, caller(tracker), group, latest_text(tracker))
            messages = barrier_messages(answer)
        except (ApiUnavailable, UnknownBeneficiary):
            utter_technical_problem(dispatcher)
            return []
        for message in messages:
            dispatcher.utter_message(**message)
        return []


class ActionImmersion(DialogueAction):
    """Immersion, stage, PMSMP: what it is in plain words, and a professional will call."""

    def name(self) -> str:
        return "action_immersion"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        await hand_off(dispatcher, tracker, "immersion", "utter_immersion")
        return []
