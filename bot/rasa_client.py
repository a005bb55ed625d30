"""Talks to Rasa through our gateway channel (rasa_channels/gateway.py), which returns the bot's replies."""

from dataclasses import dataclass, field
from typing import Any

import httpx


class RasaUnavailable(Exception):
    pass


@dataclass
class RasaReply:
    texts: list[str] = field(default_factory=list)
    custom: list[dict[str, Any]] = field(default_factory=list)


class RasaClient:
    def __init__(self, base_url: str, timeout: float) -> None:
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def send(self, *, sender: str, text: str, metadata: dict[str, Any]) -> RasaReply:
        try:
            response = await self._client.post(
                "/webhooks/gateway/webhook", json={"sender": sender, "message": text, "metadata": metadata}
            )
            response.raise_for_status()
            messages = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        reply = RasaReply()
        for message in messages if isinstance(messages, list) else []:
            if message.get("text"):
                reply.texts.append(message["text"])
            if isinstance(message.get("custom"), dict):
                reply.custom.append(message["custom"])
        return reply

    async def aclose(self) -> None:
        await self._client.aclose()
