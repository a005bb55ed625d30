"""Talks to Rasa through our gateway channel (rasa_channels/gateway.py), which returns the bot's replies.

With several Rasa replicas (SPIE_RASA_URLS), each person's messages go to one of them, chosen by
rendezvous hashing of the sender id: the same replica every time while it is up, and only that
replica's people move when one is added or removed. A replica that refuses the connection never
saw the message, so the person's next replica in the same order takes it. The gateway already
sends one message per person at a time, and the replicas share their trackers (PostgreSQL), so a
person moved to another replica carries on where they were.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

import httpx


class RasaUnavailable(Exception):
    pass


@dataclass
class RasaReply:
    texts: list[str] = field(default_factory=list)
    custom: list[dict[str, Any]] = field(default_factory=list)


def replica_order(urls: list[str], sender: str) -> list[str]:
    """Rendezvous hashing: this sender's own order of the replicas, the first one theirs."""
    return sorted(urls, key=lambda url: hashlib.sha256(f"{url}\n{sender}".encode()).digest(), reverse=True)


class RasaClient:
    def __init__(self, base_urls: str | list[str], timeout: float) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else base_urls
        self._clients = {
            url.rstrip("/"): httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout) for url in urls
        }

    async def send(self, *, sender: str, text: str, metadata: dict[str, Any]) -> RasaReply:
        refused: list[str] = []
        for url in replica_order(list(self._clients), sender):
            try:
                payload = {"sender": sender, "message": text, "metadata": metadata}
                response = await self._clients[url].post("/webhooks/gateway/webhook", json=payload)
                response.raise_for_status()
                messages = response.json()
            except httpx.ConnectError as exc:
                refused.append(f"{url}: {type(exc).__name__}")
                continue  # never reached that replica: the next one may take the message
            except (httpx.HTTPError, ValueError) as exc:
                raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
            return self._reply(messages)
        raise RasaUnavailable("no Rasa replica answers (" + "; ".join(refused) + ")")

    @staticmethod
    def _reply(messages: Any) -> RasaReply:
        reply = RasaReply()
        for message in messages if isinstance(messages, list) else []:
            if message.get("text"):
                reply.texts.append(message["text"])
            if isinstance(message.get("custom"), dict):
                reply.custom.append(message["custom"])
        return reply

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
