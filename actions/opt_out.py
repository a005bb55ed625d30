"""Opting out in the person's own words ("je veux plus de vos sms", "desabonnez moi").

The gateway owns opting out (the STOP keyword never reaches Rasa): this action only tells it,
with the custom payload {"opt_out": true}, and says nothing itself. The gateway records the
opt-out and sends its usual confirmation, the one message an opted-out person still gets.

Stopping every message on a wrong guess would cut a person off from their follow-up, so a
guess NLU is unsure of opts nobody out: the person learns the keyword, a professional reads it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import hand_off

OPT_OUT_PAYLOAD = {"opt_out": True}
# Measured on both evaluation sets (eval/): 11 of the 12 opt-outs in words that Rasa takes for
# opt_out score 0.82 or more ("c qui ? stop": 0.75, told the keyword); the one question taken
# for an opt-out ("vous vendez des telephones ?") scores 0.54.
SURE_ENOUGH = 0.8


def confidence(tracker: Tracker) -> float:
    value = ((tracker.latest_message or {}).get("intent") or {}).get("confidence")
    return float(value) if isinstance(value, int | float) else 0.0


class ActionOptOut(Action):
    """Not a DialogueAction: a waiting questionnaire question is moot once the person says stop."""

    def name(self) -> str:
        return "action_opt_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if confidence(tracker) >= SURE_ENOUGH:
            dispatcher.utter_message(json_message=OPT_OUT_PAYLOAD)
        else:
            await hand_off(dispatcher, tracker, "not_understood", "utter_opt_out_unsure")
        return []
