"""actions/barriers.py: what holds the person back (offers nearby, then resume), and immersions."""

from typing import Any

import pytest

from actions.barriers import ActionBarrier, ActionImmersion
from tests.actions.fake_bot_api import (
    APPOINTMENT,
    BENEFICIARY_ID,
    TECHNICAL_PROBLEM,
    VOUCHER,
    FakeBotApi,
    message,
    run,
)

BARRIER = "/internal/bot/barrier"
HANDOFF = "/internal/bot/handoff"
OFFERS = "1. Garage solidaire, Tulle\n2. Location de scooter, Brive"
OPTIONS = "1 : jeudi 3 décembre 14h00"


@pytest.mark.parametrize(
    ("intent", "group"),
    [
        ("barrier_childcare", "garde_enfants"),
        ("barrier_mobility", "mobilite"),
        ("barrier_licence", "permis"),
        ("barrier_housing", "logement"),
        ("barrier_health", "sante"),
        ("barrier_digital", "numerique"),
    ],
)
def test_each_barrier_intent_is_sent_as_its_group(bot_api: FakeBotApi, intent: str, group: str) -> None:
    bot_api.answers("POST", BARRIER, {"outcome": "offers", "offers_text": OFFERS})

    events, said = run(ActionBarrier(), message("j'ai pas de voiture", intent))

    assert (events, said) == ([], [{"response": "utter_barrier_offers", "offers_text": OFFERS}])
    [sent] = bot_api.requests
    assert (sent.method, sent.path, sent.voucher) == ("POST", BARRIER, VOUCHER)
    assert sent.body == {"beneficiary_id": BENEFICIARY_ID, "group": group, "text": "j'ai pas de voiture"}


def test_no_offer_says_when_a_professional_will_call(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", BARRIER, {"outcome": "no_offer", "expected_label": "d'ici lundi"})

    _, said = run(ActionBarrier(), message("je dors chez un ami", "barrier_housing"))

    assert said == [{"response": "utter_barrier_no_offer", "expected_label": "d'ici lundi"}]


def test_a_booking_in_the_same_message_comes_first_and_the_choice_and_question_resume(
    bot_api: FakeBotApi,
) -> None:
    bot_api.answers(
        "POST",
        BARRIER,
        {
            "booking": {"outcome": "booked", "appointment": APPOINTMENT},
            "outcome": "offers",
            "offers_text": OFFERS,
            "pending_options_text": OPTIONS,
            "resume_text": "Comment viendrez-vous ?",
        },
    )

    _, said = run(ActionBarrier(), message("le 1, et j'ai pas de voiture", "barrier_mobility"))

    assert said == [
        {"response": "utter_booked", **APPOINTMENT},
        {"response": "utter_barrier_offers", "offers_text": OFFERS},
        {"response": "utter_resume_slot_choice", "options_text": OPTIONS},
        {"text": "Comment viendrez-vous ?"},
    ]


@pytest.mark.parametrize(
    "answer",
    [
        {"outcome": "offers", "offers_text": " "},
        {"outcome": "no_offer"},
        {"outcome": "recorded"},
        {"booking": {"outcome": "booked"}, "outcome": "offers", "offers_text": OFFERS},
        {
            "booking": {"outcome": "no_match", "appointment": APPOINTMENT},
            "outcome": "offers",
            "offers_text": OFFERS,
        },
    ],
    ids=["offers-empty", "no-offer-no-label", "unknown", "booking-no-rdv", "booking-not-a-booking"],
)
def test_an_unusable_answer_says_nothing_but_the_technical_problem(
    bot_api: FakeBotApi, answer: dict[str, Any]
) -> None:
    """Everything is checked before anything is said: never half an answer, then the apology."""
    bot_api.answers("POST", BARRIER, {**answer, "pending_options_text": OPTIONS})

    assert run(ActionBarrier(), message("pas de voiture", "barrier_mobility")) == ([], [TECHNICAL_PROBLEM])


def test_the_api_down_is_a_technical_problem(bot_api: FakeBotApi) -> None:
    bot_api.is_down("POST", BARRIER)

    assert run(ActionBarrier(), message("pas de voiture", "barrier_mobility")) == ([], [TECHNICAL_PROBLEM])


def test_another_intent_is_not_understood_and_goes_to_a_professional(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", HANDOFF, {"expected_label": "d'ici lundi"})

    events, said = run(ActionBarrier(), message("bof", "greet"))

    assert (events, said) == ([], [{"response": "utter_not_understood"}])
    assert bot_api.sent() == [
        ("POST", HANDOFF, {"beneficiary_id": BENEFICIARY_ID, "reason": "not_understood", "text": "bof"})
    ]


def test_an_immersion_is_explained_and_a_professional_will_call(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", HANDOFF, {"expected_label": "d'ici mardi 1er décembre"})

    events, said = run(ActionImmersion(), message("c'est quoi une immersion", "ask_immersion"))

    assert (events, said) == (
        [],
        [{"response": "utter_immersion", "expected_label": "d'ici mardi 1er décembre"}],
    )
    [sent] = bot_api.requests
    assert (sent.path, sent.voucher) == (HANDOFF, VOUCHER)
    assert sent.body == {
        "beneficiary_id": BENEFICIARY_ID,
        "reason": "immersion",
        "text": "c'est quoi une immersion",
    }


def test_an_immersion_without_expected_label_is_a_technical_problem(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", HANDOFF, {"expected_label": ""})

    assert run(ActionImmersion(), message("un stage ?", "ask_immersion")) == ([], [TECHNICAL_PROBLEM])
