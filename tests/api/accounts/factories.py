"""Accounts for tests: a user with roles in organisations and a live API token."""

import itertools
from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.accounts.models import User
from api.db import utcnow

PASSWORD = "correct horse battery"
# Still argon2id, with the cheapest parameters: tests create many accounts.
FAST_HASH = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
_emails = itertools.count(1)


@dataclass
class Account:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_account(
    session: Session,
    roles: dict[int, str] | None = None,
    *,
    superadmin: bool = False,
    email: str | None = None,
) -> Account:
    """A user with these roles (organisation id -> role) and a live API token."""
    user = accounts_service.create_user(
        session, email=email or f"pro{next(_emails)}@acc.test", password=PASSWORD, is_superadmin=superadmin
    )
    for organisation_id, role in (roles or {}).items():
        accounts_service.set_membership(session, user_id=user.id, organisation_id=organisation_id, role=role)
    _token, secret = accounts_service.create_token(session, user_id=user.id, name="tests", now=utcnow())
    return Account(user, secret)
