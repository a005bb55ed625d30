"""The real gateway process, killed while it handles a message, restarted (issue 11, point 1).

The gateway runs as in the Procfile (uvicorn bot.main:app), on the simulator (no Twilio
account). "Rasa" is a port that accepts connections and never answers, so that the gateway is
caught between its triage (committed) and Rasa's answer when it is killed; after the restart,
Rasa is down (connection refused) and the gateway answers with its apology. Nothing of ours is
replaced.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from api.beneficiaries.models import Beneficiary
from api.carnet.models import CarnetEntry
from api.db import session_scope
from api.handoffs.models import HandoffRequest
from api.inbound.triage import FORWARDED
from api.messaging import texts
from api.messaging.models import InboundEffect, InboundMessage, OutboxMessage
from tests.api import factories as f
from tests.conftest import ROOT, TEST_DATABASE_URL
from tests.e2e.system import free_port

RASA_REFUSED = "http://127.0.0.1:9"


@pytest.fixture
def silent_rasa() -> Iterator[str]:
    """A port that takes connections and never answers them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


class Gateway:
    def __init__(self, rasa_url: str, rasa_timeout: float = 60, dead_after: float | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "SPIE_DATABASE_URL": TEST_DATABASE_URL,
            "SPIE_TWILIO_ACCOUNT_SID": "",  # the simulator and the local outbox
            "SPIE_RASA_URL": rasa_url,
            "SPIE_RASA_TIMEOUT_SECONDS": str(rasa_timeout),
            "SPIE_OUTBOX_POLL_SECONDS": "0.2",
        }
        if dead_after is not None:  # how soon another gateway takes over this one's senders
            env["SPIE_OUTBOX_DEAD_AFTER_SECONDS"] = str(dead_after)
            env["SPIE_OUTBOX_HEARTBEAT_SECONDS"] = str(dead_after / 4)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "bot.main:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._up, timeout=60)

    def _up(self) -> bool:
        assert self.process.poll() is None, "the gateway exited"
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def text(self, phone: str, body: str) -> None:
        response = httpx.post(
            f"{self.url}/simulateur/messages", json={"phone": phone, "body": body}, timeout=10
        )
        assert response.status_code == 202, response.text

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def wait_until(predicate: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return result


def person() -> tuple[int, str]:
    with session_scope() as session:
        org = f.organisation(session)
        someone = f.beneficiary(session, org)
        session.commit()
        return someone.id, someone.phone


def messages_of(phone: str) -> list[InboundMessage]:
    with session_scope() as session:
        query = select(InboundMessage).where(InboundMessage.from_phone == phone).order_by(InboundMessage.id)
        return list(session.scalars(query))


def forwarded(inbound_id: int) -> bool:
    with session_scope() as session:
        return bool(
            session.scalar(
                select(InboundEffect.id).where(
                    InboundEffect.inbound_message_id == inbound_id, InboundEffect.effect == FORWARDED
                )
            )
        )


def replies_to(inbound_id: int) -> list[str]:
    with session_scope() as session:
        query = (
            select(OutboxMessage.body)
            .where(OutboxMessage.in_reply_to_id == inbound_id)
            .order_by(OutboxMessage.id)
        )
        return list(session.scalars(query))


def carnet_notes_of(inbound_id: int) -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count())
            .select_from(CarnetEntry)
            .where(CarnetEntry.inbound_message_id == inbound_id, CarnetEntry.kind == "inbound_message")
        )


def test_killed_while_rasa_answers_the_message_is_run_again_once(silent_rasa: str) -> None:
    _, phone = person()
    first = Gateway(silent_rasa)
    try:
        first.text(phone, "le 2 svp")
        message = wait_until(lambda: messages_of(phone))[0]
        wait_until(lambda: forwarded(message.id))  # triaged and committed; now waiting for Rasa
    finally:
        first.kill()
    assert messages_of(phone)[0].state == "received"
    second = Gateway(RASA_REFUSED)
    try:
        wait_until(lambda: messages_of(phone)[0].state == "done")
    finally:
        second.stop()
    done = messages_of(phone)[0]
    assert done.attempts == 2 and done.outcome.startswith("rasa_failed")
    assert carnet_notes_of(done.id) == 1  # the replay did not note the message again
    assert replies_to(done.id) == [texts.TECHNICAL_PROBLEM]


def test_a_message_killing_its_gateway_every_time_is_given_up_and_the_next_one_answered(
    silent_rasa: str,
) -> None:
    person_id, phone = person()
    for attempt in (1, 2, 3):
        gateway = Gateway(silent_rasa)
        try:
            if attempt == 1:
                gateway.text(phone, "ce message fait tomber la passerelle")
            wait_until(lambda attempt=attempt: (m := messages_of(phone)) and m[0].attempts == attempt)
            wait_until(lambda: forwarded(messages_of(phone)[0].id))
        finally:
            gateway.kill()
    last = Gateway(RASA_REFUSED)
    try:
        wait_until(lambda: messages_of(phone)[0].state == "done")
        last.text(phone, "vous êtes là ?")
        wait_until(lambda: len(messages_of(phone)) == 2 and messages_of(phone)[1].state == "done")
    finally:
        last.stop()
    given_up, answered = messages_of(phone)
    assert (given_up.outcome, given_up.attempts) == ("failed", 3)
    with session_scope() as session:
        queued = session.scalar(select(HandoffRequest).where(HandoffRequest.beneficiary_id == person_id))
        assert queued.reason == "processing_failed"
        assert queued.text.startswith("ce message fait tomber la passerelle")
    assert replies_to(given_up.id) == [texts.TECHNICAL_PROBLEM]
    assert carnet_notes_of(given_up.id) == 1
    assert answered.outcome.startswith("rasa_failed") and replies_to(answered.id) == [texts.TECHNICAL_PROBLEM]
    assert answered.processed_at > given_up.processed_at


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="pg_terminate_backend")
def test_workers_survive_their_database_connections_being_terminated(silent_rasa: str) -> None:
    people = [person() for _ in range(3)]
    gateway = Gateway(silent_rasa, rasa_timeout=0.5)
    killer = create_engine(TEST_DATABASE_URL)
    stop = threading.Event()
    terminated = 0

    def terminate_connections() -> None:
        nonlocal terminated
        with killer.connect() as connection:
            while not stop.is_set():
                terminated += len(
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).all()
                )
                connection.commit()
                time.sleep(0.03)

    try:
        for _, phone in people:
            for body in ("bonjour", "le 2", "merci"):
                gateway.text(phone, body)
        storm = threading.Thread(target=terminate_connections)
        storm.start()
        time.sleep(3)
        stop.set()
        storm.join()
        for _, phone in people:
            gateway.text(phone, "toujours là ?")  # handled after the storm, by the same process
        wait_until(
            lambda: all(
                len(m := messages_of(p)) == 4 and all(x.state == "done" for x in m) for _, p in people
            ),
            timeout=120,
        )
        assert gateway.process.poll() is None
    finally:
        stop.set()
        gateway.stop()
        killer.dispose()
    assert terminated > 0
    for person_id, phone in people:
        handled = messages_of(phone)
        assert [m.body for m in handled] == ["bonjour", "le 2", "merci", "toujours là ?"]
        assert sorted(handled, key=lambda m: m.processed_at) == handled  # in arrival order
        for message in handled:
            # one answer each, never two; also to a message whose every attempt failed before triage
            assert replies_to(message.id) == [texts.TECHNICAL_PROBLEM], (message.body, message.outcome)
        assert handled[-1].outcome.startswith("rasa_failed")
        with session_scope() as session:
            assert session.get(Beneficiary, person_id) is not None
