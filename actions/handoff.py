"""Handoff: what the assistant cannot handle goes to the professionals' queue."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.booking import answered_as_slot_choice
from actions.common import (
    UnknownBeneficiary,
    caller,
    latest_text,
    utter_technical_problem,
)
from actions.dialogue import DialogueAction

# responses that tell when a professional will call ({expected_label})
RESPONSES_WITH_EXPECTED_LABEL = frozenset({"utter_handoff", "utter_immersion"})


async def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, response: str) -> None:
    """Queue the person for a professional, then utter the response.

    The handoff answer's expected_label ("d'ici mardi 1er décembre") fills the responses
    that say when to expect a call; without it they cannot be sent (technical problem).
    """
    try:
        answer = await api_client.call(api_client.handoff, caller(tracker), reason, latest_text(tracker))
        expected_label = str(answer.get("expected_label") or "").strip()
        if response in RESPONSES_WITH_EXPECTED_LABEL and not expected_label:
            raise ApiUnavailable("handoff answer without expected_label")
    except (ApiUnavailable, UnknownBeneficiary):
        utter_technical_problem(dispatcher)
        return
    if response in RESPONSES_WITH_EXPECTED_LABEL:
        dispatcher.utter_message(response=response, expected_label=expected_label)
    else:
        dispatcher.utter_message(response=response)


class ActionHandoff(DialogueAction):
    """The person asked for a human."""

    def name(self) -> str:
        return "action_handoff"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        await hand_off(dispatcher, tracker, "asked_human", "utter_handoff")
        return []


class ActionOutOfScope(DialogueAction):
    """A question the assistant cannot answer (RSA payments, CAF, housing files...).

    An honest "not by SMS", the message goes to a professional, and CONSEILLER asks for a call.
    """

    def name(self) -> str:
        return "action_out_of_scope"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        await hand_off(dispatcher, tracker, "out_of_scope", "utter_out_of_scope")
        return []


def is_a_question(text: str) -> bool:
    return "?" in text


class ActionFallback(DialogueAction):
    """Low NLU confidence: try the text as a slot choice first ("2", "jeudi 14h"), else hand off.

    slot-choice books nothing when no invitation is pending (outcome no_invitation or
    already_booked), so it is called directly instead of reading the state first.
    A question we could not place ("vous connaissez un bon garage ?") is answered as one we
    cannot answer by SMS, which it is, rather than with "je n'ai pas compris".
    """

    def name(self) -> str:
        return "action_fallback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            if await answered_as_slot_choice(dispatcher, tracker):
                return []
        except (ApiUnavailable, UnknownBeneficiary):
            utter_technical_problem(dispatcher)
            return []
        if is_a_question(latest_text(tracker)):
            await hand_off(dispatcher, tracker, "out_of_scope", "utter_out_of_scope")
        else:
            await hand_off(dispatcher, tracker, "not_understood", "utter_not_understood")
        return []
