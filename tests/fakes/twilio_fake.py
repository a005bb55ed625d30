"""A local stand-in for Twilio that speaks its wire format.

REST side: POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic auth and
form fields, answered like Twilio (201 + JSON, or an error JSON with code and status), and
GET of the same path: the Messages list, newest first, filtered by To and From, paged.
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
from email.utils import formatdate
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
    # Seconds to stall after the message was created, one per request: the message leaves
    # but its answer is lost when the client gives up first.
    answer_delays: deque[float] = field(default_factory=deque)
    # Failures planned for list requests (GET), one per request.
    list_failures: deque[PlannedFailure] = field(default_factory=deque)
    list_requests: int = 0
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
            answer_delay = state.answer_delays.popleft() if state.answer_delays else 0.0
        if failure is not None:
            return _error(failure)
        if answer_delay:
            await asyncio.sleep(answer_delay)
        if state.send_status_callbacks and form.get("StatusCallback"):
            threading.Thread(
                target=_callbacks, args=(state, form["StatusCallback"], sid, form), daemon=True
            ).start()
        return JSONResponse(_resource(account_sid, record, status="queued"), status_code=201)

    @app.get("/2010-04-01/Accounts/{account_sid}/Messages.json")
    async def list_messages(account_sid: str, request: Request) -> JSONResponse:
        if not _authorised(request, account_sid):
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        query = request.query_params
        page_size = min(int(query.get("PageSize", "50")), 1000)
        page = int(query.get("Page", "0"))
        with state.lock:
            state.list_requests += 1
            failure = state.list_failures.popleft() if state.list_failures else None
            matching = [
                m
                for m in reversed(state.messages)
                if ("To" not in query or m["To"] == query["To"])
                and ("From" not in query or m.get("From") == query["From"])
            ]
        if failure is not None:
            return _error(failure)
        chunk = matching[page * page_size : (page + 1) * page_size]
        uri = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        has_next = (page + 1) * page_size < len(matching)
        return JSONResponse(
            {
                "messages": [_resource(account_sid, m, status="sent") for m in chunk],
                "page": page,
                "page_size": page_size,
                "start": page * page_size,
                "end": page * page_size + len(chunk) - 1 if chunk else page * page_size,
                "uri": f"{uri}?PageSize={page_size}&Page={page}",
                "first_page_uri": f"{uri}?PageSize={page_size}&Page=0",
                "previous_page_uri": f"{uri}?PageSize={page_size}&Page={page - 1}" if page else None,
                "next_page_uri": f"{uri}?PageSize={page_size}&Page={page + 1}" if has_next else None,
            }
        )

    return app


def _error(failure: PlannedFailure) -> JSONResponse:
    return JSONResponse(
        {
            "code": failure.code,
            "message": failure.message,
            "status": failure.http_status,
            "more_info": f"https://www.twilio.com/docs/errors/{failure.code}",
        },
        status_code=failure.http_status,
    )


def _resource(account_sid: str, record: dict[str, Any], *, status: str) -> dict[str, Any]:
    """A Message resource as Twilio writes it (dates in RFC 2822)."""
    created = formatdate(record["received_at"], usegmt=False).replace("-0000", "+0000")
    return {
        "sid": record["sid"],
        "account_sid": account_sid,
        "to": record["To"],
        "from": record.get("From"),
        "body": record.get("Body", ""),
        "status": status,
        "num_segments": "1",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "price": None,
        "error_code": None,
        "error_message": None,
        "date_created": created,
        "date_updated": created,
        "date_sent": created if status != "queued" else None,
        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{record['sid']}.json",
    }


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
