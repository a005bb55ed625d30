"""actions/conversation.py: yes, hello, thanks, and questions answered from the person's state."""

from typing import Any

import pytest

from actions.conversation import ActionAffirmOrAsk, ActionAppointmentInfo, ActionWhoAreYou
from tests.actions.fake_bot_api import (
    APPOINTMENT,
    BENEFICIARY_ID,
    TECHNICAL_PROBLEM,
    VOUCHER,
    FakeBotApi,
    message,
    run,
)

STATE = "/internal/bot/state"
APPOINTMENT_REPLY = "/internal/bot/appointment-reply"
SLOT_CHOICE = "/internal/bot/slot-choice"
OPTIONS = "1 : jeudi 3 décembre 14h00\n2 : vendredi 4 décembre 9h30"
PENDING = {"invitation_pending": True, "options_text": OPTIONS, "appointment": None}
BOOKED = {"invitation_pending": False, "options_text": "", "appointment": APPOINTMENT}
NOTHING = {"invitation_pending": False, "options_text": "", "appointment": None}
NOT_APPLICABLE = {"outcome": "not_applicable"}


def paths(bot_api: FakeBotApi) -> list[str]:
    return [sent.path for sent in bot_api.requests]


def test_a_yes_to_a_reminder_is_answered_by_the_api(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "confirmed"})

    events, said = run(ActionAffirmOrAsk(), message("oui", "affirm"))

    assert (events, said) == ([], [{"response": "utter_confirmed"}])
    assert bot_api.sent() == [
        ("POST", APPOINTMENT_REPLY, {"beneficiary_id": BENEFICIARY_ID, "intent": "affirm", "text": "oui"})
    ]
    assert bot_api.requests[0].voucher == VOUCHER


def test_thanks_after_a_reminder_are_sent_as_an_acknowledgement(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "confirmed"})

    _, said = run(ActionAffirmOrAsk(), message("ok merci", "thanks"))

    assert said == [{"response": "utter_confirmed"}]
    assert bot_api.requests[0].body == {
        "beneficiary_id": BENEFICIARY_ID,
        "intent": "acknowledge",
        "text": "ok merci",
    }


@pytest.mark.parametrize("intent", ["affirm", "thanks"])
def test_a_choice_said_with_a_yes_or_thanks_books(bot_api: FakeBotApi, intent: str) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, NOT_APPLICABLE)
    bot_api.answers("GET", STATE, PENDING)
    bot_api.answers("POST", SLOT_CHOICE, {"outcome": "booked", "appointment": APPOINTMENT})

    events, said = run(ActionAffirmOrAsk(), message("deux merci", intent))

    assert (events, said) == ([], [{"response": "utter_booked", **APPOINTMENT}])
    assert paths(bot_api) == [APPOINTMENT_REPLY, STATE, SLOT_CHOICE]
    assert bot_api.requests[1].query == {"beneficiary_id": str(BENEFICIARY_ID)}
    assert bot_api.requests[2].body == {"beneficiary_id": BENEFICIARY_ID, "text": "deux merci"}


def test_a_yes_naming_no_slot_asks_which_one(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, NOT_APPLICABLE)
    bot_api.answers("GET", STATE, PENDING)
    bot_api.answers("POST", SLOT_CHOICE, {"outcome": "no_match", "options_text": OPTIONS})

    _, said = run(ActionAffirmOrAsk(), message("oui", "affirm"))

    assert said == [{"response": "utter_ask_which_slot", "options_text": OPTIONS}]


def test_thanks_naming_no_slot_do_not_send_the_list_again(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, NOT_APPLICABLE)
    bot_api.answers("GET", STATE, PENDING)
    bot_api.answers("POST", SLOT_CHOICE, {"outcome": "no_invitation"})

    _, said = run(ActionAffirmOrAsk(), message("merci je regarde", "thanks"))

    assert said == [{"response": "utter_thanks_choose_later"}]


def test_a_greeting_with_an_invitation_pending_asks_which_slot_without_trying_a_choice(
    bot_api: FakeBotApi,
) -> None:
    bot_api.answers("GET", STATE, PENDING)

    _, said = run(ActionAffirmOrAsk(), message("bonjour", "greet"))

    assert said == [{"response": "utter_ask_which_slot", "options_text": OPTIONS}]
    assert paths(bot_api) == [STATE]


def test_options_of_an_invitation_no_longer_pending_are_not_offered(bot_api: FakeBotApi) -> None:
    bot_api.answers("GET", STATE, {**NOTHING, "options_text": OPTIONS})

    _, said = run(ActionAffirmOrAsk(), message("bonjour", "greet"))

    assert said == [{"response": "utter_greet"}]


def test_how_the_person_comes_with_no_question_waiting_is_noted(bot_api: FakeBotApi) -> None:
    bot_api.answers("GET", STATE, BOOKED)

    _, said = run(ActionAffirmOrAsk(), message("je viens en bus", "say_transport"))

    assert said == [{"response": "utter_noted"}]
    assert paths(bot_api) == [STATE]


def test_a_greeting_after_booking_reminds_the_appointment(bot_api: FakeBotApi) -> None:
    bot_api.answers("GET", STATE, BOOKED)

    _, said = run(ActionAffirmOrAsk(), message("bonjour", "greet"))

    assert said == [{"response": "utter_already_booked", **APPOINTMENT}]


