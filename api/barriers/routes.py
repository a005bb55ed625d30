"""REST API of barriers heard (carnet entries), by organisation and theme; each person listed is audited."""

from fastapi import APIRouter

from api.accounts import service as accounts_service
from api.auth import CurrentUser
from api.barriers import service as barrier_service
from api.barriers.schemas import BarrierRead
from api.db import utcnow
from api.deps import SessionDep

router = APIRouter(prefix="/api", tags=["carnet"])


@router.get("/barriers", response_model=list[BarrierRead])
def list_barriers(
    session: SessionDep,
    user: CurrentUser,
    organisation_id: int | None = None,
    theme: str | None = None,
):
    """Barriers heard (carnet entries): each person listed gets a line in the audit log."""
    rows = [
        row
        for organisation in user.listed_organisations(organisation_id)
        for row in barrier_service.list_barriers(session, organisation_id=organisation, theme=theme)
    ]
    rows.sort(key=lambda row: (row[0].created_at, row[0].id), reverse=True)
    now = utcnow()
    for beneficiary in {beneficiary.id: beneficiary for _entry, beneficiary in rows}.values():
        accounts_service.record_audit(
            session,
            user_id=user.user_id,
            action="barriers.read",
            organisation_id=beneficiary.organisation_id,
            beneficiary_id=beneficiary.id,
            ip=user.ip,
            now=now,
        )
    return [
        BarrierRead(
            carnet_entry_id=entry.id,
            beneficiary_id=beneficiary.id,
            first_name=beneficiary.first_name,
            group=entry.data.get("group", ""),
            themes=entry.data.get("themes", []),
            words=entry.body,
            source=entry.data.get("source", ""),
            offer_names=entry.data.get("offer_names", []),
            created_at=entry.created_at,
        )
        for entry, beneficiary in rows
    ]
