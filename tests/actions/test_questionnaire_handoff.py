"""DialogueAction.run: a waiting questionnaire question reads the message before the action does."""

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import DialogueAction
from actions.handoff import ActionHandoff
from tests.actions.fake_bot_api import (
    BENEFICIARY_ID,
    TECHNICAL_PROBLEM,
    VOUCHER,
    FakeBotApi,
    message,
    run,
)

QUESTIONNAIRE = "/internal/bot/questionnaire"
HANDOFF = "/internal/bot/handoff"


class RecordingAction(DialogueAction):
    """An action whose own part only notes that it ran."""

    def __init__(self) -> None:
        self.acted = 0

    def name(self) -> str:
        return "action_recording"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        self.acted += 1
        dispatcher.utter_message(response="utter_acted")
        return []


def test_nothing_waiting_goes_straight_to_the_action(bot_api: FakeBotApi) -> None:
    action = RecordingAction()

    events, said = run(action, message("je viens en bus", "say_transport"))

    assert (events, said, action.acted) == ([], [{"response": "utter_acted"}], 1)
    assert bot_api.requests == []


def test_an_answer_is_answered_by_the_questionnaire_and_the_action_does_not_run(bot_api: FakeBotApi) -> None:
    bot_api.answers(
        "POST",
        QUESTIONNAIRE,
        {"outcome": "answered", "texts": ["C'est noté, merci.", "  ", "Avez-vous le permis ?"]},
    )
    action = RecordingAction()

    events, said = run(action, message("en bus", "say_transport", questionnaire_pending=True))

    assert events == []
    assert said == [{"text": "C'est noté, merci."}, {"text": "Avez-vous le permis ?"}]
    assert action.acted == 0
    [sent] = bot_api.requests
    assert (sent.method, sent.path) == ("POST", QUESTIONNAIRE)
    assert sent.body == {
        "beneficiary_id": BENEFICIARY_ID,
        "intent": "say_transport",
        "barrier_group": None,
        "text": "en bus",
    }
    assert sent.voucher == VOUCHER


@pytest.mark.parametrize("outcome", ["set_aside", "not_pending"])
def test_another_request_goes_on_to_the_action_its_rule_chose(bot_api: FakeBotApi, outcome: str) -> None:
    bot_api.answers("POST", QUESTIONNAIRE, {"outcome": outcome, "texts": []})
    bot_api.answers("POST", HANDOFF, {"expected_label": "d'ici mardi 1er décembre"})

    events, said = run(
        ActionHandoff(), message("je veux parler à quelqu'un", "ask_human", questionnaire_pending=True)
    )

    assert events == []
    assert said == [{"response": "utter_handoff", "expected_label": "d'ici mardi 1er décembre"}]
    assert [(r.method, r.path) for r in bot_api.requests] == [("POST", QUESTIONNAIRE), ("POST", HANDOFF)]


def test_a_message_without_intent_is_sent_with_an_empty_one(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", QUESTIONNAIRE, {"outcome": "answered", "texts": ["Merci."]})

    run(RecordingAction(), message("???", None, questionnaire_pending=True))

    assert bot_api.requests[0].body == {
        "beneficiary_id": BENEFICIARY_ID,
        "intent": "",
        "barrier_group": None,
        "text": "???",
    }


def test_a_barrier_comes_with_its_group(bot_api: FakeBotApi) -> None:
    """The actions alone map barrier intents to the API's groups; the questionnaire gets the group."""
    bot_api.answers("POST", QUESTIONNAIRE, {"outcome": "answered", "texts": ["Merci."]})

    run(RecordingAction(), message("j'ai pas de voiture", "barrier_mobility", questionnaire_pending=True))

    assert bot_api.requests[0].body == {
        "beneficiary_id": BENEFICIARY_ID,
        "intent": "barrier_mobility",
        "barrier_group": "mobilite",
        "text": "j'ai pas de voiture",
    }


@pytest.mark.parametrize(
    "answer",
    [
        {"outcome": "answered", "texts": []},
        {"outcome": "answered", "texts": [" "]},
        {"outcome": "maybe", "texts": ["?"]},
        {"texts": ["Merci."]},
    ],
    ids=["answered-without-text", "answered-with-blank-text", "unknown-outcome", "no-outcome"],
)
def test_an_unusable_answer_is_a_technical_problem_and_the_action_does_not_run(
    bot_api: FakeBotApi, answer: dict[str, Any]
) -> None:
    bot_api.answers("POST", QUESTIONNAIRE, answer)
    action = RecordingAction()

    events, said = run(action, message("en bus", "say_transport", questionnaire_pending=True))

    assert (events, said, action.acted) == ([], [TECHNICAL_PROBLEM], 0)


def test_the_api_down_is_a_technical_problem(bot_api: FakeBotApi) -> None:
    bot_api.is_down("POST", QUESTIONNAIRE)
    action = RecordingAction()

    events, said = run(action, message("en bus", "say_transport", questionnaire_pending=True))

    assert (events, said, action.acted) == ([], [TECHNICAL_PROBLEM], 0)


def test_a_message_nobody_vouched_for_asks_nothing_of_the_api(bot_api: FakeBotApi) -> None:
    action = RecordingAction()
    tracker = message("en bus", "say_transport", metadata={"questionnaire_pending": True})

    events, said = run(action, tracker)

    assert (events, said, action.acted) == ([], [TECHNICAL_PROBLEM], 0)
    assert bot_api.requests == []


@pytest.mark.parametrize("hint", [False, None, "true", 1])
def test_only_a_true_hint_means_a_question_is_waiting(bot_api: FakeBotApi, hint: object) -> None:
    tracker = message("en bus", "say_transport")
    tracker.latest_message["metadata"]["questionnaire_pending"] = hint
    action = RecordingAction()

    run(action, tracker)

    assert action.acted == 1
    assert bot_api.requests == []