@pytest.mark.parametrize(
    ("intent", "state", "response"),
    [
        ("affirm", BOOKED, "utter_thanks_reply"),
        ("thanks", BOOKED, "utter_thanks_reply"),
        ("thanks", NOTHING, "utter_thanks_reply"),
        ("affirm", NOTHING, "utter_greet"),
        ("greet", NOTHING, "utter_greet"),
    ],
)
def test_otherwise_thank_back_or_introduce_the_assistant(
    bot_api: FakeBotApi, intent: str, state: dict[str, Any], response: str
) -> None:
    if intent != "greet":
        bot_api.answers("POST", APPOINTMENT_REPLY, NOT_APPLICABLE)
    bot_api.answers("GET", STATE, state)

    events, said = run(ActionAffirmOrAsk(), message("ok", intent))

    assert (events, said) == ([], [{"response": response}])
    assert paths(bot_api)[-1] == STATE


@pytest.mark.parametrize("down", [APPOINTMENT_REPLY, STATE, SLOT_CHOICE])
def test_affirm_with_the_api_down_is_a_technical_problem(bot_api: FakeBotApi, down: str) -> None:
    answers = {
        APPOINTMENT_REPLY: ("POST", NOT_APPLICABLE),
        STATE: ("GET", PENDING),
        SLOT_CHOICE: ("POST", {}),
    }
    for path, (method, answer) in answers.items():
        if path == down:
            bot_api.is_down(method, path)
        else:
            bot_api.answers(method, path, answer)

    assert run(ActionAffirmOrAsk(), message("oui", "affirm")) == ([], [TECHNICAL_PROBLEM])


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (BOOKED, {"response": "utter_appointment_info", **APPOINTMENT}),
        (
            {**PENDING, "offer_place_name": "Maison France Services", "offer_address": "2 rue de la Gare"},
            {
                "response": "utter_offer_place",
                "place_name": "Maison France Services",
                "address": "2 rue de la Gare",
                "options_text": OPTIONS,
            },
        ),
        (
            {**PENDING, "offer_place_name": "Maison France Services", "offer_address": " "},
            {"response": "utter_ask_which_slot", "options_text": OPTIONS},
        ),
        ({**PENDING, "appointment": "demain"}, {"response": "utter_ask_which_slot", "options_text": OPTIONS}),
        (NOTHING, {"response": "utter_no_invitation"}),
    ],
    ids=["booked", "pending-with-place", "pending-without-address", "unusable-appointment", "nothing"],
)
def test_appointment_info_from_the_state(
    bot_api: FakeBotApi, state: dict[str, Any], expected: dict[str, Any]
) -> None:
    bot_api.answers("GET", STATE, state)

    events, said = run(ActionAppointmentInfo(), message("c'est où ?", "ask_appointment_info"))

    assert (events, said) == ([], [expected])
    [sent] = bot_api.requests
    assert (sent.method, sent.path, sent.query, sent.voucher) == (
        "GET",
        STATE,
        {"beneficiary_id": str(BENEFICIARY_ID)},
        VOUCHER,
    )


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (
            {
                "organisation_name": "Département de la Corrèze",
                "contact_phone": "05 55 00 00 00",
                "contact_hours": "du lundi au vendredi, 9h-17h",
            },
            {
                "response": "utter_who_are_you",
                "organisation_name": "Département de la Corrèze",
                "contact_phone": "05 55 00 00 00",
                "contact_hours": "du lundi au vendredi, 9h-17h",
            },
        ),
        (
            {
                "organisation_name": "Département de la Corrèze",
                "contact_phone": "05 55 00 00 00",
                "contact_hours": None,
            },
            {
                "response": "utter_who_are_you_phone_only",
                "organisation_name": "Département de la Corrèze",
                "contact_phone": "05 55 00 00 00",
            },
        ),
        (
            {
                "organisation_name": "Département de la Corrèze",
                "contact_phone": "",
                "contact_hours": "9h-17h",
            },
            {"response": "utter_who_are_you_no_phone", "organisation_name": "Département de la Corrèze"},
        ),
        ({"organisation_name": " ", "contact_phone": "05 55 00 00 00"}, TECHNICAL_PROBLEM),
    ],
    ids=["phone-and-hours", "phone-only", "no-phone", "no-organisation"],
)
def test_who_are_you_from_the_state(
    bot_api: FakeBotApi, state: dict[str, Any], expected: dict[str, Any]
) -> None:
    bot_api.answers("GET", STATE, {**NOTHING, **state})

    events, said = run(ActionWhoAreYou(), message("qui m'écrit ?", "who_are_you"))

    assert (events, said) == ([], [expected])
    assert paths(bot_api) == [STATE]


@pytest.mark.parametrize("action", [ActionAppointmentInfo, ActionWhoAreYou])
def test_state_unavailable_is_a_technical_problem(
    bot_api: FakeBotApi, action: type[ActionAppointmentInfo] | type[ActionWhoAreYou]
) -> None:
    bot_api.answers("GET", STATE, {"detail": "down"}, status=503)

    assert run(action(), message("c'est où ?", "ask_appointment_info")) == ([], [TECHNICAL_PROBLEM])
