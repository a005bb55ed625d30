"""Where outbound messages go: Twilio's REST API, or nowhere but the local outbox."""

import uuid
from dataclasses import dataclass
from typing import Protocol

from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from api.config import Settings


@dataclass(frozen=True)
class SendResult:
    provider_sid: str
    status: str


class SendError(Exception):
    def __init__(self, message: str, *, code: str | None, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


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
        if channel == "whatsapp":
            to, from_ = f"whatsapp:{to_phone}", self._whatsapp_from
        else:
            to, from_ = to_phone, self._sms_from
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
        except Exception as exc:  # timeouts, refused connections: worth another try
            raise SendError(f"{type(exc).__name__}: {exc}", code=None, retryable=True) from exc
        return SendResult(provider_sid=message.sid, status=message.status or "queued")


def make_sender(settings: Settings) -> MessageSender:
    return TwilioSender(settings) if settings.twilio_enabled else LocalSender()
