"""Acting as Twilio against the gateway app in-process: signed webhooks, raw bodies too."""

import time
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from fastapi.testclient import TestClient

from api.config import get_settings
from tests.fakes.twilio_fake import sign, signed_post

WEBHOOK = "/webhooks/twilio/messages"


def public_url(path: str = WEBHOOK) -> str:
    return get_settings().public_base_url.rstrip("/") + path


def inbound_params(phone: str, body: str, **extra: str) -> dict[str, str]:
    sid = "SM" + uuid.uuid4().hex
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + uuid.uuid4().hex,
        "From": phone,
        "To": "38123",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def post_signed(client: TestClient, params: dict[str, str]):
    return signed_post(
        client,  # type: ignore[arg-type]  (TestClient is an httpx.Client)
        auth_token=get_settings().twilio_auth_token,
        public_url=public_url(),
        post_url=WEBHOOK,
        params=params,
    )


def post_raw_signed(client: TestClient, raw_body: bytes):
    """A form body as bytes (percent escapes of invalid UTF-8, say), signed over the fields as
    the server decodes them, as Twilio signs what it sent."""
    decoded = dict(parse_qsl(raw_body.decode("latin-1"), keep_blank_values=True))
    headers = {
        "X-Twilio-Signature": sign(get_settings().twilio_auth_token, public_url(), decoded),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return client.post(WEBHOOK, content=raw_body, headers=headers)


def raw_form(params: dict[str, str], **raw_values: str) -> bytes:
    """urlencoded params, with some values given already percent-encoded."""
    encoded = urlencode(params)
    extra = "&".join(f"{key}={value}" for key, value in raw_values.items())
    return (encoded + ("&" + extra if extra else "")).encode("ascii")


def wait_for(predicate: Callable[[], object], timeout: float = 20, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
