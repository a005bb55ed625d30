"""Booking: the person picks one of the offered slots or asks for other ones."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.appointment_reply import APPOINTMENT_REPLY_INTENTS, reply_about_appointment
from actions.common import (
    UnknownBeneficiary,
    caller,
    latest_intent,
    latest_text,
    utter_appointment,
    utter_options,
    utter_technical_problem,
)
from actions.dialogue import DialogueAction

# slot-choice outcomes answered with the options of the API answer
OPTION_RESPONSES = {
    "ambiguous": "utter_ambiguous_slot",
    "no_match": "utter_no_match",
    "slot_taken": "utter_slot_taken",
}
# outcomes (of slot-choice and more-slots) answered with the appointment
APPOINTMENT_RESPONSES = {
    "booked": "utter_booked",
    "already_booked": "utter_already_booked",
    # after move_offered, the chosen slot replaces the booked appointment
    "moved": "utter_moved",
}


def utter_slot_choice(dispatcher: CollectingDispatcher, answer: dict[str, Any]) -> None:
    """Utter the response matching a slot-choice answer; raise ApiUnavailable if unusable."""
    outcome = answer.get("outcome")
    if outcome in OPTION_RESPONSES:
        utter_options(dispatcher, OPTION_RESPONSES[outcome], answer.get("options_text") or "")
    elif outcome in APPOINTMENT_RESPONSES:
        if not utter_appointment(dispatcher, APPOINTMENT_RESPONSES[outcome], answer):
            raise ApiUnavailable(f"{outcome} without appointment")
        # after a first booking, the questionnaire's first question (api/questionnaire)
        follow_up = str(answer.get("follow_up_text") or "").strip()
        if follow_up:
            dispatcher.utter_message(text=follow_up)
    elif outcome == "no_invitation":
        dispatcher.utter_message(response="utter_no_invitation")
    else:
        raise ApiUnavailable(f"unexpected slot-choice outcome {outcome!r}")


def utter_more_slots(dispatcher: CollectingDispatcher, answer: dict[str, Any]) -> None:
    """Utter the response matching a more-slots answer; raise ApiUnavailable if unusable."""
    outcome = answer.get("outcome")
    if outcome == "offered":
        utter_options(dispatcher, "utter_more_slots", answer.get("options_text") or "")
    elif outcome == "none_left":
        dispatcher.utter_message(response="utter_no_more_slots")
    elif outcome == "no_invitation":
        dispatcher.utter_message(response="utter_no_invitation")
    elif outcome == "already_booked":
        if not utter_appointment(dispatcher, "utter_already_booked", answer):
            raise ApiUnavailable("already_booked without appointment")
    else:
        raise ApiUnavailable(f"unexpected more-slots outcome {outcome!r}")


# slot-choice outcomes that show the text was understood as a slot choice
UNDERSTOOD_AS_CHOICE = frozenset({"booked", "moved", "ambiguous", "slot_taken", "none_fit"})


async def answer_slot_choice(
    dispatcher: CollectingDispatcher, tracker: Tracker, answer: dict[str, Any]
) -> None:
    """Utter a slot-choice answer; when every offered slot was ruled out, offer others."""
    if answer.get("outcome") == "none_fit":
        await offer_more_slots(dispatcher, tracker)
    else:
        utter_slot_choice(dispatcher, answer)


async def answered_as_slot_choice(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Try the words as a slot choice ("deux merci", "2"); True if they named a slot.

    slot-choice books nothing when no invitation is pending (no_invitation, already_booked),
    and nothing when no offered slot matches (no_match). Raises like the other API calls.
    """
    answer = await api_client.call(api_client.slot_choice, caller(tracker), latest_text(tracker))
    if answer.get("outcome") not in UNDERSTOOD_AS_CHOICE:
        return False
    await answer_slot_choice(dispatcher, tracker, answer)
    return True


async def offer_more_slots(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Invitation flow: offer the next free slots (raises ApiUnavailable, UnknownBeneficiary)."""
    answer = await api_client.call(api_client.more_slots, caller(tracker))
    utter_more_slots(dispatcher, answer)


class ActionChooseSlot(DialogueAction):
    """Send the person's words to the API, which books when exactly one offered slot matches."""

    def name(self) -> str:
        return "action_choose_slot"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            answer = await api_client.call(api_client.slot_choice, caller(tracker), latest_text(tracker))
            await answer_slot_choice(dispatcher, tracker, answer)
        except (ApiUnavailable, UnknownBeneficiary):
            utter_technical_problem(dispatcher)
        return []


class ActionOfferMoreSlots(DialogueAction):
    """A "no" or "other dates": offer the next free slots after the ones already offered.

    With a booked appointment the API answers instead (cancel or move?, new slots...).
    """

    def name(self) -> str:
        return "action_offer_more_slots"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        try:
            if intent in APPOINTMENT_REPLY_INTENTS and await reply_about_appointment(
                dispatcher, tracker, intent
            ):
                return []
            await offer_more_slots(dispatcher, tracker)
        except (ApiUnavailable, UnknownBeneficiary):
            utter_technical_problem(dispatcher)
        return []
