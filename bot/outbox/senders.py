"""Where outbound messages go: Twilio's REST API, or nowhere but the local outbox."""

import uuid
from datetime import datetime
from typing import Protocol

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from api.config import Settings
from api.messaging.outbox_store import SendResult

# How many of a person's latest messages a lookup reads: far more than we send one person
# between a lost answer and its lookup.
LOOKUP_PAGE = 20


class SendError(Exception):
    """The send failed. `uncertain`: no answer came back (timeout, reset), so the message may
    have left all the same; it must be looked up, never blindly sent again."""

    def __init__(self, message: str, *, code: str | None, retryable: bool, uncertain: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.uncertain = uncertain


class MessageSender(Protocol):
    def sender_key(self, channel: str) -> str: ...

    def send(
        self,
        *,
        to_phone: str,
        channel: str,
        body: str,
        content_sid: str | None = None,
        content_variables: str | None = None,
    ) -> SendResult: ...

    def find_sent(
        self, *, to_phone: str, channel: str, body: str | None, since: datetime
    ) -> list[SendResult]:
        """Messages to this person created since `since` whose body matches (for a template:
        any), newest first. Raises SendError when the provider cannot be asked."""
        ...


class LocalSender:
    """No Twilio account: the message stays in the outbox, where the simulator shows it."""

    def sender_key(self, channel: str) -> str:
        return f"local:{channel}"

    def send(
        self,
        *,
        to_phone: str,
        channel: str,
        body: str,
        content_sid: str | None = None,
        content_variables: str | None = None,
    ) -> SendResult:
        return SendResult(provider_sid=f"SMlocal{uuid.uuid4().hex[:25]}", status="delivered")

    def find_sent(
        self, *, to_phone: str, channel: str, body: str | None, since: datetime
    ) -> list[SendResult]:
        return []  # a local send never loses its answer


class TwilioSender:
    def __init__(self, settings: Settings) -> None:
        http_client = TwilioHttpClient(timeout=settings.twilio_timeout_seconds)
        # One kept-alive connection per sending thread: the client's default HTTPS pool holds
        # min(32, CPUs + 4) connections, and each send beyond it opens a new TLS connection.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=settings.outbox_send_concurrency)
        http_client.session.mount("https://", adapter)
        http_client.session.mount("http://", adapter)
        self._client = Client(
            settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client
        )
        if settings.twilio_api_base_url:
            self._client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self._sms_from = settings.twilio_sms_from
        self._whatsapp_from = f"whatsapp:{settings.twilio_whatsapp_from}"
        self._status_callback = f"{settings.public_base_url.rstrip('/')}/webhooks/twilio/status"

    def sender_key(self, channel: str) -> str:
        return self._whatsapp_from if channel == "whatsapp" else self._sms_from

    def send(
        self,
        *,
        to_phone: str,
        channel: str,
        body: str,
        content_sid: str | None = None,
        content_variables: str | None = None,
    ) -> SendResult:
        to, from_ = self._addresses(to_phone, channel)
        if content_sid:
            content = {"content_sid": content_sid, "content_variables": content_variables or "{}"}
        else:
            content = {"body": body}
        try:
            message = self._client.messages.create(
                to=to, from_=from_, status_callback=self._status_callback, **content
            )
        except TwilioRestException as exc:
            retryable = exc.status >= 500 or exc.status == 429
            raise SendError(
                str(exc.msg), code=str(exc.code) if exc.code else None, retryable=retryable
            ) from exc
        except Exception as exc:
            # Never connected (refused, connect timeout): nothing left, send again. Otherwise
            # (read timeout, reset, a bug) the request may have been taken: look it up first.
            raise SendError(
                f"{type(exc).__name__}: {exc}", code=None, retryable=True, uncertain=not _never_connected(exc)
            ) from exc
        return SendResult(provider_sid=message.sid, status=message.status or "queued")

    def find_sent(
        self, *, to_phone: str, channel: str, body: str | None, since: datetime
    ) -> list[SendResult]:
        """Twilio's Messages list, filtered by To and From, newest first; then by creation time
        and body here. (Its DateSent filter would miss a message still queued: no date_sent yet.)"""
        to, from_ = self._addresses(to_phone, channel)
        try:
            found = self._client.messages.list(to=to, from_=from_, limit=LOOKUP_PAGE)
        except TwilioRestException as exc:
            raise SendError(str(exc.msg), code=str(exc.code) if exc.code else None, retryable=True) from exc
        except Exception as exc:
            raise SendError(f"{type(exc).__name__}: {exc}", code=None, retryable=True) from exc
        return [
            SendResult(provider_sid=message.sid, status=message.status or "queued")
            for message in found
            if message.date_created is not None
            and message.date_created >= since
            and (body is None or (message.body or "") == body)
        ]

    def _addresses(self, to_phone: str, channel: str) -> tuple[str, str]:
        if channel == "whatsapp":
            return f"whatsapp:{to_phone}", self._whatsapp_from
        return to_phone, self._sms_from


def _never_connected(exc: BaseException) -> bool:
    """True when the error shows the request never reached the server."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectTimeoutError | ConnectionRefusedError):
            return True
        if isinstance(current, requests.ConnectTimeout):
            return True
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return False


def make_sender(settings: Settings) -> MessageSender:
    return TwilioSender(settings) if settings.twilio_enabled else LocalSender()
