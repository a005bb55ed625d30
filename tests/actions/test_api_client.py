"""actions/api_client.py: what every request carries, and which answers count as unusable."""

import pytest

from actions import api_client
from actions.api_client import ApiUnavailable
from actions.common import Caller
from tests.actions.fake_bot_api import BASE_URL, BOT_TOKEN, FakeBotApi

CALLER = Caller(beneficiary_id=7, voucher="voucher-of-inbound-99")


def test_every_request_carries_the_bot_token_and_the_voucher_of_the_message(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", "/internal/bot/more-slots", {"outcome": "none_left"})
    bot_api.answers("GET", "/internal/bot/state", {"invitation_pending": False})

    assert api_client.more_slots(CALLER) == {"outcome": "none_left"}
    assert api_client.state(CALLER) == {"invitation_pending": False}

    more_slots, state = bot_api.requests
    assert (more_slots.bot_token, more_slots.voucher) == (BOT_TOKEN, "voucher-of-inbound-99")
    assert more_slots.body == {"beneficiary_id": 7}
    # the state is a read: its beneficiary goes in the query, with no body
    assert (state.method, state.query, state.body) == ("GET", {"beneficiary_id": "7"}, None)
    assert (state.bot_token, state.voucher) == (BOT_TOKEN, "voucher-of-inbound-99")


def test_the_base_url_may_end_with_a_slash(bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPIE_BOT_API_URL", BASE_URL + "/")
    bot_api.answers("POST", "/internal/bot/handoff", {"expected_label": "demain"})

    assert api_client.handoff(CALLER, "asked_human", "allo") == {"expected_label": "demain"}
    assert bot_api.requests[0].path == "/internal/bot/handoff"


@pytest.mark.parametrize("status", [400, 403, 404, 422, 500, 503])
def test_an_error_status_is_unavailable(bot_api: FakeBotApi, status: int) -> None:
    bot_api.answers("POST", "/internal/bot/slot-choice", {"detail": "no"}, status=status)

    with pytest.raises(ApiUnavailable, match=f"HTTP {status}"):
        api_client.slot_choice(CALLER, "le 2")


def test_an_answer_that_is_not_json_is_unavailable(bot_api: FakeBotApi) -> None:
    bot_api.answers_text("POST", "/internal/bot/barrier", "<html>proxy error</html>")

    with pytest.raises(ApiUnavailable, match="invalid JSON"):
        api_client.barrier(CALLER, "mobilite", "pas de voiture")


def test_a_json_answer_that_is_not_an_object_is_unavailable(bot_api: FakeBotApi) -> None:
    bot_api.answers("POST", "/internal/bot/appointment-reply", ["confirmed"])

    with pytest.raises(ApiUnavailable, match="not an object"):
        api_client.appointment_reply(CALLER, "affirm", "oui")


def test_a_refused_connection_is_unavailable(bot_api: FakeBotApi) -> None:
    bot_api.is_down("POST", "/internal/bot/questionnaire")

    with pytest.raises(ApiUnavailable):
        api_client.questionnaire(CALLER, "say_transport", None, "en bus")
