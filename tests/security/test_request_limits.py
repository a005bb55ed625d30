"""Request limits: bodies over their cap are refused (413) before they are read in full, parsed
or their signature checked; Twilio webhooks have a bounded number of fields; CSV uploads are
capped with a clear message (French in the console, English on the REST API)."""

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.beneficiaries import csv_file, csv_import
from api.config import get_settings
from api.db import session_scope
from api.main import app as api_app
from api.messaging.models import InboundMessage
from api.request_limits import MULTIPART_ENVELOPE_BYTES
from bot import twilio_webhooks
from bot.main import create_app
from tests.api import factories as f
from tests.api.console.conftest import log_in
from tests.api.world import Org, build_org
from tests.security.gateway import WEBHOOK, inbound_params, post_signed

KIB = 1024
TWENTY_MB = 20 * 1024 * 1024


# --------------------------------------------------------------------------- raw ASGI


class Body:
    """An ASGI receive() handing out a body in chunks, counting what was taken."""

    def __init__(self, total: int, chunk: int = 16 * KIB) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __call__(self) -> dict:
        size = min(self.chunk, self.total - self.sent)
        self.sent += size
        return {"type": "http.request", "body": b"a" * size, "more_body": self.sent < self.total}


def call(app, path: str, body: Body, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request straight into the ASGI app: (status, body of the answer)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, body, send))
    start = next(message for message in sent if message["type"] == "http.response.start")
    content = b"".join(
        message.get("body", b"") for message in sent if message["type"] == "http.response.body"
    )
    return start["status"], content


