"""actions/appointment.py: cannot come, cancel, move, answered by appointment-reply first."""

from typing import Any

import pytest
from rasa_sdk import Action

from actions.appointment import ActionCancelAppointment, ActionCannotCome, ActionRescheduleAppointment
from tests.actions.fake_bot_api import (
    APPOINTMENT,
    BENEFICIARY_ID,
    TECHNICAL_PROBLEM,
    VOUCHER,
    FakeBotApi,
    message,
    run,
)

APPOINTMENT_REPLY = "/internal/bot/appointment-reply"
MORE_SLOTS = "/internal/bot/more-slots"
HANDOFF = "/internal/bot/handoff"
OPTIONS = "1 : lundi 7 décembre 10h00"
ACTIONS_AND_INTENTS = [
    (ActionCannotCome, "cannot_come"),
    (ActionCancelAppointment, "cancel_appointment"),
    (ActionRescheduleAppointment, "reschedule_appointment"),
]

# each appointment-reply outcome and what the person is told
OUTCOMES = [
    ({"outcome": "confirmed"}, {"response": "utter_confirmed"}),
    ({"outcome": "cancelled"}, {"response": "utter_cancelled"}),
    ({"outcome": "cancelled_late"}, {"response": "utter_cancelled_late"}),
    ({"outcome": "no_more_slots"}, {"response": "utter_move_no_slots"}),
    ({"outcome": "consent_given"}, {"response": "utter_consent_given"}),
    ({"outcome": "consent_refused"}, {"response": "utter_consent_refused"}),
    (
        {"outcome": "asked_cancel_or_move", "appointment": APPOINTMENT},
        {"response": "utter_ask_cancel_or_move", **APPOINTMENT},
    ),
    ({"outcome": "kept", "appointment": APPOINTMENT}, {"response": "utter_kept", **APPOINTMENT}),
    (
        {"outcome": "move_offered", "options_text": OPTIONS},
        {"response": "utter_move_offered", "options_text": OPTIONS},
    ),
    ({"outcome": "asked_cancel_or_move"}, TECHNICAL_PROBLEM),
    ({"outcome": "kept", "appointment": "demain"}, TECHNICAL_PROBLEM),
    ({"outcome": "move_offered", "options_text": " "}, TECHNICAL_PROBLEM),
    ({"outcome": "postponed"}, TECHNICAL_PROBLEM),
]
OUTCOME_IDS = [
    "confirmed",
    "cancelled",
    "cancelled-late",
    "no-more-slots",
    "consent-given",
    "consent-refused",
    "ask-cancel-or-move",
    "kept",
    "move-offered",
    "ask-without-appointment",
    "kept-without-appointment",
    "move-without-options",
    "unknown",
]


@pytest.mark.parametrize(("action", "intent"), ACTIONS_AND_INTENTS)
@pytest.mark.parametrize(("answer", "expected"), OUTCOMES, ids=OUTCOME_IDS)
def test_the_api_decides_about_a_booked_appointment(
    bot_api: FakeBotApi, action: type[Action], intent: str, answer: dict[str, Any], expected: dict[str, Any]
) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, answer)

    events, said = run(action(), message("je pourrai pas venir jeudi", intent))

    assert (events, said) == ([], [expected])
    [sent] = bot_api.requests
    assert (sent.method, sent.path, sent.voucher) == ("POST", APPOINTMENT_REPLY, VOUCHER)
    assert sent.body == {
        "beneficiary_id": BENEFICIARY_ID,
        "intent": intent,
        "text": "je pourrai pas venir jeudi",
    }


@pytest.mark.parametrize(
    ("action", "intent"),
    [(ActionCannotCome, "cannot_come"), (ActionRescheduleAppointment, "reschedule_appointment")],
)
def test_with_no_appointment_other_slots_of_the_invitation_are_offered(
    bot_api: FakeBotApi, action: type[Action], intent: str
) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "not_applicable"})
    bot_api.answers("POST", MORE_SLOTS, {"outcome": "offered", "options_text": OPTIONS})

    events, said = run(action(), message("on peut décaler ?", intent))

    assert (events, said) == ([], [{"response": "utter_more_slots", "options_text": OPTIONS}])
    assert bot_api.sent()[1] == ("POST", MORE_SLOTS, {"beneficiary_id": BENEFICIARY_ID})


def test_a_cancellation_with_no_appointment_goes_to_a_professional(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "not_applicable"})
    bot_api.answers("POST", HANDOFF, {"expected_label": "d'ici mardi 1er décembre"})

    events, said = run(ActionCancelAppointment(), message("annulez tout", "cancel_appointment"))

    assert (events, said) == (
        [],
        [{"response": "utter_handoff", "expected_label": "d'ici mardi 1er décembre"}],
    )
    assert bot_api.sent()[1] == (
        "POST",
        HANDOFF,
        {"beneficiary_id": BENEFICIARY_ID, "reason": "asked_human", "text": "annulez tout"},
    )


@pytest.mark.parametrize(("action", "intent"), ACTIONS_AND_INTENTS)
def test_the_api_down_is_a_technical_problem_and_nothing_else_is_tried(
    bot_api: FakeBotApi, action: type[Action], intent: str
) -> None:
    bot_api.is_down("POST", APPOINTMENT_REPLY)

    assert run(action(), message("annulez", intent)) == ([], [TECHNICAL_PROBLEM])
    assert [r.path for r in bot_api.requests] == [APPOINTMENT_REPLY]


def test_more_slots_down_after_not_applicable_is_a_technical_problem(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", APPOINTMENT_REPLY, {"outcome": "not_applicable"})
    bot_api.is_down("POST", MORE_SLOTS)

    assert run(ActionCannotCome(), message("je peux pas", "cannot_come")) == ([], [TECHNICAL_PROBLEM])
