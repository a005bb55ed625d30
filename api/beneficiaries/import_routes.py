"""REST API of CSV imports of beneficiaries (bulk invitations: api/invitations/routes.py).

An import is the work of any member of the organisation (agent or admin), as creating one
person is. Another organisation's id is 404, as a missing one.
"""

import json
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Response
from sqlalchemy.orm import Session

from api.auth import CurrentUser, Principal
from api.beneficiaries import csv_file, csv_import
from api.beneficiaries.models import BeneficiaryImport
from api.beneficiaries.schemas import (
    BeneficiaryImportForm,
    BeneficiaryImportRead,
    BeneficiaryImportReport,
)
from api.deps import SessionDep
from api.errors import AppError, Invalid, NotFound
from api.request_limits import mebibytes

router = APIRouter(prefix="/api")


def _import(session: Session, user: Principal, import_id: int) -> BeneficiaryImport:
    job = session.get(BeneficiaryImport, import_id)
    if job is None or not user.is_member(job.organisation_id):
        raise NotFound("import")
    return job


def _mapping(raw: str | None) -> dict[str, str] | None:
    if raw is None or not raw.strip():
        return None
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise Invalid("mapping must be a JSON object") from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in mapping.items()
    ):
        raise Invalid("mapping must be a JSON object of strings: our field -> the file's column title")
    return mapping


@router.post(
    "/beneficiary-imports", response_model=BeneficiaryImportRead, status_code=202, tags=["beneficiaries"]
)
def create_import(
    form: Annotated[BeneficiaryImportForm, File()],  # File(): multipart/form-data in the OpenAPI
    background: BackgroundTasks,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
):
    """Upload a CSV file of people; it is imported in the background (follow it with GET)."""
    user.require_member(form.organisation_id)
    raw = form.file.file.read(csv_file.max_bytes() + 1)
    if len(raw) > csv_file.max_bytes():
        limit = mebibytes(csv_file.max_bytes())
        raise AppError(413, f"file too large: at most {limit} MiB; split it into several files")
    job = csv_import.create_import(
        session,
        organisation_id=form.organisation_id,
        filename=form.file.filename or "",
        raw=raw,
        user_id=user.user_id,
        mapping=_mapping(form.mapping),
    )
    # Runs once the response is sent and the request's transaction committed.
    background.add_task(csv_import.run_import, job.id)
    response.headers["Location"] = f"/api/beneficiary-imports/{job.id}"
    return job


@router.get("/beneficiary-imports", response_model=list[BeneficiaryImportRead], tags=["beneficiaries"])
def list_imports(session: SessionDep, user: CurrentUser, organisation_id: int | None = None):
    """The latest 50 imports of the caller's organisations (or of one), newest first."""
    if organisation_id is not None:
        user.require_member(organisation_id)
    organisations = [organisation_id] if organisation_id is not None else user.organisation_ids
    return csv_import.list_imports(session, organisation_ids=organisations)


@router.get(
    "/beneficiary-imports/{import_id}", response_model=BeneficiaryImportReport, tags=["beneficiaries"]
)
def get_import(import_id: int, session: SessionDep, user: CurrentUser):
    """Progress and, row by row, what could not be imported."""
    return _import(session, user, import_id)
