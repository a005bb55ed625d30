from datetime import date, datetime, time

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# The most people one slot of a plage receives.
MAX_CAPACITY = 100


class PlaceCreate(BaseModel):
    organisation_id: int
    name: str = Field(min_length=1, max_length=120)
    address: str = Field(min_length=1, max_length=200)


class PlaceRead(PlaceCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int


class MotifCreate(BaseModel):
    organisation_id: int
    name: str = Field(min_length=1, max_length=120)
    duration_minutes: int = Field(default=60, ge=5, le=480)


class MotifRead(MotifCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int


class SlotCreate(BaseModel):
    place_id: int
    motif_id: int
    start: AwareDatetime
    capacity: int = Field(default=1, ge=1, le=100)


class SlotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    place_id: int
    motif_id: int
    start: datetime
    end: datetime
    capacity: int
    booked_count: int


# --------------------------------------------------------------------------- plages d'ouverture, absences


class OpeningPeriodCreate(BaseModel):
    """A weekly plage: `weekday` 0 = Monday; hours in the organisation's local time."""

    place_id: int
    motif_id: int
    weekday: int = Field(ge=0, le=6)
    start_time: time
    end_time: time
    capacity: int = Field(default=1, ge=1, le=MAX_CAPACITY)
    valid_from: date
    valid_until: date | None = None


class OpeningPeriodUpdate(BaseModel):
    """Shorten or move a plage's hours, end it on a date (null: no end), change its capacity."""

    start_time: time | None = None
    end_time: time | None = None
    valid_until: date | None = None
    capacity: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)


class OpeningPeriodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    place_id: int
    motif_id: int
    weekday: int
    start_time: time
    end_time: time
    capacity: int
    valid_from: date
    valid_until: date | None
    created_at: datetime


class AgendaAppointmentRead(BaseModel):
    """One appointment of the agenda, with who, what and where."""

    appointment_id: int
    organisation_id: int
    beneficiary_id: int
    first_name: str | None
    last_name: str | None
    status: str
    slot_id: int
    start: datetime
    end: datetime
    place_id: int
    place_name: str
    motif_id: int
    motif_name: str


class WithdrawalRead(BaseModel):
    """Slots taken out: deleted, closed to new bookings, and the appointments to move elsewhere."""

    slots_removed: int
    slots_closed: int
    appointments_to_move: list[AgendaAppointmentRead]


class OpeningPeriodChangeRead(OpeningPeriodRead):
    slots_created: int
    slots_removed: int
    slots_closed: int
    appointments_to_move: list[AgendaAppointmentRead]


class GenerationRead(BaseModel):
    slots_created: int


class AbsenceCreate(BaseModel):
    """Nobody receives from `starts_at` to `ends_at`: at `place_id`, or at every place if null."""

    organisation_id: int
    place_id: int | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(default="", max_length=200)


class AbsenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    place_id: int | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_at: datetime


class AbsenceCreatedRead(AbsenceRead):
    slots_removed: int
    appointments_to_move: list[AgendaAppointmentRead]
