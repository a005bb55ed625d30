from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class OrganisationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    departement_code: str = Field(min_length=2, max_length=3)
    time_zone: str = "Europe/Paris"
    contact_phone: str = ""
    contact_hours: str = ""
    relance_after_days: int = Field(default=3, ge=1, le=30)
    invitation_validity_days: int = Field(default=10, ge=1, le=60)
    reminder_days_before: int = Field(default=2, ge=1, le=14)
    reminder_hour: int = Field(default=10, ge=0, le=23)
    reminder_day_before: bool = False
    late_cancellation_hours: int = Field(default=4, ge=0, le=72)
    sending_start_hour: int = Field(default=8, ge=0, le=23)
    sending_end_hour: int = Field(default=20, ge=1, le=24)
    sending_weekdays: str = Field(default="012345", pattern=r"^[0-6]{1,7}$")
    skip_public_holidays: bool = True
    questionnaire_enabled: bool = True


class OrganisationRead(OrganisationCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int
    created_at: datetime
