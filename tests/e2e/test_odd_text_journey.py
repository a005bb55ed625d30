"""Odd text and oversized bodies against the real processes (gateway, Rasa, actions, API).

Run on PostgreSQL to see the NUL case bite: PostgreSQL refuses NUL in text, and an SMS with a
NUL byte was an HTTP 500 from the gateway, the message lost.
"""

import socket
from urllib.parse import urlsplit

from api.text_safety import clean_inbound_text
from tests.e2e.conftest import Agenda
from tests.e2e.system import System, wait_for

ADDRESS = "8 rue Jean Bouin, 26000 Valence"


def carnet(system: System, person: dict) -> list[dict]:
    return system.api.get(f"/api/beneficiaries/{person['id']}/carnet").raise_for_status().json()


def appointments(system: System, person: dict) -> list[dict]:
    return (
        system.api.get("/api/appointments", params={"beneficiary_id": person["id"]}).raise_for_status().json()
    )


def inbound_bodies(system: System, person: dict) -> list[str]:
    return [entry["body"] for entry in carnet(system, person) if entry["kind"] == "inbound_message"]


def test_a_choice_with_a_nul_byte_books_the_slot(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    invitation = agenda.invite(person)
    system.wait_replies(person["phone"], 1)

    system.text(person["phone"], "le 2\x00 svp")  # system.text asserts the 200
    confirmation = system.wait_replies(person["phone"], 2)[1]
    assert ADDRESS in confirmation["Body"], confirmation["Body"]
    assert [a["slot_id"] for a in appointments(system, person)] == [invitation["offered_slot_ids"][1]]
    assert inbound_bodies(system, person) == ["le 2 svp"]


def test_a_superscript_two_is_kept_and_answered(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    agenda.invite(person)
    system.wait_replies(person["phone"], 1)

    system.text(person["phone"], "le ²")
    reply = system.wait_replies(person["phone"], 2)[1]
    assert reply["Body"]
    assert inbound_bodies(system, person) == ["le ²"]


def test_a_10000_character_message_is_kept_and_answered(system: System, agenda: Agenda) -> None:
    person = agenda.person()
    body = ("Bonjour, je vous écris\u200f au sujet de mon rendez-vous.\x00 " * 200)[:10_000]
    system.text(person["phone"], body)
    system.wait_replies(person["phone"], 1)
    assert inbound_bodies(system, person) == [clean_inbound_text(body)]


def _raw_request(url: str, head: str, first_bytes: bytes) -> bytes:
    """Send the request line, headers and the first bytes only; what the server answers."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode("ascii") + first_bytes)
        return sock.recv(4096)


def test_the_real_gateway_answers_413_before_the_body_is_sent(system: System) -> None:
    path = "/webhooks/twilio/messages"
    declared = (
        f"POST {path} HTTP/1.1\r\nHost: sms.spie.test\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {20 * 1024 * 1024}\r\n\r\n"
    )
    answer = _raw_request(system.gateway_url, declared, b"Body=" + b"a" * 1000)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]

    chunked = (
        f"POST {path} HTTP/1.1\r\nHost: sms.spie.test\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"a" * 16_384
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(6))  # 96 KiB, never the end
    answer = _raw_request(system.gateway_url, chunked, chunks)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # The gateway is still up.
    wait_for(lambda: system.http.get(system.gateway_url + "/health").status_code == 200, timeout=5)
