from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.offers.schemas import ServiceRead


class OrientationCreate(BaseModel):
    service_id: int
    theme: str = Field(min_length=1, max_length=150, description="a theme of the taxonomy, or a group")
    reason: str = Field(min_length=1, max_length=500, description="why this service, in a few words")


class OrientationAnswer(BaseModel):
    # Required to refuse; optional to accept (e.g. "RDV proposé le 12/01").
    reason: str = Field(default="", max_length=500)


class CandidateRead(BaseModel):
    service: ServiceRead
    # How the structure receives a request: its members in the console, or an e-mail.
    receives_by: Literal["account", "email"]


class PersonRead(BaseModel):
    first_name: str | None
    last_name: str | None
    phone: str


class OrientationRead(BaseModel):
    id: int
    beneficiary_id: int
    person: PersonRead
    from_organisation_id: int
    from_organisation_name: str
    sent_by_user_id: int
    service_id: int | None
    service_name: str
    structure_name: str
    contact: str
    to_organisation_id: int | None
    to_email: str | None
    theme: str
    reason: str
    state: Literal["open", "accepted", "refused", "expired"]
    created_at: datetime
    reminded_at: datetime | None
    expires_at: datetime
    closed_at: datetime | None
    answer_reason: str
    answered_by_user_id: int | None
    # The request's mail to a structure without an account: pending, sent, failed (None: no mail).
    mail_state: Literal["pending", "sent", "failed"] | None
    # The SMS that told the person (accepted only; None if they said STOP).
    outbox_message_id: int | None
