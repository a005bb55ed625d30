"""A cap on the size of request bodies, enforced before anything parses or checks them.

`RequestBodyLimit` is an ASGI middleware. For each HTTP request a rule (`limit_for`) gives the
most bytes its body may have and the answer to give past that:

- a Content-Length over the cap is answered at once, the body never read;
- a body without Content-Length (chunked) is counted as it streams in: the first chunk past
  the cap stops the reading, whatever the application was doing with it (parsing a form,
  checking a signature) is abandoned and the request is answered with the rule's 413;
- a Content-Length that is not a plain ASCII number is a 400.

The gateway caps every request at `max_webhook_bytes` (64 KiB: a Twilio webhook is 1-2 KiB);
the API caps CSV uploads at `max_upload_bytes` plus the multipart envelope, the offers import
at `max_offers_import_bytes`, and every other body (JSON, console forms) at `max_json_bytes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import Settings, get_settings
from api.text_safety import is_ascii_number

# What a multipart/form-data request adds around the file (boundaries, part headers, the
# other fields): the file itself is checked against max_upload_bytes by the route.
MULTIPART_ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    # The answer to a body over the cap (scope of the request, the cap): a 413.
    too_large: Callable[[Scope, int], Response]


def json_too_large(_scope: Scope, max_bytes: int) -> Response:
    return JSONResponse({"detail": f"request body too large: at most {max_bytes} bytes"}, status_code=413)


def mebibytes(size: int) -> str:
    """5242880 -> "5", 2621440 -> "2.5"."""
    return f"{size / (1024 * 1024):g}"


def _upload_too_large(_scope: Scope, _max_bytes: int) -> Response:
    limit = mebibytes(get_settings().max_upload_bytes)
    return JSONResponse(
        {"detail": f"file too large: at most {limit} MiB; split it into several files"}, status_code=413
    )


def _bad_length(_scope: Scope) -> Response:
    return JSONResponse({"detail": "invalid Content-Length header"}, status_code=400)


class _BodyTooLarge(Exception):
    pass


def _declared_length(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-length":
            return value.decode("latin-1").strip()
    return None


class RequestBodyLimit:
    def __init__(self, app: ASGIApp, *, limit_for: Callable[[Scope], BodyLimit | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None:
            if not is_ascii_number(declared):
                await _bad_length(scope)(scope, receive, send)
                return
            if int(declared) > limit.max_bytes:
                await limit.too_large(scope, limit.max_bytes)(scope, receive, send)
                return

        received = 0
        tripped = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, tripped
            if tripped:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    tripped = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if tripped and not started:
                return  # the application's answer to a body cut short is replaced by ours
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # Raised by counting_receive, or by a parser that caught it and raised its own.
            if not tripped:
                raise
        if tripped and not started:
            await limit.too_large(scope, limit.max_bytes)(scope, receive, send)


# --------------------------------------------------------------------------- the two apps


def gateway_limits(settings: Settings | None = None) -> Callable[[Scope], BodyLimit]:
    """The gateway: every request (Twilio's webhooks, the simulator) under max_webhook_bytes."""

    def limit_for(_scope: Scope) -> BodyLimit:
        current = settings or get_settings()
        return BodyLimit(current.max_webhook_bytes, json_too_large)

    return limit_for


UPLOAD_PATHS = {"/api/beneficiary-imports", "/console/imports"}
OFFERS_IMPORT_PATH = "/api/offers/import"


def api_limits(
    console_too_large: Callable[[Scope, int], Response], settings: Settings | None = None
) -> Callable[[Scope], BodyLimit]:
    """The API: uploads, the offers import, and everything else; console pages answer in French."""

    def limit_for(scope: Scope) -> BodyLimit:
        current = settings or get_settings()
        path = scope.get("path", "")
        console = path.startswith("/console")
        too_large = console_too_large if console else json_too_large
        if path in UPLOAD_PATHS:
            upload_too_large = console_too_large if console else _upload_too_large
            return BodyLimit(current.max_upload_bytes + MULTIPART_ENVELOPE_BYTES, upload_too_large)
        if path == OFFERS_IMPORT_PATH:
            return BodyLimit(current.max_offers_import_bytes, too_large)
        return BodyLimit(current.max_json_bytes, too_large)

    return limit_for
