"""What the person answers about their booked appointment (reminder): confirm, cancel, move;
and a yes or a no to the consent question when one waits.

The API decides (POST /internal/bot/appointment-reply, docs/bot-api.md): it knows whether
there is an upcoming appointment and whether the person was just asked "cancel or move?".
The actions only utter its outcome. With no upcoming appointment the outcome is
not_applicable and the calling action goes on with the invitation flow it ran before.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.common import caller, latest_text, utter_appointment

# intents the endpoint accepts
APPOINTMENT_REPLY_INTENTS = frozenset(
    {
        "affirm",
        "deny",
        "cannot_come",
        "cancel_appointment",
        "reschedule_appointment",
        "other_slots",
    }
)
# outcomes answered with a fixed text
PLAIN_RESPONSES = {
    "confirmed": "utter_confirmed",
    "cancelled": "utter_cancelled",
    "cancelled_late": "utter_cancelled_late",
    # not utter_no_more_slots: that one invites to pick an offered slot or to ask for
    # a professional, while here the appointment stays and a professional is told
    "no_more_slots": "utter_move_no_slots",
    # the answer to the consent question asked by SMS (the API knows it was pending)
    "consent_given": "utter_consent_given",
    "consent_refused": "utter_consent_refused",
}
# outcomes answered with the date and time of the appointment
APPOINTMENT_RESPONSES = {
    "asked_cancel_or_move": "utter_ask_cancel_or_move",
    "kept": "utter_kept",
}


def utter_appointment_reply(dispatcher: CollectingDispatcher, answer: dict[str, Any]) -> bool:
    """Utter the response matching an appointment-reply answer.

    False (nothing uttered) when the outcome is not_applicable; raise ApiUnavailable if
    the answer is unusable.
    """
    outcome = answer.get("outcome")
    if outcome == "not_applicable":
        return False
    if outcome in PLAIN_RESPONSES:
        dispatcher.utter_message(response=PLAIN_RESPONSES[outcome])
    elif outcome in APPOINTMENT_RESPONSES:
        if not utter_appointment(dispatcher, APPOINTMENT_RESPONSES[outcome], answer):
            raise ApiUnavailable(f"{outcome} without appointment")
    elif outcome == "move_offered":
        options_text = answer.get("options_text") or ""
        if not options_text.strip():
            raise ApiUnavailable("move_offered without options")
        dispatcher.utter_message(response="utter_move_offered", options_text=options_text)
    else:
        raise ApiUnavailable(f"unexpected appointment-reply outcome {outcome!r}")
    return True


async def reply_about_appointment(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> bool:
    """Send the person's answer to the API and utter the outcome.

    False when the person has no upcoming appointment (the caller runs its invitation
    flow). Raises ApiUnavailable or UnknownBeneficiary like the other API calls.
    """
    answer = await api_client.call(
        api_client.appointment_reply, caller(tracker), intent, latest_text(tracker)
    )
    return utter_appointment_reply(dispatcher, answer)
