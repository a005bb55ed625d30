from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MembershipRead(BaseModel):
    organisation_id: int
    role: str


class MeRead(BaseModel):
    id: int
    email: str
    is_superadmin: bool
    memberships: list[MembershipRead]


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class ApiTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="shown once: only its SHA-256 is kept")


class MemberCreate(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    role: Literal["admin", "agent"] = "agent"
    password: str | None = Field(
        default=None,
        min_length=12,
        max_length=200,
        description="required when the address has no account yet; an existing account keeps its password",
    )


class MemberRead(BaseModel):
    user_id: int
    email: str
    role: str
    active: bool
    created: bool = False


class AuditLogRead(BaseModel):
    id: int
    at: datetime
    user_id: int
    user_email: str
    action: str
    organisation_id: int | None
    beneficiary_id: int | None
    ip: str | None
    detail: str
