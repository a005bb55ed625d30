"""Two requests in one message ("je confirme, c'est ou deja ?", "le 1 et appelez moi").

NLU gives such a message one combined intent, "affirm+ask_appointment_info" (data/nlu/
two_requests.yml). This action runs, in the order written, the action that the rules give each
part alone (data/rules/rules.yml stays the one place that says which action answers an intent),
each seeing its own part as the message's intent. The waiting questionnaire question, if any,
is consulted once, with the combined intent (it sets itself aside).

Each combined intent pairs requests whose effects differ (booking, handoff, barrier...): the
API acts once per message and effect, so two parts asking for the same effect would get one.
"""

from __future__ import annotations

import copy
import logging
from functools import cache
from pathlib import Path
from typing import Any, cast

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointment import ActionCancelAppointment, ActionCannotCome, ActionRescheduleAppointment
from actions.barriers import ActionBarrier, ActionImmersion
from actions.booking import ActionChooseSlot, ActionOfferMoreSlots
from actions.common import latest_intent
from actions.conversation import ActionAffirmOrAsk, ActionAppointmentInfo, ActionWhoAreYou
from actions.dialogue import DialogueAction
from actions.handoff import ActionHandoff, ActionOutOfScope
from actions.opt_out import ActionOptOut

logger = logging.getLogger(__name__)

RULES = Path(__file__).resolve().parents[1] / "data" / "rules" / "rules.yml"
SEPARATOR = "+"

# The actions a part may run (ActionFallback is never a part: a part is understood).
_PART_ACTIONS: tuple[Action, ...] = (
    ActionChooseSlot(),
    ActionOfferMoreSlots(),
    ActionAffirmOrAsk(),
    ActionAppointmentInfo(),
    ActionWhoAreYou(),
    ActionCannotCome(),
    ActionCancelAppointment(),
    ActionRescheduleAppointment(),
    ActionHandoff(),
    ActionOutOfScope(),
    ActionBarrier(),
    ActionImmersion(),
    ActionOptOut(),
)
PART_ACTIONS = {action.name(): action for action in _PART_ACTIONS}


@cache
def action_of_intent() -> dict[str, str]:
    """intent -> action name, from the rules of one intent followed by one action."""
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"]
    mapping: dict[str, str] = {}
    for rule in rules:
        steps = rule.get("steps") or []
        if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
            mapping[steps[0]["intent"]] = steps[1]["action"]
    return mapping


def with_intent(tracker: Tracker, intent: str) -> Tracker:
    """A copy of the tracker whose latest message has this intent (the rest unchanged)."""
    part = copy.copy(tracker)
    latest = dict(tracker.latest_message or {})
    latest["intent"] = {**(latest.get("intent") or {}), "name": intent}
    part.latest_message = latest
    return part


async def run_part(
    intent: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> list[dict[str, Any]]:
    action = PART_ACTIONS.get(action_of_intent().get(intent, ""))
    if action is None:
        logger.warning("no action for the part %r of a combined intent", intent)
        return []
    part = with_intent(tracker, intent)
    if isinstance(action, DialogueAction):
        return await action.act(dispatcher, part, domain)
    return await action.run(dispatcher, part, cast(DomainDict, domain))


class ActionTwoRequests(DialogueAction):
    """Each part of a combined intent, answered as if it came alone, in the order written."""

    def name(self) -> str:
        return "action_two_requests"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for intent in (latest_intent(tracker) or "").split(SEPARATOR):
            events += await run_part(intent, dispatcher, tracker, domain)
        return events
