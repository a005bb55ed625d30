"""Who is calling the REST API: `Authorization: Bearer <token>` resolves to a user and their roles.

Scoping rule: a resource of an organisation the caller is not a member of is 404, exactly
as if it did not exist; a member whose role is too low gets 403.
"""

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.accounts import service as accounts_service
from api.db import utcnow
from api.deps import SessionDep
from api.errors import AppError, NotFound


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    is_superadmin: bool
    roles: dict[int, str] = field(default_factory=dict)  # organisation id -> "admin" | "agent"
    ip: str | None = None

    @property
    def organisation_ids(self) -> list[int]:
        return sorted(self.roles)

    @property
    def admin_organisation_ids(self) -> list[int]:
        return sorted(org for org, role in self.roles.items() if role == "admin")

    def is_member(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and organisation_id in self.roles

    def listed_organisations(self, organisation_id: int | None) -> list[int]:
        """The organisations a list covers: the caller's, or the one asked for if a member (else 404)."""
        if organisation_id is None:
            return self.organisation_ids
        self.require_member(organisation_id)
        return [organisation_id]

    def require_member(self, organisation_id: int | None, *, what: str = "organisation") -> None:
        """404 (as if it did not exist) unless the caller belongs to this organisation."""
        if not self.is_member(organisation_id):
            raise NotFound(what)

    def require_admin(self, organisation_id: int | None, *, what: str = "organisation") -> None:
        """404 outside the caller's organisations, 403 for an agent of this one."""
        self.require_member(organisation_id, what=what)
        if self.roles[organisation_id] != "admin":  # type: ignore[index]
            raise AppError(403, "this needs the admin role in the organisation")

    def require_admin_or_superadmin(self, organisation_id: int, *, what: str = "organisation") -> None:
        if not self.is_superadmin:
            self.require_admin(organisation_id, what=what)

    def require_superadmin(self) -> None:
        if not self.is_superadmin:
            raise AppError(403, "only the platform operator can do this")


def _unauthorised() -> AppError:
    return AppError(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})


# Declares the scheme in OpenAPI (the "Authorize" button of /docs); errors are ours (401, not 403).
_bearer = HTTPBearer(auto_error=False, description="an API token: `python -m api.accounts.cli create-token`")


def current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """FastAPI dependency: the caller of the REST API, or 401."""
    if credentials is None or not credentials.credentials.strip():
        raise _unauthorised()
    found = accounts_service.user_for_token(session, secret=credentials.credentials.strip(), now=utcnow())
    if found is None:
        raise _unauthorised()
    user, _token = found
    return Principal(
        user_id=user.id,
        email=user.email,
        is_superadmin=user.is_superadmin,
        roles=accounts_service.roles_of(session, user_id=user.id),
        ip=request.client.host if request.client else None,
    )


CurrentUser = Annotated[Principal, Depends(current_user)]
