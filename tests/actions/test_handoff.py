"""actions/handoff.py: what the assistant cannot handle goes to the professionals' queue."""

import pytest
from rasa_sdk import Action

from actions.handoff import ActionFallback, ActionHandoff, ActionOutOfScope
from tests.actions.fake_bot_api import (
    APPOINTMENT,
    BENEFICIARY_ID,
    TECHNICAL_PROBLEM,
    VOUCHER,
    FakeBotApi,
    message,
    run,
)

HANDOFF = "/internal/bot/handoff"
SLOT_CHOICE = "/internal/bot/slot-choice"


def test_asking_for_a_human_queues_the_person_and_says_when(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", HANDOFF, {"expected_label": "d'ici mardi 1er décembre"})

    events, said = run(ActionHandoff(), message("je veux un conseiller", "ask_human"))

    assert (events, said) == (
        [],
        [{"response": "utter_handoff", "expected_label": "d'ici mardi 1er décembre"}],
    )
    [sent] = bot_api.requests
    assert (sent.method, sent.path, sent.voucher) == ("POST", HANDOFF, VOUCHER)
    assert sent.body == {
        "beneficiary_id": BENEFICIARY_ID,
        "reason": "asked_human",
        "text": "je veux un conseiller",
    }


def test_a_handoff_answer_without_expected_label_is_a_technical_problem(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", HANDOFF, {"expected_label": "  "})

    assert run(ActionHandoff(), message("un humain", "ask_human")) == ([], [TECHNICAL_PROBLEM])


def test_out_of_scope_needs_no_expected_label(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", HANDOFF, {})

    events, said = run(ActionOutOfScope(), message("ma CAF a pas payé", "out_of_scope"))

    assert (events, said) == ([], [{"response": "utter_out_of_scope"}])
    assert bot_api.requests[0].body == {
        "beneficiary_id": BENEFICIARY_ID,
        "reason": "out_of_scope",
        "text": "ma CAF a pas payé",
    }


@pytest.mark.parametrize("action", [ActionHandoff, ActionOutOfScope])
def test_a_handoff_with_the_api_down_is_a_technical_problem(
    bot_api: FakeBotApi, action: type[Action]
) -> None:
    bot_api.answers("POST", HANDOFF, {"detail": "boom"}, status=500)

    assert run(action(), message("allo", "ask_human")) == ([], [TECHNICAL_PROBLEM])


@pytest.mark.parametrize("outcome", ["booked", "moved"])
def test_the_fallback_books_when_the_words_name_a_slot(bot_api: FakeBotApi, outcome: str) -> None:
    bot_api.answers("POST", SLOT_CHOICE, {"outcome": outcome, "appointment": APPOINTMENT})

    events, said = run(ActionFallback(), message("jeudi 14h", "nlu_fallback"))

    assert (events, said) == ([], [{"response": f"utter_{outcome}", **APPOINTMENT}])
    assert bot_api.sent() == [("POST", SLOT_CHOICE, {"beneficiary_id": BENEFICIARY_ID, "text": "jeudi 14h"})]


def test_the_fallback_offers_the_options_again_when_the_words_fit_several(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", SLOT_CHOICE, {"outcome": "ambiguous", "options_text": "1 : jeudi\n2 : jeudi"})

    _, said = run(ActionFallback(), message("jeudi", "nlu_fallback"))

    assert said == [{"response": "utter_ambiguous_slot", "options_text": "1 : jeudi\n2 : jeudi"}]
    assert [r.path for r in bot_api.requests] == [SLOT_CHOICE]


@pytest.mark.parametrize("outcome", ["no_match", "no_invitation", "already_booked"])
def test_the_fallback_hands_off_words_that_name_no_slot(bot_api: FakeBotApi, outcome: str) -> None:
    bot_api.answers("POST", SLOT_CHOICE, {"outcome": outcome, "options_text": "1 : jeudi"})
    bot_api.answers("POST", HANDOFF, {"expected_label": "d'ici lundi"})

    events, said = run(ActionFallback(), message("blabla", "nlu_fallback"))

    assert (events, said) == ([], [{"response": "utter_not_understood"}])
    assert bot_api.sent() == [
        ("POST", SLOT_CHOICE, {"beneficiary_id": BENEFICIARY_ID, "text": "blabla"}),
        ("POST", HANDOFF, {"beneficiary_id": BENEFICIARY_ID, "reason": "not_understood", "text": "blabla"}),
    ]


def test_a_question_the_fallback_cannot_place_is_answered_as_out_of_scope(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", SLOT_CHOICE, {"outcome": "no_match", "options_text": "1 : jeudi"})
    bot_api.answers("POST", HANDOFF, {"expected_label": "d'ici lundi"})
    text = "vous connaissez un bon garagiste ?"

    _, said = run(ActionFallback(), message(text, "nlu_fallback"))

    assert said == [{"response": "utter_out_of_scope"}]
    assert bot_api.sent()[-1] == (
        "POST",
        HANDOFF,
        {"beneficiary_id": BENEFICIARY_ID, "reason": "out_of_scope", "text": text},
    )


def test_the_fallback_with_the_api_down_does_not_hand_off(bot_api: FakeBotApi) -> None:
    bot_api.is_down("POST", SLOT_CHOICE)

    assert run(ActionFallback(), message("blabla", "nlu_fallback")) == ([], [TECHNICAL_PROBLEM])
    assert [r.path for r in bot_api.requests] == [SLOT_CHOICE]
