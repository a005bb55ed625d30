"""Under tests/api: passwords hashed with argon2id's cheapest parameters (tests create many
accounts; `real_password_hash` opts out), and people with accounts in organisations."""

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from tests.api.accounts.factories import FAST_HASH, Account, make_account


@pytest.fixture(autouse=True)
def _fast_password_hash(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "real_password_hash" not in request.keywords:
        monkeypatch.setattr(accounts_service, "_password_hash", FAST_HASH)


@pytest.fixture
def account(session: Session) -> Callable[..., Account]:
    def _make(roles: dict[int, str] | None = None, *, superadmin: bool = False, email: str | None = None):
        return make_account(session, roles, superadmin=superadmin, email=email)

    return _make
