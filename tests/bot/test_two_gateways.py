"""Two real gateway processes at once (issue 11, point 4): each person's messages reach Rasa once
each and in order, whichever gateway Twilio delivered them to; a killed gateway's senders are
taken over by the other.

"Rasa" here is a small HTTP server that speaks our gateway channel's wire format (a list of
bot messages) and records what reaches it, slowly, so that the two gateways overlap. The
conversation itself is the e2e suite's business; this test is about who handles what, when.
"""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from api.db import session_scope
from api.messaging.models import InboundMessage, OutboxMessage
from tests.bot.test_inbound_processes import Gateway, person, wait_until


class RecordingRasa:
    """Answers "vu : <text>" after `delay` seconds; records (sender, text) as they arrive."""

    def __init__(self, delay: float) -> None:
        self.received: list[tuple[str, str]] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    outer.received.append((payload["sender"], payload["message"]))
                time.sleep(delay)
                body = json.dumps([{"recipient_id": payload["sender"], "text": f"vu : {payload['message']}"}])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def texts_from(self, beneficiary_id: int) -> list[str]:
        return [text for sender, text in self.received if sender == f"b-{beneficiary_id}"]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()  # refuses connections from now on, as a stopped Rasa


@pytest.fixture
def rasa() -> Iterator[RecordingRasa]:
    server = RecordingRasa(delay=0.3)
    yield server
    server.close()


def replies_of(phone: str) -> list[str]:
    with session_scope() as session:
        query = (
            select(OutboxMessage.body)
            .join(InboundMessage, OutboxMessage.in_reply_to_id == InboundMessage.id)
            .where(InboundMessage.from_phone == phone)
            .order_by(OutboxMessage.id)
        )
        return list(session.scalars(query))


def all_done(phones: list[str]) -> bool:
    with session_scope() as session:
        states = session.scalars(select(InboundMessage.state).where(InboundMessage.from_phone.in_(phones)))
        return set(states) == {"done"}


def test_two_gateways_handle_each_persons_messages_once_and_in_order(rasa: RecordingRasa) -> None:
    people = [person() for _ in range(6)]
    texts = [f"message {n}" for n in range(1, 7)]
    gateways = [Gateway(rasa.url, dead_after=2), Gateway(rasa.url, dead_after=2)]
    try:
        for text in texts:  # as a load balancer would: each message to either gateway
            for index, (_, phone) in enumerate(people):
                gateways[(index + texts.index(text)) % 2].text(phone, text)
        wait_until(lambda: all_done([phone for _, phone in people]), timeout=120)
    finally:
        for gateway in gateways:
            gateway.stop()
    for beneficiary_id, phone in people:
        assert rasa.texts_from(beneficiary_id) == texts  # each once, in the order written
        assert replies_of(phone) == [f"vu : {text}" for text in texts]


def test_a_killed_gateways_senders_are_taken_over_by_the_other(rasa: RecordingRasa) -> None:
    beneficiary_id, phone = person()
    texts = [f"message {n}" for n in range(1, 6)]
    first, second = Gateway(rasa.url, dead_after=2), Gateway(rasa.url, dead_after=2)
    try:
        for text in texts:
            first.text(phone, text)
        wait_until(lambda: rasa.texts_from(beneficiary_id))  # the first gateway holds the sender
        first.kill()
        killed_at = time.monotonic()
        wait_until(lambda: all_done([phone]), timeout=60)
        taken_over_after = time.monotonic() - killed_at
    finally:
        first.stop()
        second.stop()
    received = rasa.texts_from(beneficiary_id)
    # The message in hand at the kill may reach Rasa twice (its effects are keyed, issue 11.1);
    # none is skipped, none overtakes another, and each is answered once.
    assert [text for index, text in enumerate(received) if text not in received[:index]] == texts
    assert len(received) <= len(texts) + 1
    assert sorted(replies_of(phone)) == sorted(f"vu : {text}" for text in texts)
    assert taken_over_after < 30, f"taken over after {taken_over_after:.1f}s"
