"""The base of every action: a questionnaire question waiting for its answer is asked first.

Rasa has understood the message (its intent); if the gateway said a questionnaire question is
waiting (metadata `questionnaire_pending`), the API reads the message against that question
(POST /internal/bot/questionnaire). An answer is answered there (offers, next question); any
other request goes on to the action its rule chose, as it would with nothing pending.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.common import (
    BARRIER_GROUPS,
    UnknownBeneficiary,
    caller,
    latest_intent,
    latest_text,
    utter_technical_problem,
)


def questionnaire_pending(tracker: Tracker) -> bool:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return metadata.get("questionnaire_pending") is True


async def answered_by_questionnaire(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """True when the message was the answer to the waiting question (its replies are uttered)."""
    if not questionnaire_pending(tracker):
        return False
    try:
        intent = latest_intent(tracker) or ""
        answer = await api_client.call(
            api_client.questionnaire,
            caller(tracker),
            intent,
            BARRIER_GROUPS.get(intent),
            latest_text(tracker),
        )
        outcome = answer.get("outcome")
        texts = [str(text) for text in answer.get("texts") or [] if str(text).strip()]
        if outcome == "answered" and not texts:
            raise ApiUnavailable("questionnaire answered without a reply")
        if outcome not in ("answered", "set_aside", "not_pending"):
            raise ApiUnavailable(f"unexpected questionnaire outcome {outcome!r}")
    except (ApiUnavailable, UnknownBeneficiary):
        utter_technical_problem(dispatcher)
        return True
    if outcome != "answered":
        return False
    for text in texts:
        dispatcher.utter_message(text=text)
    return True


class DialogueAction(Action, metaclass=ABCMeta):
    """An action of ours: the waiting questionnaire question first, then `act`."""

    # rasa_sdk types the domain as its DomainDict; our actions take it as a plain dict
    async def run(  # type: ignore[override]
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if await answered_by_questionnaire(dispatcher, tracker):
            return []
        return await self.act(dispatcher, tracker, domain)

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """What the action does with the message."""
