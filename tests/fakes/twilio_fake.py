"""A local stand-in for Twilio that speaks its wire format.

REST side: POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic auth and
form fields, answered like Twilio (201 + JSON, or an error JSON with code and status).
Webhook side: `signed_post` sends form-encoded webhooks signed with X-Twilio-Signature,
and accepted messages get 'sent' then 'delivered' status callbacks when asked to.
"""

import asyncio
import base64
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from twilio.request_validator import RequestValidator


@dataclass
class PlannedFailure:
    http_status: int
    code: int
    message: str


@dataclass
class FakeTwilioState:
    account_sid: str
    auth_token: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    failures: deque[PlannedFailure] = field(default_factory=deque)
    # Seconds to stall before answering, one per request (to make the client time out).
    delays: deque[float] = field(default_factory=deque)
    attempts: int = 0
    send_status_callbacks: bool = True
    # Public base URL -> local base URL: the fake signs for the public one, posts to the local one.
    url_rewrites: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


def signed_post(
    client: httpx.Client, *, auth_token: str, public_url: str, post_url: str, params: dict[str, str]
) -> httpx.Response:
    """POST a webhook as Twilio does: form-encoded, signed for the public URL."""
    headers = {"X-Twilio-Signature": sign(auth_token, public_url, params)}
    return client.post(post_url, data=params, headers=headers)


def create_app(state: FakeTwilioState) -> FastAPI:
    app = FastAPI()

    def _authorised(request: Request, account_sid: str) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == state.account_sid == account_sid and password == state.auth_token

    @app.post("/2010-04-01/Accounts/{account_sid}/Messages.json")
    async def create_message(account_sid: str, request: Request) -> JSONResponse:
        if not _authorised(request, account_sid):
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        form = {key: str(value) for key, value in (await request.form()).items()}
        with state.lock:
            state.attempts += 1
            delay = state.delays.popleft() if state.delays else 0.0
        if delay:
            await asyncio.sleep(delay)
        if not form.get("To") or not (form.get("From") or form.get("MessagingServiceSid")):
            return JSONResponse(
                {"code": 21604, "message": "A 'To' and 'From' are required", "status": 400}, status_code=400
            )
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return JSONResponse(
                {"code": 21602, "message": "Message body is required", "status": 400}, status_code=400
            )
        with state.lock:
            failure = state.failures.popleft() if state.failures else None
            if failure is None:
                sid = "SM" + uuid.uuid4().hex
                record = {"sid": sid, "received_at": time.time(), **form}
                state.messages.append(record)
        if failure is not None:
            return JSONResponse(
                {
                    "code": failure.code,
                    "message": failure.message,
                    "status": failure.http_status,
                    "more_info": f"https://www.twilio.com/docs/errors/{failure.code}",
                },
                status_code=failure.http_status,
            )
        if state.send_status_callbacks and form.get("StatusCallback"):
            threading.Thread(
                target=_callbacks, args=(state, form["StatusCallback"], sid, form), daemon=True
            ).start()
        body = {
            "sid": sid,
            "account_sid": account_sid,
            "to": form["To"],
            "from": form.get("From"),
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        }
        return JSONResponse(body, status_code=201)

    return app


def _callbacks(state: FakeTwilioState, url: str, sid: str, form: dict[str, str]) -> None:
    post_url = url
    for public, local in state.url_rewrites.items():
        if url.startswith(public):
            post_url = local + url[len(public) :]
    with httpx.Client(timeout=10) as client:
        for status in ("sent", "delivered"):
            params = {
                "MessageSid": sid,
                "MessageStatus": status,
                "AccountSid": state.account_sid,
                "To": form["To"],
                "From": form.get("From", ""),
            }
            try:
                client.post(
                    post_url, data=params, headers={"X-Twilio-Signature": sign(state.auth_token, url, params)}
                )
            except httpx.HTTPError:
                return


class FakeTwilioServer:
    """Runs the fake in a thread of the test process, on a free port."""

    def __init__(self, state: FakeTwilioState, port: int) -> None:
        self.state = state
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.time() + 10
        while not self._server.started:
            if time.time() > deadline:
                raise RuntimeError("fake Twilio did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def messages_to(self, address: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [m for m in self.state.messages if m["To"] == address]