FORM = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "forged"}


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls of the signature check: none may happen for a body over the cap."""
    calls: list[int] = []
    real = twilio_webhooks.is_signed_by_twilio

    def counting(**kwargs):
        calls.append(1)
        return real(**kwargs)

    monkeypatch.setattr(twilio_webhooks, "is_signed_by_twilio", counting)
    return calls


def test_a_declared_20_mb_webhook_is_413_without_reading_a_byte(signature_checks: list[int]) -> None:
    body = Body(TWENTY_MB)
    status, content = call(create_app(), WEBHOOK, body, {**FORM, "Content-Length": str(TWENTY_MB)})
    assert status == 413
    assert b"too large" in content
    assert body.sent == 0
    assert signature_checks == []


def test_a_chunked_20_mb_webhook_is_413_after_the_first_64_kib(signature_checks: list[int]) -> None:
    body = Body(TWENTY_MB)
    status, _content = call(create_app(), WEBHOOK, body, FORM)  # no Content-Length
    assert status == 413
    assert get_settings().max_webhook_bytes < body.sent <= get_settings().max_webhook_bytes + body.chunk
    assert signature_checks == []


def test_a_body_that_lies_about_its_length_is_cut_at_the_cap(signature_checks: list[int]) -> None:
    body = Body(TWENTY_MB)
    status, _content = call(create_app(), WEBHOOK, body, {**FORM, "Content-Length": "100"})
    assert status == 413
    assert body.sent <= get_settings().max_webhook_bytes + body.chunk
    assert signature_checks == []


@pytest.mark.parametrize("length", ["²", "-1", "12ab", "٣"])
def test_a_content_length_that_is_not_a_number_is_400(length: str) -> None:
    status, _content = call(create_app(), WEBHOOK, Body(10), {**FORM, "Content-Length": length})
    assert status == 400


# --------------------------------------------------------------------------- the gateway over HTTP


@pytest.fixture(scope="module")
def gateway() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_webhooks_over_64_kib_are_413_with_or_without_content_length(gateway: TestClient) -> None:
    big = b"Body=" + b"a" * (64 * KIB)
    for path in (WEBHOOK, "/webhooks/twilio/status"):
        assert gateway.post(path, content=big, headers=FORM).status_code == 413
        chunks = iter([big[: 40 * KIB], big[40 * KIB :]])  # a generator: sent chunked
        assert gateway.post(path, content=chunks, headers=FORM).status_code == 413


def test_a_signed_webhook_just_under_the_cap_is_still_taken(gateway: TestClient) -> None:
    with session_scope() as session:
        person = f.beneficiary(session, f.organisation(session))
        session.commit()
        phone = person.phone
    params = inbound_params(phone, "le 2 " + "x" * (60 * KIB))
    assert post_signed(gateway, params).status_code == 200
    with session_scope() as session:
        stored = session.scalar(
            select(InboundMessage.body).where(InboundMessage.message_sid == params["MessageSid"])
        )
    assert stored is not None and stored.startswith("le 2 ")


def _stored(message_sid: str) -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count()).select_from(InboundMessage).where(InboundMessage.message_sid == message_sid)
        )


def test_a_signed_webhook_with_too_many_fields_is_refused(gateway: TestClient) -> None:
    params = inbound_params("+33639980001", "bonjour")
    many = {**params, **{f"Extra{n}": "x" for n in range(150)}}  # properly signed, 159 fields
    response = post_signed(gateway, many)
    assert response.status_code == 413
    assert "too many form fields" in response.json()["detail"]
    assert _stored(params["MessageSid"]) == 0
    # A real WhatsApp webhook has about 25 fields: accepted.
    usual = {**params, **{f"Extra{n}": "x" for n in range(20)}}
    assert post_signed(gateway, usual).status_code == 200
    assert _stored(params["MessageSid"]) == 1


def test_a_webhook_with_a_file_is_refused(gateway: TestClient) -> None:
    response = gateway.post(
        WEBHOOK,
        data={"MessageSid": "SMx", "From": "+33639980001"},
        files={"MediaUrl0": ("a.txt", b"hello", "text/plain")},
        headers={"X-Twilio-Signature": "forged"},
    )
    assert response.status_code == 400


# --------------------------------------------------------------------------- the API


@pytest.fixture
def org(session: Session) -> Org:
    return build_org(session, "Département A")


@pytest.fixture
def no_import(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def refuse(*_args, **_kwargs):
        calls.append(1)
        raise AssertionError("the import must not start")

    monkeypatch.setattr(csv_import, "create_import", refuse)
    return calls


def _over_the_request_cap() -> bytes:
    return b"Nom;Telephone\n" + b"x" * (csv_file.max_bytes() + MULTIPART_ENVELOPE_BYTES)


def test_an_oversized_csv_on_the_rest_api_is_413_in_english(
    client: TestClient, org: Org, no_import: list[int]
) -> None:
    headers = org.admin.headers
    data = {"organisation_id": str(org.organisation.id)}
    for raw in (csv_file.max_bytes() * b"x" + b"x", _over_the_request_cap()):  # the file's cap, the request's
        response = client.post(
            "/api/beneficiary-imports",
            headers=headers,
            data=data,
            files={"file": ("personnes.csv", raw, "text/csv")},
        )
        assert response.status_code == 413
        assert response.json() == {"detail": "file too large: at most 5 MiB; split it into several files"}
    assert no_import == []


def test_an_oversized_csv_on_the_rest_api_is_refused_before_authentication(client: TestClient) -> None:
    """No token and a 5 MiB body: refused on its size, before anything reads it."""
    response = client.post("/api/beneficiary-imports", files={"file": ("p.csv", _over_the_request_cap())})
    assert response.status_code == 413


def test_an_oversized_csv_in_the_console_is_413_in_french(
    client: TestClient, org: Org, no_import: list[int]
) -> None:
    token = log_in(client, org.agent)
    for raw in (csv_file.max_bytes() * b"x" + b"x", _over_the_request_cap()):
        response = client.post(
            "/console/imports",
            data={"csrf_token": token},
            files={"fichier": ("personnes.csv", raw, "text/csv")},
            follow_redirects=False,
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        assert "Ce fichier dépasse 5 Mo : découpez-le en plusieurs fichiers" in response.text
        assert response.headers["Content-Security-Policy"]
    assert no_import == []


def test_json_bodies_of_the_api_are_capped(client: TestClient, org: Org) -> None:
    huge = b'{"motif_id": 1, "beneficiary_ids": [' + b"1," * (600 * KIB) + b"1]}"
    response = client.post(
        "/api/invitations/bulk",
        content=huge,
        headers={**org.admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"request body too large: at most {get_settings().max_json_bytes} bytes"
    }
    status, _content = call(
        api_app, "/api/invitations/bulk", Body(TWENTY_MB), {"Content-Type": "application/json"}
    )
    assert status == 413


def test_console_forms_are_capped_with_a_french_page(client: TestClient, org: Org) -> None:
    token = log_in(client, org.agent)
    response = client.post(
        f"/console/beneficiaires/{org.person.id}/notes",
        data={"csrf_token": token, "texte": "x" * (2 * 1024 * KIB)},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert "Formulaire trop volumineux" in response.text
