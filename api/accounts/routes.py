"""REST API of accounts: the caller, their tokens, an organisation's members, the audit log."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from api.accounts import service
from api.accounts.models import User
from api.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    AuditLogRead,
    MemberCreate,
    MemberRead,
    MembershipRead,
    MeRead,
)
from api.auth import CurrentUser, Principal
from api.db import utcnow
from api.deps import SessionDep
from api.errors import AppError, Invalid, NotFound
from api.organisations import service as organisation_service

router = APIRouter(prefix="/api", tags=["accounts"])


@router.get("/me", response_model=MeRead)
def me(user: CurrentUser):
    return MeRead(
        id=user.user_id,
        email=user.email,
        is_superadmin=user.is_superadmin,
        memberships=[
            MembershipRead(organisation_id=org, role=role) for org, role in sorted(user.roles.items())
        ],
    )


@router.get("/tokens", response_model=list[ApiTokenRead])
def list_tokens(session: SessionDep, user: CurrentUser):
    """The caller's own tokens (never their secret)."""
    return service.list_tokens(session, user_id=user.user_id)


@router.post("/tokens", response_model=ApiTokenCreated, status_code=201)
def create_token(body: ApiTokenCreate, session: SessionDep, user: CurrentUser):
    """A new token for the caller; its secret is in this answer only."""
    token, secret = service.create_token(session, user_id=user.user_id, name=body.name, now=utcnow())
    return ApiTokenCreated(**ApiTokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=ApiTokenRead)
def revoke_token(token_id: int, session: SessionDep, user: CurrentUser):
    """Revoke one of the caller's tokens (another user's token is 404)."""
    return service.revoke_token(session, user_id=user.user_id, token_id=token_id)


def _manageable(session: Session, user: Principal, organisation_id: int) -> None:
    """Members are managed by the organisation's admins, and by the platform operator."""
    if user.is_superadmin:
        organisation_service.get_organisation(session, organisation_id=organisation_id)
    else:
        user.require_admin(organisation_id)


@router.get("/organisations/{organisation_id}/members", response_model=list[MemberRead])
def list_members(organisation_id: int, session: SessionDep, user: CurrentUser):
    _manageable(session, user, organisation_id)
    return [
        MemberRead(user_id=account.id, email=account.email, role=membership.role, active=account.active)
        for membership, account in service.list_members(session, organisation_id=organisation_id)
    ]


@router.post("/organisations/{organisation_id}/members", response_model=MemberRead, status_code=201)
def add_member(organisation_id: int, body: MemberCreate, session: SessionDep, user: CurrentUser):
    """Add an agent or an admin (the account is created when the address has none), or change a role."""
    _manageable(session, user, organisation_id)
    account: User | None = service.find_user(session, email=body.email)
    created_account = account is None
    if account is None:
        if body.password is None:
            raise Invalid("password is required to create an account for this address")
        account = service.create_user(session, email=body.email, password=body.password)
    membership, created = service.set_membership(
        session, user_id=account.id, organisation_id=organisation_id, role=body.role
    )
    service.record_audit(
        session,
        user_id=user.user_id,
        action="member.add" if created else "member.role",
        organisation_id=organisation_id,
        ip=user.ip,
        detail=f"{account.email} {membership.role}",
        now=utcnow(),
    )
    return MemberRead(
        user_id=account.id,
        email=account.email,
        role=membership.role,
        active=account.active,
        created=created_account,
    )


@router.delete("/organisations/{organisation_id}/members/{user_id}", status_code=204)
def remove_member(organisation_id: int, user_id: int, session: SessionDep, user: CurrentUser) -> Response:
    _manageable(session, user, organisation_id)
    account = session.get(User, user_id)
    if account is None:
        raise NotFound("member")
    service.remove_membership(session, user_id=user_id, organisation_id=organisation_id)
    service.record_audit(
        session,
        user_id=user.user_id,
        action="member.remove",
        organisation_id=organisation_id,
        ip=user.ip,
        detail=account.email,
        now=utcnow(),
    )
    return Response(status_code=204)


@router.get("/audit-log", response_model=list[AuditLogRead])
def audit_log(
    session: SessionDep,
    user: CurrentUser,
    organisation_id: int | None = None,
    beneficiary_id: int | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: int | None = None,
):
    """The audit log of the organisations the caller is an admin of, newest first."""
    if organisation_id is not None:
        user.require_admin(organisation_id)
        organisations = [organisation_id]
    else:
        organisations = user.admin_organisation_ids
        if not organisations:
            raise AppError(403, "this needs the admin role in an organisation")
    lines = service.list_audit(
        session,
        organisation_ids=organisations,
        beneficiary_id=beneficiary_id,
        action=action,
        limit=limit,
        before_id=before_id,
    )
    return [
        AuditLogRead(
            id=line.entry.id,
            at=line.entry.at,
            user_id=line.entry.user_id,
            user_email=line.user_email,
            action=line.entry.action,
            organisation_id=line.entry.organisation_id,
            beneficiary_id=line.entry.beneficiary_id,
            ip=line.entry.ip,
            detail=line.entry.detail,
        )
        for line in lines
    ]
