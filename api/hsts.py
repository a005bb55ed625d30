"""Strict-Transport-Security on every answer of a published process, in production only.

Production is served over https only (SPIE_PUBLIC_BASE_URL must be https): the header tells
browsers never to reach the console over plain HTTP again, for a year, sub-domains included.
In development and tests the apps run on plain-HTTP localhost, where the header would be
wrong (browsers would then refuse http://127.0.0.1 on that port), so it is not sent.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import get_settings

HSTS_VALUE = b"max-age=31536000; includeSubDomains"
_NAME = b"strict-transport-security"


class StrictTransportSecurity:
    """ASGI middleware: adds the header to every HTTP answer when SPIE_ENVIRONMENT=production."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or get_settings().environment != "production":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _NAME]
                message = {**message, "headers": [*headers, (_NAME, HSTS_VALUE)]}
            await send(message)

        await self.app(scope, receive, send_with_header)
