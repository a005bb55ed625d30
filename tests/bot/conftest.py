from collections.abc import Iterator

import pytest

from tests.e2e.system import free_port
from tests.fakes.twilio_fake import FakeTwilioServer, FakeTwilioState

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-token"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilioServer]:
    """The fake Twilio of the dispatcher tests, in this process (no status callbacks)."""
    server = FakeTwilioServer(
        FakeTwilioState(ACCOUNT_SID, AUTH_TOKEN, send_status_callbacks=False), free_port()
    )
    server.start()
    yield server
    server.stop()
