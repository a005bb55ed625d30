"""The conversation evaluation's judge (eval/run_conversation.py): strict, state first."""

from eval.run_conversation import effects

OFFERED = [11, 12, 13, 14]


def state(**changes: object) -> dict:
    base = {"appointments": [], "carnet": [], "handoffs": [], "opted_out": False}
    return {**base, **changes}


def test_a_booking_counts_as_the_offered_slot_it_took() -> None:
    after = state(appointments=[{"id": 1, "slot_id": 13, "status": "unknown", "confirmed_at": None}])
    assert effects(state(), after, ["Votre rendez-vous est confirmé ..."], OFFERED)[0] == "slot_3"


def test_a_move_offer_is_not_the_none_fits_list() -> None:
    assert effects(state(), state(), ["Voici d'autres créneaux :\n1) ..."], OFFERED) == ["move"]
    assert effects(state(), state(), ["D'autres créneaux :\n1) ..."], OFFERED) == ["none_fits"]


def test_the_cancel_or_move_question_is_not_a_cancellation() -> None:
    booked = [{"id": 1, "slot_id": 11, "status": "unknown", "confirmed_at": None}]
    reply = "Vous ne pouvez pas venir le ... ? Répondez ANNULER pour annuler, ou DEPLACER pour ..."
    observed = effects(state(appointments=booked), state(appointments=booked), [reply], OFFERED)
    assert observed == ["(asked cancel or move)"]


def test_a_barrier_needs_a_carnet_entry_and_the_state_comes_before_the_reply() -> None:
    entry = {"id": 5, "kind": "barrier", "data": '{"group": "permis"}'}
    observed = effects(state(), state(carnet=[entry]), ["Avec plaisir. Bonne journée !"], OFFERED)
    assert observed == ["mobility", "thanks"]
    transport = {"id": 6, "kind": "questionnaire_answer", "data": {"question": "transport", "choice": "car"}}
    assert effects(state(), state(carnet=[transport]), [], OFFERED) == ["(transport: car)"]


def test_stop_comes_first() -> None:
    handoff = {"id": 2, "reason": "asked_human"}
    observed = effects(state(), state(opted_out=True, handoffs=[handoff]), [], OFFERED)
    assert observed == ["stop", "human"]
