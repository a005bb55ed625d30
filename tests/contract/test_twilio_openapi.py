"""Contract test: what TwilioSender sends is valid against Twilio's own OpenAPI description.

Prism (npm package @stoplight/prism-cli, pinned in package.json and installed by the
Makefile with `npm ci`) mocks the Twilio REST API from tests/contract/twilio_api_v2010.json,
a copy of Twilio's published description (repository twilio/twilio-oai, MIT: see
TWILIO-OPENAPI-LICENSE). With --errors, Prism answers a request that the description does
not allow (a missing required field, a wrong type or format, a malformed account SID,
missing credentials) with a 4xx instead of only logging a warning, so the SDK call fails.

The description does not forbid unknown form fields (no `additionalProperties: false`), so
Prism would accept a misspelt parameter: the tests also record the form that the SDK sends
and check each field name against the description.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.http.http_client import TwilioHttpClient

from api.config import Settings
from bot.outbox.senders import SendError, SendResult, TwilioSender

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SPEC = HERE / "twilio_api_v2010.json"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
START_TIMEOUT_SECONDS = 60.0

# The description requires AccountSid to match ^AC[0-9a-fA-F]{32}$.
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "contract-test-auth-token"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
SPEC_MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
FORM = "application/x-www-form-urlencoded"


@cache
def message_create_fields() -> frozenset[str]:
    """The form fields that the description declares for creating a Message."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    schema = spec["paths"][SPEC_MESSAGES_PATH]["post"]["requestBody"]["content"][FORM]["schema"]
    return frozenset(schema["properties"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Prism:
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        return read_tail(self.log_path, lines)


def read_tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def wait_until_listening(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"Prism exited with code {process.returncode} before listening:\n{read_tail(log_path, 30)}",
                pytrace=False,
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(
        f"Prism did not listen on 127.0.0.1:{port} within {START_TIMEOUT_SECONDS:.0f} s:\n"
        f"{read_tail(log_path, 30)}",
        pytrace=False,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    if not os.access(PRISM, os.X_OK):
        pytest.fail(
            f"{PRISM.relative_to(ROOT)} is missing: the contract tests need Prism. Install it "
            "from package-lock.json with `make node_modules/.installed` (or `npm ci`) at the "
            "repository root.",
            pytrace=False,
        )
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: Prism (node_modules/.bin/prism) needs Node.js.", pytrace=False)
    port = free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    args = [str(PRISM), "mock", "--errors", "-h", "127.0.0.1", "-p", str(port), str(SPEC)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_listening(process, port, log_path)
        yield Prism(base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    finally:
        stop(process)


@dataclass
class SentRequests:
    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> SentRequests:
    """Records each request that the Twilio SDK makes, then lets it through unchanged."""
    recorded = SentRequests()
    original = TwilioHttpClient.request

    def request(self: TwilioHttpClient, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        recorded.calls.append({"method": method, "url": url, "data": dict(kwargs.get("data") or {})})
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(TwilioHttpClient, "request", request)
    return recorded


def sender_for(prism: Prism) -> TwilioSender:
    return TwilioSender(
        Settings(
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_api_base_url=prism.base_url,
            twilio_sms_from="38123",
            twilio_whatsapp_from="+33757000000",
            public_base_url="https://assistant.example.fr",
        )
    )


@pytest.mark.parametrize(
    ("channel", "to", "from_"),
    [
        ("sms", "+33612345678", "38123"),
        ("whatsapp", "whatsapp:+33612345678", "whatsapp:+33757000000"),
    ],
)
def test_twilio_sender_requests_are_valid_for_twilio(
    prism: Prism, sent: SentRequests, channel: str, to: str, from_: str
) -> None:
    body = "Bonjour ! Votre rendez-vous est confirmé le mardi 3 juin à 14 h 30. Répondez STOP pour arrêter."
    try:
        result = sender_for(prism).send(to_phone="+33612345678", channel=channel, body=body)
    except SendError as exc:
        pytest.fail(
            f"Prism refused our {channel} request: {exc}\nPrism log:\n{prism.log_tail()}", pytrace=False
        )

    assert isinstance(result, SendResult)
    assert result.provider_sid.startswith("SM"), result
    assert result.status

    assert len(sent.calls) == 1, sent.calls
    call = sent.calls[0]
    assert call["method"] == "POST"
    assert call["url"] == prism.base_url + MESSAGES_PATH, "the request did not go to Prism"
    data = call["data"]
    assert data["To"] == to
    assert data["From"] == from_
    assert data["Body"] == body
    assert data["StatusCallback"] == "https://assistant.example.fr/webhooks/twilio/status"
    unknown = set(data) - message_create_fields()
    assert not unknown, f"fields that Twilio's description does not declare: {sorted(unknown)}"


def test_prism_refuses_a_message_without_to(prism: Prism) -> None:
    """The check can fail: a request that breaks the description gets a 4xx."""
    response = httpx.post(
        prism.base_url + MESSAGES_PATH,
        data={"From": "38123", "Body": "Bonjour"},
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=10,
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    problems = response.json().get("validation", [])
    assert any("'To'" in problem.get("message", "") for problem in problems), response.text


def test_prism_refuses_a_request_without_credentials(prism: Prism) -> None:
    response = httpx.post(
        prism.base_url + MESSAGES_PATH,
        data={"To": "+33612345678", "From": "38123", "Body": "Bonjour"},
        timeout=10,
    )
    assert response.status_code == 401, (response.status_code, response.text)


def test_the_sender_turns_a_refusal_into_a_send_error(prism: Prism) -> None:
    """A request that Twilio would refuse (here a malformed account SID) raises SendError."""
    settings = Settings(
        twilio_account_sid="ACnot-a-valid-sid",
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base_url=prism.base_url,
        public_base_url="https://assistant.example.fr",
    )
    with pytest.raises(SendError) as raised:
        TwilioSender(settings).send(to_phone="+33612345678", channel="sms", body="Bonjour")
    assert raised.value.retryable is False
