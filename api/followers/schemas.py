from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FollowerCreate(BaseModel):
    organisation_id: int


class ReferentsSet(BaseModel):
    user_ids: list[int] = Field(max_length=20)


class ReferentRead(BaseModel):
    user_id: int
    email: str


class FollowerRead(BaseModel):
    organisation_id: int
    organisation_name: str
    # The organisation that holds the person's record (it follows them while it holds it).
    holds_record: bool
    since: datetime
    until: datetime | None
    referents: list[ReferentRead]


class ConsentCreate(BaseModel):
    # A professional notes the consent the person gave them (by SMS: not yet through the API).
    how: Literal["professional"] = "professional"
    note: str = Field(default="", max_length=300)


class ConsentRecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    given_at: datetime
    given_how: str
    given_by_user_id: int | None
    note: str
    withdrawn_at: datetime | None
    withdrawn_by_user_id: int | None


class ConsentRead(BaseModel):
    given: bool
    history: list[ConsentRecordRead]
