"""Issue 3 through the real processes: a reminder leaves the scheduler, the person answers."""

from tests.e2e.conftest import Agenda
from tests.e2e.system import System, wait_for
from tests.e2e.test_booking_journey import ADDRESS, appointments, carnet


def booked_with_reminder(system: System, agenda: Agenda) -> tuple[dict, dict]:
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)
    system.text(person["phone"], "le 1")
    system.wait_replies(person["phone"], 2)
    [appointment] = appointments(system, person)
    system.api.post(f"/api/appointments/{appointment['id']}/reminders").raise_for_status()
    reminder = system.wait_replies(person["phone"], 3)[2]
    assert reminder["Body"].startswith("Rappel : RDV") and "8 rue Jean Bouin" in reminder["Body"]
    return person, appointment


def test_reminder_then_oui_confirms(system: System, agenda: Agenda) -> None:
    person, appointment = booked_with_reminder(system, agenda)
    system.text(person["phone"], "oui")
    system.wait_replies(person["phone"], 4)
    confirmed = wait_for(lambda: appointments(system, person)[0]["confirmed_at"], what="confirmation")
    assert confirmed
    kinds = [e["kind"] for e in carnet(system, person)]
    assert "appointment_confirmed" in kinds


def test_reminder_then_cancellation(system: System, agenda: Agenda) -> None:
    person, appointment = booked_with_reminder(system, agenda)
    system.text(person["phone"], "je pourrai pas venir")
    question = system.wait_replies(person["phone"], 4)[3]["Body"]
    assert "ANNULER" in question and "DEPLACER" in question
    system.text(person["phone"], "annuler")
    system.wait_replies(person["phone"], 5)
    assert appointments(system, person)[0]["status"] == "excused"
    slot = system.api.get("/api/slots", params={"motif_id": agenda.motif["id"]}).json()[0]
    assert slot["id"] == appointment["slot_id"] and slot["booked_count"] == 0
    status = system.api.get(f"/api/beneficiaries/{person['id']}").json()["followup_status"]
    assert status == "rdv_excused"


def test_reminder_then_move(system: System, agenda: Agenda) -> None:
    person, appointment = booked_with_reminder(system, agenda)
    system.text(person["phone"], "on peut decaler ?")
    offer = system.wait_replies(person["phone"], 4)[3]["Body"]
    assert "1) " in offer
    system.text(person["phone"], "le 2")
    moved = system.wait_replies(person["phone"], 5)[4]["Body"]
    assert ADDRESS in moved
    [after] = appointments(system, person)
    assert after["id"] == appointment["id"] and after["slot_id"] != appointment["slot_id"]
    slots = {s["id"]: s for s in system.api.get("/api/slots", params={"motif_id": agenda.motif["id"]}).json()}
    assert slots[appointment["slot_id"]]["booked_count"] == 0
    assert slots[after["slot_id"]]["booked_count"] == 1


def test_reminder_then_ok_merci_confirms(system: System, agenda: Agenda) -> None:
    """Issue 12: a short acknowledgement with thanks answering a reminder confirms it."""
    person, appointment = booked_with_reminder(system, agenda)
    system.text(person["phone"], "ok merci")
    reply = system.wait_replies(person["phone"], 4)[3]["Body"]
    assert reply == "Merci, c'est noté. Nous vous attendons.", reply
    assert wait_for(lambda: appointments(system, person)[0]["confirmed_at"], what="confirmation")


def test_reminder_then_empechement_offers_a_move(system: System, agenda: Agenda) -> None:
    """Issue 12: "j'ai un empêchement, un autre jour ?" is a move, not out of scope."""
    person, appointment = booked_with_reminder(system, agenda)
    system.text(person["phone"], "j'ai un empêchement, un autre jour ?")
    offer = system.wait_replies(person["phone"], 4)[3]["Body"]
    assert "1) " in offer and "reste prévu" in offer, offer
