"""actions/booking.py: choosing an offered slot, and asking for other ones."""

from typing import Any

import pytest

from actions.booking import ActionChooseSlot, ActionOfferMoreSlots
from tests.actions.fake_bot_api import (
    APPOINTMENT,
    BENEFICIARY_ID,
    TECHNICAL_PROBLEM,
    VOUCHER,
    FakeBotApi,
    message,
    run,
)

SLOT_CHOICE = "/internal/bot/slot-choice"
MORE_SLOTS = "/internal/bot/more-slots"
APPOINTMENT_REPLY = "/internal/bot/appointment-reply"
OPTIONS = "1 : jeudi 3 décembre 14h00\n2 : vendredi 4 décembre 9h30"


def choose(bot_api: FakeBotApi, answer: dict[str, Any], text: str = "jeudi c mieux") -> list[dict[str, Any]]:
    bot_api.answers("POST", SLOT_CHOICE, answer)
    events, said = run(ActionChooseSlot(), message(text, "choose_slot"))
    assert events == []
    return said


@pytest.mark.parametrize(
    ("outcome", "response"),
    [("booked", "utter_booked"), ("already_booked", "utter_already_booked"), ("moved", "utter_moved")],
)
def test_a_booking_is_told_with_its_appointment(bot_api: FakeBotApi, outcome: str, response: str) -> None:
    said = choose(bot_api, {"outcome": outcome, "appointment": APPOINTMENT})

    assert said == [{"response": response, **APPOINTMENT}]
    [sent] = bot_api.requests
    assert (sent.method, sent.path, sent.voucher) == ("POST", SLOT_CHOICE, VOUCHER)
    assert sent.body == {"beneficiary_id": BENEFICIARY_ID, "text": "jeudi c mieux"}


def test_a_first_booking_is_followed_by_the_questionnaire_first_question(bot_api: FakeBotApi) -> None:
    said = choose(
        bot_api,
        {"outcome": "booked", "appointment": APPOINTMENT, "follow_up_text": " Comment viendrez-vous ? "},
    )

    assert said == [{"response": "utter_booked", **APPOINTMENT}, {"text": "Comment viendrez-vous ?"}]


@pytest.mark.parametrize("outcome", ["booked", "already_booked", "moved"])
def test_a_booking_without_its_appointment_is_a_technical_problem(bot_api: FakeBotApi, outcome: str) -> None:
    assert choose(bot_api, {"outcome": outcome, "appointment": None}) == [TECHNICAL_PROBLEM]


@pytest.mark.parametrize(
    ("outcome", "response"),
    [
        ("ambiguous", "utter_ambiguous_slot"),
        ("no_match", "utter_no_match"),
        ("slot_taken", "utter_slot_taken"),
    ],
)
def test_no_single_match_offers_the_options_again(bot_api: FakeBotApi, outcome: str, response: str) -> None:
    assert choose(bot_api, {"outcome": outcome, "options_text": OPTIONS}) == [
        {"response": response, "options_text": OPTIONS}
    ]


@pytest.mark.parametrize("outcome", ["ambiguous", "no_match", "slot_taken"])
def test_with_no_option_left_it_says_so(bot_api: FakeBotApi, outcome: str) -> None:
    assert choose(bot_api, {"outcome": outcome, "options_text": "  "}) == [
        {"response": "utter_no_more_slots"}
    ]


