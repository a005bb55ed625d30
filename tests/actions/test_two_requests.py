"""actions/two_requests.py and actions/opt_out.py: two requests in one message; opting out."""

from actions.opt_out import ActionOptOut
from actions.two_requests import ActionTwoRequests, action_of_intent
from tests.actions.fake_bot_api import APPOINTMENT, BENEFICIARY_ID, FakeBotApi, message, run

STATE = "/internal/bot/state"
APPOINTMENT_REPLY = "/internal/bot/appointment-reply"
SLOT_CHOICE = "/internal/bot/slot-choice"
HANDOFF = "/internal/bot/handoff"
QUESTIONNAIRE = "/internal/bot/questionnaire"
BOOKED = {"invitation_pending": False, "options_text": "", "appointment": APPOINTMENT}


def test_a_confirmation_and_a_question_are_both_answered_in_order(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "confirmed"})
    bot_api.answers("GET", STATE, BOOKED)
    text = "je confirme, c'est ou deja ?"

    events, said = run(ActionTwoRequests(), message(text, "affirm+ask_appointment_info"))

    assert events == []
    assert said == [{"response": "utter_confirmed"}, {"response": "utter_appointment_info", **APPOINTMENT}]
    # each part reaches the API as the request it is, with the whole text
    assert bot_api.sent() == [
        ("POST", APPOINTMENT_REPLY, {"beneficiary_id": BENEFICIARY_ID, "intent": "affirm", "text": text}),
        ("GET", STATE, {"beneficiary_id": str(BENEFICIARY_ID)}),
    ]


def test_a_choice_and_a_call_back_book_then_queue(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", SLOT_CHOICE, {"outcome": "booked", "appointment": APPOINTMENT})
    bot_api.answers("POST", HANDOFF, {"expected_label": "d'ici mardi 1er décembre"})

    _, said = run(ActionTwoRequests(), message("le 2 et appelez moi", "choose_slot+ask_human"))

    assert [s["response"] for s in said] == ["utter_booked", "utter_handoff"]
    assert [path for _, path, _ in bot_api.sent()] == [SLOT_CHOICE, HANDOFF]


def test_the_questionnaire_hears_the_combined_intent_once(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", QUESTIONNAIRE, {"outcome": "set_aside", "texts": []})
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "confirmed"})
    bot_api.answers("GET", STATE, BOOKED)
    tracker = message("oui, c'est ou ?", "affirm+ask_appointment_info", questionnaire_pending=True)

    run(ActionTwoRequests(), tracker)

    asked = [body for _, path, body in bot_api.sent() if path == QUESTIONNAIRE]
    assert [body["intent"] for body in asked] == ["affirm+ask_appointment_info"]


def test_every_combined_intent_of_the_rules_is_made_of_intents_with_their_own_rule() -> None:
    rules = action_of_intent()
    combined = [intent for intent in rules if "+" in intent]
    assert combined, "the rules name no combined intent"
    for intent in combined:
        assert rules[intent] == "action_two_requests"
        parts = intent.split("+")
        assert all(part in rules and "+" not in rules[part] for part in parts), intent
        # two different actions, hence two different effects (the API acts once per effect)
        assert rules[parts[0]] != rules[parts[1]], intent


def test_an_opt_out_tells_the_gateway_and_says_nothing_itself(bot_api: FakeBotApi) -> None:
    events, said = run(
        ActionOptOut(), message("je veux plus de vos sms", "opt_out", questionnaire_pending=True)
    )

    assert (events, said) == ([], [{"custom": {"opt_out": True}}])
    assert bot_api.requests == []  # not even the waiting questionnaire question


def test_an_opt_out_nlu_is_unsure_of_stops_nothing_and_reaches_a_professional(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", HANDOFF, {})
    tracker = message("vous vendez des telephones ?", "opt_out")
    tracker.latest_message["intent"]["confidence"] = 0.54

    events, said = run(ActionOptOut(), tracker)

    assert (events, said) == ([], [{"response": "utter_opt_out_unsure"}])
    assert bot_api.requests[0].body == {
        "beneficiary_id": BENEFICIARY_ID,
        "reason": "not_understood",
        "text": "vous vendez des telephones ?",
    }
