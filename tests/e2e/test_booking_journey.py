"""The first whole journey through the real processes, with Twilio faked at the wire."""

import threading
import time
from datetime import datetime

import pytest

from api.messaging import texts
from tests.e2e.conftest import Agenda, new_mobile
from tests.e2e.system import PUBLIC_BASE_URL, System, wait_for
from tests.fakes.twilio_fake import sign

ADDRESS = "8 rue Jean Bouin, 26000 Valence"


def carnet(system: System, person: dict) -> list[dict]:
    return system.api.get(f"/api/beneficiaries/{person['id']}/carnet").raise_for_status().json()


def appointments(system: System, person: dict) -> list[dict]:
    return (
        system.api.get("/api/appointments", params={"beneficiary_id": person["id"]}).raise_for_status().json()
    )


def handoffs(system: System) -> list[dict]:
    return system.api.get("/api/handoffs").raise_for_status().json()


def test_invited_person_books_by_number_and_everything_is_recorded(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    invitation = agenda.invite(person)

    [invite_sms] = system.wait_replies(person["phone"], 1)
    assert invite_sms["From"] == "38123"
    assert "1) " in invite_sms["Body"] and "4) " in invite_sms["Body"]
    assert invite_sms["StatusCallback"] == "https://sms.spie.test/webhooks/twilio/status"

    response = system.text(person["phone"], "le 2 svp")
    assert response.headers["content-type"].startswith("text/xml")
    confirmation = system.wait_replies(person["phone"], 2)[1]
    assert ADDRESS in confirmation["Body"]

    [appointment] = appointments(system, person)
    assert appointment["slot_id"] == invitation["offered_slot_ids"][1]
    assert appointment["status"] == "unknown"

    def delivered_entries() -> list[dict] | None:
        entries = carnet(system, person)
        delivered = [e for e in entries if e["data"].get("delivery_status") == "delivered"]
        return entries if len(delivered) == 2 else None

    entries = wait_for(delivered_entries, what="both outbound messages delivered")
    kinds = [entry["kind"] for entry in entries]
    assert kinds == [
        "invitation_created",
        "outbound_message",
        "inbound_message",
        "appointment_booked",
        "outbound_message",
    ]
    inbound = entries[2]
    assert (
        inbound["body"] == "le 2 svp" and inbound["author"] == "beneficiary" and inbound["channel"] == "sms"
    )
    assert inbound["provider_sid"].startswith("SM")
    sent_sids = {m["sid"] for m in system.replies_to(person["phone"])}
    assert {entries[1]["provider_sid"], entries[4]["provider_sid"]} == sent_sids


def test_person_chooses_by_weekday_and_time(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    invitation = agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    second_slot = next(s for s in agenda.slots if s["id"] == invitation["offered_slot_ids"][1])
    start = datetime.fromisoformat(second_slot["start"]).astimezone(agenda.tz)
    weekday = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"][start.weekday()]

    system.text(person["phone"], f"{weekday} a {start.hour}h c mieux pour moi")
    reply = system.wait_replies(person["phone"], 2)[1]
    assert ADDRESS in reply["Body"], reply["Body"]
    assert [a["slot_id"] for a in appointments(system, person)] == [second_slot["id"]]


def test_forged_or_missing_signature_is_refused_and_nothing_stored(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    params = system.inbound_params(person["phone"], "le 1")
    assert system.post_inbound(params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert system.post_inbound(params, signature="").status_code == 403
    # A signature valid for other parameters, or for the internal URL, does not carry over.
    good = sign(system.auth_token, PUBLIC_BASE_URL + "/webhooks/twilio/messages", params)
    assert system.post_inbound({**params, "Body": "le 3"}, signature=good).status_code == 403
    internal = sign(system.auth_token, system.gateway_url + "/webhooks/twilio/messages", params)
    assert system.post_inbound(params, signature=internal).status_code == 403
    time.sleep(1)
    assert carnet(system, person) == []
    assert system.replies_to(person["phone"]) == []


def test_replayed_webhook_acts_once(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    params = system.inbound_params(person["phone"], "1")
    assert system.post_inbound(params).status_code == 200
    assert system.post_inbound(params).status_code == 200
    system.wait_replies(person["phone"], 2)
    assert system.post_inbound(params).status_code == 200
    time.sleep(2)
    assert len(system.replies_to(person["phone"])) == 2
    assert [e["kind"] for e in carnet(system, person)].count("inbound_message") == 1
    assert len(appointments(system, person)) == 1


def test_two_quick_messages_are_handled_in_order(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    invitation = agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "le 3")
    system.text(person["phone"], "merci")
    first, second = system.wait_replies(person["phone"], 3)[1:]
    assert ADDRESS in first["Body"]
    # Handled before the booking, "merci" would have got the list of slots again.
    assert "1) " not in second["Body"]
    assert [a["slot_id"] for a in appointments(system, person)] == [invitation["offered_slot_ids"][2]]
    inbound = [e for e in carnet(system, person) if e["kind"] == "inbound_message"]
    assert [e["body"] for e in inbound] == ["le 3", "merci"]


def test_two_people_race_for_the_last_place(system: System) -> None:
    agenda = Agenda(system, slots=6)
    alice, bob = agenda.person("Alice"), agenda.person("Bob")
    for person in (alice, bob):
        agenda.invite(person)
        system.wait_replies(person["phone"], 1)
    barrier = threading.Barrier(2)

    def choose_first(person: dict) -> None:
        barrier.wait()
        system.text(person["phone"], "le 1")

    threads = [threading.Thread(target=choose_first, args=(p,)) for p in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    replies = {p["phone"]: system.wait_replies(p["phone"], 2)[1]["Body"] for p in (alice, bob)}
    booked = {p["phone"]: appointments(system, p) for p in (alice, bob)}
    winners = [phone for phone, appts in booked.items() if appts]
    assert len(winners) == 1
    loser = next(p for p in (alice, bob) if p["phone"] not in winners)
    assert "1) " in replies[loser["phone"]] and ADDRESS not in replies[loser["phone"]]
    slot = system.api.get("/api/slots", params={"motif_id": agenda.motif["id"]}).json()[0]
    assert slot["booked_count"] == 1

    system.text(loser["phone"], "1")
    assert ADDRESS in system.wait_replies(loser["phone"], 3)[2]["Body"]
    [loser_appointment] = appointments(system, loser)
    assert loser_appointment["slot_id"] != booked[winners[0]][0]["slot_id"]


def test_other_dates_offers_later_slots(system: System) -> None:
    agenda = Agenda(system, slots=8)
    person = agenda.person()
    invitation = agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "aucune ne me va, vous avez une autre date ?")
    reply = system.wait_replies(person["phone"], 2)[1]["Body"]
    assert "1) " in reply
    system.text(person["phone"], "le 1")
    system.wait_replies(person["phone"], 3)
    [appointment] = appointments(system, person)
    assert appointment["slot_id"] not in invitation["offered_slot_ids"]
    assert appointment["slot_id"] == agenda.slots[4]["id"]


def test_unknown_number_learns_nothing_and_reaches_a_human(system: System, agenda: Agenda) -> None:
    stranger = new_mobile()
    system.text(stranger, "bonjour c pour mon rdv de jeudi")
    [reply] = system.wait_replies(stranger, 1)
    assert reply["Body"] == texts.UNKNOWN_NUMBER
    queued = wait_for(lambda: [h for h in handoffs(system) if h["phone"] == stranger], what="queue entry")
    assert queued[0]["reason"] == "unknown_number" and queued[0]["beneficiary_id"] is None


def test_stop_at_the_gateway_then_nothing_more(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "Stop")
    assert system.wait_replies(person["phone"], 2)[1]["Body"] == texts.OPTED_OUT
    response = system.api.post(
        "/api/invitations", json={"beneficiary_id": person["id"], "motif_id": agenda.motif["id"]}
    )
    assert response.status_code == 409
    system.text(person["phone"], "le 1")
    time.sleep(2)
    assert len(system.replies_to(person["phone"])) == 2
    assert appointments(system, person) == []
    system.text(person["phone"], "START")
    assert system.wait_replies(person["phone"], 3)[2]["Body"] == texts.OPTED_IN


def test_whatsapp_person_is_answered_on_whatsapp(system: System, agenda: Agenda) -> None:
    person = agenda.person(channel="whatsapp")
    agenda.invite(person)
    address = f"whatsapp:{person['phone']}"
    [invitation] = system.wait_replies(address, 1)
    assert invitation["From"] == "whatsapp:+33757000000"
    system.text(address, "Le 1 👍")
    reply = system.wait_replies(address, 2)[1]
    assert ADDRESS in reply["Body"] and reply["From"] == "whatsapp:+33757000000"


@pytest.mark.parametrize("body,media", [("", "1"), ("   ", "0")])
def test_empty_or_media_only_message_gets_a_clear_answer(system: System, agenda: Agenda, body, media) -> None:
    person = agenda.person()
    system.text(person["phone"], body, NumMedia=media)
    assert system.wait_replies(person["phone"], 1)[0]["Body"] == texts.EMPTY_MESSAGE
    assert [e["kind"] for e in carnet(system, person)][0] == "inbound_message"


def test_far_too_long_message_is_kept_and_read_by_a_human(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    long_text = "Bonjour je vous explique ma situation. " * 30
    system.text(person["phone"], long_text)
    assert system.wait_replies(person["phone"], 1)[0]["Body"] == texts.TOO_LONG
    queued = [h for h in handoffs(system) if h["beneficiary_id"] == person["id"]]
    assert queued and queued[0]["reason"] == "message_too_long" and queued[0]["text"] == long_text


def test_asking_for_a_human_lands_in_the_queue(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "je veux parler a un conseiller svp")
    system.wait_replies(person["phone"], 2)
    queued = wait_for(
        lambda: [h for h in handoffs(system) if h["beneficiary_id"] == person["id"]], what="queue entry"
    )
    assert queued[0]["reason"] == "asked_human"


def _weekday(agenda: Agenda, slot_id: int) -> tuple[str, datetime]:
    slot = next(s for s in agenda.slots if s["id"] == slot_id)
    start = datetime.fromisoformat(slot["start"]).astimezone(agenda.tz)
    return ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][start.weekday()], start


def test_time_written_with_spaces_books(system: System, agenda: Agenda) -> None:
    """Issue 12: "14 h 00", with spaces around the h."""
    person = agenda.person()
    invitation = agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    weekday, start = _weekday(agenda, invitation["offered_slot_ids"][1])
    system.text(person["phone"], f"{weekday} a {start.hour} h 00")
    reply = system.wait_replies(person["phone"], 2)[1]
    assert ADDRESS in reply["Body"], reply["Body"]
    assert [a["slot_id"] for a in appointments(system, person)] == [invitation["offered_slot_ids"][1]]


def test_choice_with_an_excluded_day_books_the_other(system: System, agenda: Agenda) -> None:
    """Issue 12: "plutot le <day 2> a 9h, le <day 1> je travaille" books day 2 at 9:00."""
    person = agenda.person()
    invitation = agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    first_day, _ = _weekday(agenda, invitation["offered_slot_ids"][0])
    other_day, start = _weekday(agenda, invitation["offered_slot_ids"][2])
    assert first_day != other_day
    system.text(person["phone"], f"plutôt le {other_day} à {start.hour}h, le {first_day} je travaille")
    reply = system.wait_replies(person["phone"], 2)[1]
    assert ADDRESS in reply["Body"], reply["Body"]
    assert [a["slot_id"] for a in appointments(system, person)] == [invitation["offered_slot_ids"][2]]


def test_who_is_writing_gets_who_we_are(system: System, agenda: Agenda) -> None:
    """Issue 12: "qui m'écrit ?" is answered with the organisation, not the appointment."""
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "qui m'écrit ?")
    body = system.wait_replies(person["phone"], 2)[1]["Body"]
    # the outbound text is made GSM-7: "Drôme" goes as "Drome"
    assert "Département de la Drome" in body and "CONSEILLER" in body, body
    assert appointments(system, person) == []


def test_an_opt_out_in_the_persons_words_stops_every_message(system: System, agenda: Agenda) -> None:
    """Rasa understands the opt-out; the gateway records it as it records STOP."""
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)

    system.text(person["phone"], "svp je veux plus recevoir tous ces messages")
    confirmation = system.wait_replies(person["phone"], 2)[1]
    assert confirmation["Body"].startswith("Vous ne recevrez plus de SMS"), confirmation["Body"]
    beneficiary = system.api.get(f"/api/beneficiaries/{person['id']}").raise_for_status().json()
    assert beneficiary["opted_out"] is True

    # From now on the person's messages are kept, and nothing answers them.
    system.text(person["phone"], "le 1")
    wait_for(
        lambda: [e for e in carnet(system, person) if e["body"] == "le 1"],
        what="the message after the opt-out in the carnet",
    )
    assert appointments(system, person) == []
    queued = system.api.get("/api/outbox", params={"beneficiary_id": person["id"]}).raise_for_status().json()
    assert [m["kind"] for m in queued] == ["invitation", "opt_out_confirmation"]
