from datetime import datetime
from typing import Literal

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
