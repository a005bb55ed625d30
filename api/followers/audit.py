"""Audit lines about a person, written in the log of the organisation that holds their record, so
that its admins see every read and change made from another structure."""

from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.auth import Principal
from api.db import utcnow
from api.followers.access import Reader


def record(session: Session, user: Principal, reader: Reader, action: str, detail: str = "") -> None:
    """One line in the holder's audit log; a read from another structure names the caller's structures."""
    if reader.across:
        structures = ", ".join(str(organisation) for organisation in reader.organisation_ids)
        detail = f"from organisation {structures}" + (f": {detail}" if detail else "")
    accounts_service.record_audit(
        session,
        user_id=user.user_id,
        action=action,
        organisation_id=reader.beneficiary.organisation_id,
        beneficiary_id=reader.beneficiary.id,
        ip=user.ip,
        detail=detail,
        now=utcnow(),
    )
