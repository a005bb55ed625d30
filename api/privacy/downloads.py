"""A person's data handed to a member as a JSON file, with the audit line that says who took it."""

from datetime import datetime
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.auth import Principal
from api.beneficiaries.models import Beneficiary


def audited_json_file(
    session: Session,
    *,
    user: Principal,
    beneficiary: Beneficiary,
    data: Any,
    filename: str,
    action: str,
    now: datetime,
    detail: str = "",
) -> JSONResponse:
    accounts_service.record_audit(
        session,
        user_id=user.user_id,
        action=action,
        organisation_id=beneficiary.organisation_id,
        beneficiary_id=beneficiary.id,
        ip=user.ip,
        detail=detail,
        now=now,
    )
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
