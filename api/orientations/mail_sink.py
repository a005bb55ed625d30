"""A local SMTP sink for development and tests: receives every mail and keeps it (aiosmtpd, a dev
dependency). Run: python -m api.orientations.mail_sink [port] (prints each mail it receives)."""

import socket
import sys
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SinkHandler:
    """Keeps what the sink received; a test may make it refuse every mail (`refuse`)."""

    received: list[Received] = field(default_factory=list)
    refuse: bool = False
    echo: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.refuse:
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.echo:
            print(f"--- to {', '.join(envelope.rcpt_tos)}: {message['Subject']}\n{message.get_content()}")
        return "250 OK"


def start(host: str = "127.0.0.1", port: int = 0, *, echo: bool = False) -> tuple[Controller, SinkHandler]:
    """A running sink (port 0: any free port, read it from controller.port)."""
    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    handler = SinkHandler(echo=echo)
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    return controller, handler


if __name__ == "__main__":
    controller, _ = start(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8025, echo=True)
    print(f"SMTP sink on 127.0.0.1:{controller.port}")
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
