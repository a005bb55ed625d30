"""Conversation: yes, hello, and questions about the appointment, answered from the state."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.appointment_reply import reply_about_appointment
from actions.booking import answered_as_slot_choice
from actions.common import (
    UnknownBeneficiary,
    caller,
    latest_intent,
    utter_appointment,
    utter_technical_problem,
)
from actions.dialogue import DialogueAction


async def _state_or_apology(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
    """The person's state from the API, or None once the technical apology is said."""
    try:
        return await api_client.call(api_client.state, caller(tracker))
    except (ApiUnavailable, UnknownBeneficiary):
        utter_technical_problem(dispatcher)
        return None


def _pending_options(state: dict[str, Any]) -> str:
    """The options to offer if an invitation is pending, else an empty string."""
    if state.get("invitation_pending"):
        return state.get("options_text") or ""
    return ""


class ActionAffirmOrAsk(DialogueAction):
    """Answer a "yes", a greeting or thanks according to the person's state.

    A "yes" about a booked appointment (answer to a reminder, or "finally I come" after
    the cancel-or-move question) is answered by the API first (appointment-reply); so are
    thanks ("ok merci"), which confirm only an appointment whose reminder was sent.
    Otherwise, invitation pending: the words may name a slot ("deux merci"), else ask which
    slot (thanks: without the list again). How the person will come (say_transport) with no
    questionnaire question waiting: noted. Appointment booked: remind it after a greeting,
    acknowledge otherwise. Nothing: thank back or introduce the assistant.
    """

    def name(self) -> str:
        return "action_affirm_or_ask"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        try:
            if intent == "affirm" and await reply_about_appointment(dispatcher, tracker, intent):
                return []
            # "ok merci" after a reminder confirms it: the API decides by what was sent
            if intent == "thanks" and await reply_about_appointment(dispatcher, tracker, "acknowledge"):
                return []
            state = await api_client.call(api_client.state, caller(tracker))
            # "deux merci", "ok pour le 1": a choice said with thanks or a yes (not "bonjour")
            if (
                intent in ("thanks", "affirm")
                and _pending_options(state)
                and await answered_as_slot_choice(dispatcher, tracker)
            ):
                return []
        except (ApiUnavailable, UnknownBeneficiary):
            utter_technical_problem(dispatcher)
            return []

        options_text = _pending_options(state)
        if options_text and intent == "thanks":
            # "merci je regarde": no list again, just how to answer once chosen
            dispatcher.utter_message(response="utter_thanks_choose_later")
        elif options_text:
            dispatcher.utter_message(response="utter_ask_which_slot", options_text=options_text)
        elif intent == "say_transport":
            # how they will come, with no questionnaire question waiting for it
            dispatcher.utter_message(response="utter_noted")
        elif state.get("appointment") and intent == "greet":
            # "bonjour" after booking: remind the appointment and how to change it
            utter_appointment(dispatcher, "utter_already_booked", state)
        elif state.get("appointment") or intent == "thanks":
            dispatcher.utter_message(response="utter_thanks_reply")
        else:
            dispatcher.utter_message(response="utter_greet")
        return []


class ActionAppointmentInfo(DialogueAction):
    """Remind the date, time and place of the appointment, or the options still open."""

    def name(self) -> str:
        return "action_appointment_info"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        state = await _state_or_apology(dispatcher, tracker)
        if state is None:
            return []

        options_text = _pending_options(state)
        if state.get("appointment") and utter_appointment(dispatcher, "utter_appointment_info", state):
            return []
        place_name = str(state.get("offer_place_name") or "").strip()
        address = str(state.get("offer_address") or "").strip()
        if options_text and place_name and address:
            dispatcher.utter_message(
                response="utter_offer_place",
                place_name=place_name,
                address=address,
                options_text=options_text,
            )
        elif options_text:
            dispatcher.utter_message(response="utter_ask_which_slot", options_text=options_text)
        else:
            dispatcher.utter_message(response="utter_no_invitation")
        return []


class ActionWhoAreYou(DialogueAction):
    """ "Qui m'ecrit ?": the person's organisation, what the service is, how to reach a person."""

    def name(self) -> str:
        return "action_who_are_you"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        state = await _state_or_apology(dispatcher, tracker)
        if state is None:
            return []
        name = (state.get("organisation_name") or "").strip()
        phone = (state.get("contact_phone") or "").strip()
        hours = (state.get("contact_hours") or "").strip()
        if not name:
            utter_technical_problem(dispatcher)
        elif phone and hours:
            dispatcher.utter_message(
                response="utter_who_are_you",
                organisation_name=name,
                contact_phone=phone,
                contact_hours=hours,
            )
        elif phone:
            dispatcher.utter_message(
                response="utter_who_are_you_phone_only", organisation_name=name, contact_phone=phone
            )
        else:
            dispatcher.utter_message(response="utter_who_are_you_no_phone", organisation_name=name)
        return []
