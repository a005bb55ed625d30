"""Who is using the console: the session cookie opened by api/console/login.py.

Pages need a live session, used within SPIE_CONSOLE_IDLE_MINUTES (otherwise 303 to the login
page); forms post the session's own
CSRF token (otherwise 403). The user becomes the same `Principal` as on the REST API, so
the scoping rules are the same: another organisation's id is 404.
"""

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.auth import Principal
from api.beneficiaries.models import Beneficiary
from api.config import get_settings
from api.console.login import SESSION_COOKIE
from api.db import utcnow
from api.deps import SessionDep

LOGIN_URL = "/console/login"


class LoginRequired(Exception):
    """No live console session (none, expired or idle too long): 303 to the login page, 401 for a
    request that does not accept HTML."""


class PageError(Exception):
    """A page that cannot be shown: an HTML error page in French with this status."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(title)
        self.status_code = status_code
        self.title = title
        self.message = message


def not_found() -> PageError:
    # The same answer for an id that does not exist and for another organisation's.
    return PageError(404, "Page introuvable", "Cette page n'existe pas ou vous n'y avez pas accès.")


def csrf_rejected() -> PageError:
    return PageError(
        403,
        "Requête refusée",
        "Le jeton de sécurité du formulaire est manquant ou invalide. Rechargez la page et réessayez.",
    )


@dataclass(frozen=True)
class ConsoleUser:
    principal: Principal
    csrf_token: str

    @property
    def user_id(self) -> int:
        return self.principal.user_id

    @property
    def email(self) -> str:
        return self.principal.email

    def check_csrf(self, token: str | None) -> None:
        """403 unless the form carries this session's CSRF token."""
        if not token or not hmac.compare_digest(token.encode(), self.csrf_token.encode()):
            raise csrf_rejected()


def console_user(request: Request, session: SessionDep) -> ConsoleUser:
    """FastAPI dependency: the logged-in professional, or LoginRequired."""
    secret = request.cookies.get(SESSION_COOKIE)
    found = None
    if secret:
        idle_timeout = get_settings().console_idle_timeout
        found = accounts_service.console_session_user(
            session, secret=secret, now=utcnow(), idle_timeout=idle_timeout
        )
    if found is None:
        raise LoginRequired()
    console_session, user = found
    principal = Principal(
        user_id=user.id,
        email=user.email,
        is_superadmin=user.is_superadmin,
        roles=accounts_service.roles_of(session, user_id=user.id),
        ip=request.client.host if request.client else None,
    )
    return ConsoleUser(principal=principal, csrf_token=console_session.csrf_token)


CurrentConsoleUser = Annotated[ConsoleUser, Depends(console_user)]


def member_beneficiary(session: Session, user: ConsoleUser, beneficiary_id: int) -> Beneficiary:
    """The person, if the user is a member of their organisation; otherwise the same 404 as a missing id."""
    beneficiary = session.get(Beneficiary, beneficiary_id)
    if beneficiary is None or not user.principal.is_member(beneficiary.organisation_id):
        raise not_found()
    return beneficiary


def audit_person(
    session: Session, user: ConsoleUser, action: str, beneficiary: Beneficiary, detail: str
) -> None:
    """One line in the audit log of the person's organisation, for what the user did in the console."""
    accounts_service.record_audit(
        session,
        user_id=user.user_id,
        action=action,
        organisation_id=beneficiary.organisation_id,
        beneficiary_id=beneficiary.id,
        ip=user.principal.ip,
        detail=detail,
        now=utcnow(),
    )