def test_when_no_option_fits_other_slots_are_offered(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", MORE_SLOTS, {"outcome": "offered", "options_text": OPTIONS})

    said = choose(bot_api, {"outcome": "none_fit"}, text="ni le 1 ni le 2")

    assert said == [{"response": "utter_more_slots", "options_text": OPTIONS}]
    assert [sent.path for sent in bot_api.requests] == [SLOT_CHOICE, MORE_SLOTS]


def test_no_pending_invitation(bot_api: FakeBotApi) -> None:
    assert choose(bot_api, {"outcome": "no_invitation"}) == [{"response": "utter_no_invitation"}]


def test_an_unexpected_outcome_is_a_technical_problem(bot_api: FakeBotApi) -> None:
    assert choose(bot_api, {"outcome": "booked_twice"}) == [TECHNICAL_PROBLEM]


def test_slot_choice_with_the_api_down_is_a_technical_problem(bot_api: FakeBotApi) -> None:
    bot_api.is_down("POST", SLOT_CHOICE)

    assert run(ActionChooseSlot(), message("le 2", "choose_slot")) == ([], [TECHNICAL_PROBLEM])


def test_slot_choice_for_nobody_vouched_for_asks_nothing(bot_api: FakeBotApi) -> None:
    tracker = message("le 2", "choose_slot", metadata={"beneficiary_id": BENEFICIARY_ID})

    assert run(ActionChooseSlot(), tracker) == ([], [TECHNICAL_PROBLEM])
    assert bot_api.requests == []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            {"outcome": "offered", "options_text": OPTIONS},
            {"response": "utter_more_slots", "options_text": OPTIONS},
        ),
        ({"outcome": "offered", "options_text": ""}, {"response": "utter_no_more_slots"}),
        ({"outcome": "none_left"}, {"response": "utter_no_more_slots"}),
        ({"outcome": "no_invitation"}, {"response": "utter_no_invitation"}),
        (
            {"outcome": "already_booked", "appointment": APPOINTMENT},
            {"response": "utter_already_booked", **APPOINTMENT},
        ),
        ({"outcome": "already_booked"}, TECHNICAL_PROBLEM),
        ({"outcome": "offered_twice"}, TECHNICAL_PROBLEM),
    ],
    ids=[
        "offered",
        "offered-empty",
        "none-left",
        "no-invitation",
        "already-booked",
        "booked-no-rdv",
        "unknown",
    ],
)
def test_other_slots_are_offered_without_an_appointment(
    bot_api: FakeBotApi, answer: dict[str, Any], expected: dict[str, Any]
) -> None:
    """With no intent the appointment-reply endpoint takes, more-slots only."""
    bot_api.answers("POST", MORE_SLOTS, answer)

    events, said = run(ActionOfferMoreSlots(), message("d'autres dates ?", None))

    assert (events, said) == ([], [expected])
    [sent] = bot_api.requests
    assert (sent.path, sent.body, sent.voucher) == (MORE_SLOTS, {"beneficiary_id": BENEFICIARY_ID}, VOUCHER)


@pytest.mark.parametrize("intent", ["deny", "other_slots"])
def test_a_no_about_a_booked_appointment_is_answered_by_the_api(bot_api: FakeBotApi, intent: str) -> None:
    bot_api.answers(
        "POST", APPOINTMENT_REPLY, {"outcome": "asked_cancel_or_move", "appointment": APPOINTMENT}
    )

    events, said = run(ActionOfferMoreSlots(), message("non", intent))

    assert (events, said) == ([], [{"response": "utter_ask_cancel_or_move", **APPOINTMENT}])
    assert bot_api.sent() == [
        ("POST", APPOINTMENT_REPLY, {"beneficiary_id": BENEFICIARY_ID, "intent": intent, "text": "non"})
    ]


def test_a_no_without_an_appointment_offers_other_slots(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "not_applicable"})
    bot_api.answers("POST", MORE_SLOTS, {"outcome": "offered", "options_text": OPTIONS})

    events, said = run(ActionOfferMoreSlots(), message("non", "deny"))

    assert (events, said) == ([], [{"response": "utter_more_slots", "options_text": OPTIONS}])
    assert [r.path for r in bot_api.requests] == [APPOINTMENT_REPLY, MORE_SLOTS]


def test_other_slots_with_the_api_down_is_a_technical_problem(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "not_applicable"})
    bot_api.is_down("POST", MORE_SLOTS)

    assert run(ActionOfferMoreSlots(), message("non", "deny")) == ([], [TECHNICAL_PROBLEM])
