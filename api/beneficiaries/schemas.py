from datetime import datetime
from typing import Literal

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field


class BeneficiaryCreate(BaseModel):
    organisation_id: int
    phone: str = Field(min_length=4, max_length=32)
    first_name: str | None = Field(default=None, max_length=80)
    last_name: str | None = Field(default=None, max_length=80)
    preferred_channel: Literal["sms", "whatsapp"] = "sms"
    code_insee: str | None = Field(default=None, pattern=r"^(\d{5}|2[AB]\d{3})$")


class BeneficiaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    phone: str
    first_name: str | None
    last_name: str | None
    code_insee: str | None
    preferred_channel: str
    opted_out: bool
    phone_problem: str | None
    created_at: datetime
    followup_status: str = "not_invited"


# --------------------------------------------------------------------------- CSV imports


class BeneficiaryImportForm(BaseModel):
    """The multipart form of POST /api/beneficiary-imports."""

    organisation_id: int
    file: UploadFile = Field(description="CSV, UTF-8 or Windows-1252, `;` `,` or tab; 5 MB, 50,000 rows")
    mapping: str | None = Field(
        default=None,
        description='JSON object, our field -> the file\'s column title, e.g. {"phone": "Téléphone", '
        '"first_name": "Prénom", "last_name": "Nom", "code_insee": "Code INSEE", '
        '"preferred_channel": "Canal"}; guessed from the titles when absent. `phone` is required.',
    )


class ImportRowError(BaseModel):
    row: int  # the spreadsheet's row number, the header being row 1
    column: str  # the file's column title
    message: str  # the reason, in French


class BeneficiaryImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    filename: str
    status: Literal["draft", "pending", "running", "done", "failed", "cancelled"]
    mapping: dict[str, str]
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    error_count: int  # rows not imported (a row may have several errors)
    created_at: datetime
    finished_at: datetime | None


class BeneficiaryImportReport(BeneficiaryImportRead):
    errors: list[ImportRowError]  # the first 1,000


# --------------------------------------------------------------------------- bulk invitation


class BulkInvitationCreate(BaseModel):
    beneficiary_ids: list[int] = Field(min_length=1, max_length=500)
    motif_id: int
    place_id: int | None = None


class BulkInvitationOutcome(BaseModel):
    beneficiary_id: int
    result: Literal["invited", "skipped"]
    invitation_id: int | None = None
    # opted_out, phone_problem, pending_invitation, upcoming_appointment, no_free_slot, other_organisation
    reason: str | None = None


class BulkInvitationRead(BaseModel):
    invited: int
    skipped: int
    results: list[BulkInvitationOutcome]
