"""REST API for RGPD requests: export a person's data (JSON), erase it, list the erasures.

Export: any member of the person's organisation (audited `beneficiary.export`). Erasure: admins
of the organisation (agents 403), audited `beneficiary.erase` with the erasure's id, since the
person's id no longer means anything. Another organisation's person: 404, as everywhere.
"""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select

from api.accounts import service as accounts_service
from api.auth import CurrentUser
from api.beneficiaries.access import member_beneficiary
from api.config import get_settings
from api.db import utcnow
from api.deps import SessionDep
from api.errors import AppError
from api.privacy.downloads import audited_json_file
from api.privacy.erasure import erase_person
from api.privacy.export import export_person
from api.privacy.models import ErasureRecord
from api.privacy.rasa_tracker import forget_conversations
from api.privacy.schemas import ErasureRead

router = APIRouter(prefix="/api", tags=["privacy"])


def export_filename(beneficiary_id: int) -> str:
    return f"donnees-personne-{beneficiary_id}.json"


@router.get("/beneficiaries/{beneficiary_id}/export", response_class=JSONResponse)
def export_beneficiary(beneficiary_id: int, session: SessionDep, user: CurrentUser) -> JSONResponse:
    """Everything held about the person (right of access), as a JSON file; audited."""
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    now = utcnow()
    return audited_json_file(
        session,
        user=user,
        beneficiary=beneficiary,
        data=export_person(session, beneficiary, now=now),
        filename=export_filename(beneficiary.id),
        action="beneficiary.export",
        detail="api",
        now=now,
    )


@router.delete("/beneficiaries/{beneficiary_id}", response_model=ErasureRead)
def erase_beneficiary(
    beneficiary_id: int, session: SessionDep, user: CurrentUser, background: BackgroundTasks
):
    """Erase the person and everything about them (right to erasure); admins only."""
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    user.require_admin(beneficiary.organisation_id)
    now = utcnow()
    record = erase_person(session, beneficiary, reason="request", user_id=user.user_id, now=now)
    accounts_service.record_audit(
        session,
        user_id=user.user_id,
        action="beneficiary.erase",
        organisation_id=record.organisation_id,
        ip=user.ip,
        detail=f"erasure {record.id}",
        now=now,
    )
    # Background tasks run once the session is committed and the answer sent.
    background.add_task(forget_conversations, [beneficiary_id], settings=get_settings())
    return record


@router.get("/erasures", response_model=list[ErasureRead])
def list_erasures(
    session: SessionDep,
    user: CurrentUser,
    organisation_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    """The erasures of the organisations the caller is an admin of, newest first."""
    if organisation_id is not None:
        user.require_admin(organisation_id)
        organisations = [organisation_id]
    else:
        organisations = user.admin_organisation_ids
        if not organisations:
            raise AppError(403, "this needs the admin role in an organisation")
    query = (
        select(ErasureRecord)
        .where(ErasureRecord.organisation_id.in_(organisations))
        .order_by(ErasureRecord.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
