"""Appointment: the person cannot come, cancels or wants to move a booked appointment.

Each action sends the words to the API first (appointment-reply, see
actions/appointment_reply.py). When the person has no upcoming appointment
(not_applicable), the words are about the slots of an invitation: offer other slots, or,
for a cancellation, let a professional handle it (such messages went to a professional
before these intents existed).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import ApiUnavailable
from actions.appointment_reply import reply_about_appointment
from actions.booking import offer_more_slots
from actions.common import UnknownBeneficiary, utter_technical_problem
from actions.dialogue import DialogueAction
from actions.handoff import hand_off


class ActionCannotCome(DialogueAction):
    """The person cannot come ("je pourrai pas venir"): the API asks cancel or move, once."""

    def name(self) -> str:
        return "action_cannot_come"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            if not await reply_about_appointment(dispatcher, tracker, "cannot_come"):
                await offer_more_slots(dispatcher, tracker)
        except (ApiUnavailable, UnknownBeneficiary):
            utter_technical_problem(dispatcher)
        return []


class ActionCancelAppointment(DialogueAction):
    """The person cancels ("annulez mon rdv"): the API records it at once."""

    def name(self) -> str:
        return "action_cancel_appointment"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            handled = await reply_about_appointment(dispatcher, tracker, "cancel_appointment")
        except (ApiUnavailable, UnknownBeneficiary):
            utter_technical_problem(dispatcher)
            return []
        if not handled:
            # nothing booked: declining an invitation, or an appointment the API does
            # not know, is for a professional
            await hand_off(dispatcher, tracker, "asked_human", "utter_handoff")
        return []


class ActionRescheduleAppointment(DialogueAction):
    """The person wants to move it ("on peut décaler ?"): the API offers new slots at once.

    The next slot choice (action_choose_slot) then moves the appointment.
    """

    def name(self) -> str:
        return "action_reschedule_appointment"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            if not await reply_about_appointment(dispatcher, tracker, "reschedule_appointment"):
                await offer_more_slots(dispatcher, tracker)
        except (ApiUnavailable, UnknownBeneficiary):
            utter_technical_problem(dispatcher)
        return []
