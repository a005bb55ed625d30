"""Point 2: nothing acts on a person's data unless our gateway vouched for the message.

Attacks the real processes over HTTP, as anyone on the host could: Rasa's port, the action
server's port and the internal bot API's port, each with another person's id. The agenda of
the person attacked must stay unchanged.
"""

import time

import pytest

from api.botapi import voucher
from tests.e2e.conftest import Agenda
from tests.e2e.system import System, wait_for

pytestmark = pytest.mark.e2e


def appointments(system: System, person: dict) -> list[dict]:
    return (
        system.api.get("/api/appointments", params={"beneficiary_id": person["id"]}).raise_for_status().json()
    )


def booked_counts(system: System, agenda: Agenda) -> list[int]:
    listed = system.api.get("/api/slots", params={"motif_id": agenda.motif["id"]}).raise_for_status().json()
    slots = {slot["id"]: slot for slot in listed}
    return [slots[slot["id"]]["booked_count"] for slot in agenda.slots]


@pytest.fixture
def victim(system: System, agenda: Agenda) -> dict:
    """An invited person, who has the invitation SMS and has not answered yet."""
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    return person


def gateway_channel(system: System, sender: str, text: str, metadata: dict) -> int:
    response = system.http.post(
        f"{system.rasa_url}/webhooks/gateway/webhook",
        json={"sender": sender, "message": text, "metadata": metadata},
    )
    return response.status_code


def test_rasa_has_no_open_rest_channel(system: System, agenda: Agenda, victim: dict) -> None:
    before = booked_counts(system, agenda)
    response = system.http.post(
        f"{system.rasa_url}/webhooks/rest/webhook",
        json={"sender": f"b-{victim['id']}", "message": "2", "metadata": {"beneficiary_id": victim["id"]}},
    )
    assert response.status_code == 404
    assert appointments(system, victim) == [] and booked_counts(system, agenda) == before


def test_rasa_refuses_messages_without_a_good_voucher(system: System, agenda: Agenda, victim: dict) -> None:
    before = booked_counts(system, agenda)
    sender = f"b-{victim['id']}"
    claimed = {"beneficiary_id": victim["id"], "channel": "sms"}
    forged = voucher.sign("not-the-key", beneficiary_id=victim["id"], inbound_id=1, text="2")
    good = voucher.sign(system.gateway_signing_key, beneficiary_id=victim["id"], inbound_id=1, text="2")
    payload, mac = good.split(".")
    stale = voucher.sign(
        system.gateway_signing_key,
        beneficiary_id=victim["id"],
        inbound_id=1,
        text="2",
        now=time.time() - 3600,
    )
    attempts = {
        "no voucher": (sender, "2", claimed),
        "forged": (sender, "2", {**claimed, "voucher": forged}),
        "edited signature": (sender, "2", {**claimed, "voucher": f"{payload}.{mac[:-2]}AA"}),
        "stale": (sender, "2", {**claimed, "voucher": stale}),
        "another text": (sender, "1", {**claimed, "voucher": good}),
        "another sender": (f"b-{victim['id'] + 1}", "2", {**claimed, "voucher": good}),
    }
    for name, attempt in attempts.items():
        assert gateway_channel(system, *attempt) == 403, name
    assert appointments(system, victim) == [] and booked_counts(system, agenda) == before
    # Refused at the door: Rasa kept nothing of it (read with Rasa's own token).
    tracker = system.http.get(
        f"{system.rasa_url}/conversations/{sender}/tracker", params={"token": system.rasa_auth_token}
    ).json()
    assert not [event for event in tracker["events"] if event["event"] == "user"]


def test_a_replayed_voucher_books_nothing(system: System, agenda: Agenda, victim: dict) -> None:
    """A voucher for a message already handled (a replay) is refused by the API, even though it
    is well signed: the person's first, handled message cannot be used again to book."""
    system.text(victim["phone"], "bonjour")
    system.wait_replies(victim["phone"], 2)
    [handled] = [
        entry
        for entry in system.api.get(f"/api/beneficiaries/{victim['id']}/carnet").json()
        if entry["kind"] == "inbound_message"
    ]
    inbound_id = handled["inbound_message_id"]
    before = booked_counts(system, agenda)
    replay = voucher.sign(
        system.gateway_signing_key, beneficiary_id=victim["id"], inbound_id=inbound_id, text="2"
    )
    metadata = {"voucher": replay, "channel": "sms"}
    assert gateway_channel(system, f"b-{victim['id']}", "2", metadata) == 200
    assert appointments(system, victim) == [] and booked_counts(system, agenda) == before


def test_the_action_server_acts_for_nobody_without_a_voucher(
    system: System, agenda: Agenda, victim: dict
) -> None:
    before = booked_counts(system, agenda)
    forged = voucher.sign("not-the-key", beneficiary_id=victim["id"], inbound_id=1, text="2")
    for metadata in ({"beneficiary_id": victim["id"]}, {"beneficiary_id": victim["id"], "voucher": forged}):
        response = system.http.post(
            f"http://127.0.0.1:{system.ports['actions']}/webhook",
            json={
                "next_action": "action_choose_slot",
                "sender_id": f"b-{victim['id']}",
                "tracker": {
                    "sender_id": f"b-{victim['id']}",
                    "slots": {},
                    "latest_message": {"text": "2", "intent": {"name": "choose_slot"}, "metadata": metadata},
                    "events": [],
                    "paused": False,
                    "followup_action": None,
                    "active_loop": {},
                    "latest_action_name": "action_listen",
                },
                "domain": {},
                "version": "3.6.2",
            },
        )
        assert response.status_code == 200
        texts = [message.get("response") for message in response.json()["responses"]]
        assert texts == ["utter_technical_problem"], response.json()
    assert appointments(system, victim) == [] and booked_counts(system, agenda) == before


def test_the_internal_api_needs_the_voucher_and_is_not_on_the_console_listener(
    system: System, agenda: Agenda, victim: dict
) -> None:
    before = booked_counts(system, agenda)
    body = {"beneficiary_id": victim["id"], "text": "2"}
    token = {"X-Bot-Token": system.bot_token}
    forged = voucher.sign("not-the-key", beneficiary_id=victim["id"], inbound_id=1, text="2")
    for headers in (token, {**token, "X-Spie-Voucher": forged}, {**token, "X-Spie-Voucher": "x.y"}):
        response = system.http.post(
            f"{system.internal_url}/internal/bot/slot-choice", json=body, headers=headers
        )
        assert response.status_code == 403, response.text
    read = system.http.get(
        f"{system.internal_url}/internal/bot/state", params={"beneficiary_id": victim["id"]}, headers=token
    )
    assert read.status_code == 403
    console_listener = system.http.post(
        f"{system.api_url}/internal/bot/slot-choice", json=body, headers=token
    )
    assert console_listener.status_code == 404
    assert appointments(system, victim) == [] and booked_counts(system, agenda) == before


def test_the_real_path_still_books(system: System, agenda: Agenda, victim: dict) -> None:
    """The control: the same "2" through Twilio and our gateway books."""
    system.text(victim["phone"], "le 2")
    wait_for(lambda: appointments(system, victim), what="the booking")
    assert sum(booked_counts(system, agenda)) == 1
