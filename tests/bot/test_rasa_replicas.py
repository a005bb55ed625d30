"""Several Rasa replicas behind the gateway's client: each person's messages reach one replica,
the same every time; while it is down, that person's next replica takes them, and nobody else
moves."""

import asyncio
from collections.abc import Iterator

import pytest

from bot.rasa_client import RasaClient, RasaUnavailable
from tests.bot.test_two_gateways import RecordingRasa
from tests.e2e.system import free_port

SENDERS = [f"b-{index}" for index in range(40)]


@pytest.fixture
def replicas() -> Iterator[list[RecordingRasa]]:
    servers = [RecordingRasa(delay=0) for _ in range(3)]
    yield servers
    for server in servers:
        server.close()


def where(servers: list[RecordingRasa]) -> dict[str, set[int]]:
    """For each sender, the replicas (by index) that received its messages."""
    seen: dict[str, set[int]] = {}
    for index, server in enumerate(servers):
        for sender, _ in server.received:
            seen.setdefault(sender, set()).add(index)
    return seen


async def send_all(client: RasaClient, text: str) -> None:
    for sender in SENDERS:
        reply = await client.send(sender=sender, text=text, metadata={})
        assert reply.texts == [f"vu : {text}"]


def test_each_person_sticks_to_one_replica_and_moves_only_when_it_is_down(
    replicas: list[RecordingRasa],
) -> None:
    client = RasaClient([server.url for server in replicas], timeout=2)

    async def scenario() -> None:
        for turn in range(3):
            await send_all(client, f"message {turn}")

    asyncio.run(scenario())
    before = where(replicas)
    assert all(len(indexes) == 1 for indexes in before.values()), "a person reached two replicas"
    assert {index for indexes in before.values() for index in indexes} == {0, 1, 2}, "unused replica"

    replicas[0].close()  # down: its people move, the others stay where they were
    for server in replicas:
        server.received.clear()
    client = RasaClient([server.url for server in replicas], timeout=2)
    asyncio.run(send_all(client, "après"))
    after = where(replicas)
    for sender in SENDERS:
        if before[sender] != {0}:
            assert after[sender] == before[sender], sender
        else:
            assert len(after[sender]) == 1 and after[sender] != {0}, sender


def test_no_replica_answering_is_rasa_unavailable() -> None:
    client = RasaClient([f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"], timeout=2)
    with pytest.raises(RasaUnavailable, match="no Rasa replica answers"):
        asyncio.run(client.send(sender="b-1", text="bonjour", metadata={}))
