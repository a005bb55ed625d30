"""A fake of our internal bot API (docs/bot-api.md) for the actions, and how to run one.

The fake answers at the transport of `requests` (the `responses` library), so the actions and
actions/api_client.py run unchanged; a request nobody answers fails like a refused connection.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

BASE_URL = "http://bot-api.test"
BOT_TOKEN = "test-bot-token"
BENEFICIARY_ID = 12
INBOUND_ID = 41
# The gateway's signed word for the message being answered: the API's key to act once per message.
VOUCHER = "voucher-of-inbound-41"
APPOINTMENT = {
    "date_label": "jeudi 3 décembre",
    "time_label": "14h00",
    "place_name": "Maison France Services",
    "address": "2 rue de la Gare, Tulle",
}
# the actions do not read the domain
DOMAIN = DomainDict(intents=[], entities=[], slots={}, responses={}, actions=[], forms={})
TECHNICAL_PROBLEM = {"response": "utter_technical_problem", "custom": {"escalate": "api_unavailable"}}


@dataclass(frozen=True)
class SentRequest:
    """One request an action sent to the API."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    bot_token: str | None
    voucher: str | None


class FakeBotApi:
    """Answers registered per endpoint, in order; records every request sent."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self._mock = mock

    def answers(self, method: str, path: str, answer: Any, status: int = 200) -> None:
        self._mock.add(method, BASE_URL + path, json=answer, status=status)

    def answers_text(self, method: str, path: str, text: str) -> None:
        self._mock.add(method, BASE_URL + path, body=text, content_type="text/plain")

    def is_down(self, method: str, path: str) -> None:
        self._mock.add(method, BASE_URL + path, body=requests.ConnectionError("connection refused"))

    @property
    def requests(self) -> list[SentRequest]:
        sent = []
        for call in self._mock.calls:
            request = call.request
            url = urlsplit(request.url or "")
            body = request.body
            sent.append(
                SentRequest(
                    method=request.method or "",
                    path=url.path,
                    query=dict(parse_qsl(url.query)),
                    body=json.loads(body) if body else None,
                    bot_token=request.headers.get("X-Bot-Token"),
                    voucher=request.headers.get("X-Spie-Voucher"),
                )
            )
        return sent

    def sent(self) -> list[tuple[str, str, Any]]:
        """Method, path and JSON body (or query) of each request, in order."""
        return [(r.method, r.path, r.body if r.body is not None else r.query) for r in self.requests]


def message(
    text: str,
    intent: str | None,
    *,
    questionnaire_pending: bool = False,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker whose latest message came through our gateway channel (rasa_channels/gateway.py)."""
    if metadata is None:
        metadata = {
            "voucher": VOUCHER,
            "beneficiary_id": BENEFICIARY_ID,
            "inbound_id": INBOUND_ID,
            "channel": "sms",
            "questionnaire_pending": questionnaire_pending,
        }
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.93} if intent else {},
        "entities": [],
        "metadata": metadata,
    }
    return Tracker(
        sender_id=f"b-{BENEFICIARY_ID}",
        slots={},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the action as the action server would: the events it returns and what it uttered."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, said(dispatcher)


def said(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The dispatcher's messages without their empty fields (and the deprecated `template`)."""
    return [
        {key: value for key, value in sent.items() if key != "template" and value not in (None, [], {})}
        for sent in dispatcher.messages
    ]
