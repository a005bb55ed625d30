from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.actions.fake_bot_api import FakeBotApi

if importlib.util.find_spec("rasa_sdk") is None:
    # the app's .venv: these tests run in the Rasa environment (`make test-actions`)
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture
def bot_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotApi]:
    """Our internal bot API, faked at the requests transport: nothing else is reachable."""
    # imported here, not above, so that the app's .venv can still read this file
    import responses

    from tests.actions.fake_bot_api import BASE_URL, BOT_TOKEN, FakeBotApi

    monkeypatch.setenv("SPIE_BOT_API_URL", BASE_URL)
    monkeypatch.setenv("SPIE_BOT_TOKEN", BOT_TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeBotApi(mock)
