"""The public REST API: one small router per domain."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import service as agenda_service
from api.agenda.models import Motif, Place, Slot
from api.agenda.schemas import MotifCreate, MotifRead, PlaceCreate, PlaceRead, SlotCreate, SlotRead
from api.appointments import service as appointment_service
from api.appointments.schemas import AppointmentRead, AppointmentStatusUpdate
from api.auth import require_api_token
from api.barriers import service as barrier_service
from api.barriers.schemas import BarrierRead
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.followup import followup_status
from api.beneficiaries.schemas import BeneficiaryCreate, BeneficiaryRead
from api.carnet import service as carnet_service
from api.carnet.schemas import CarnetEntryRead
from api.db import get_session, utcnow
from api.errors import Conflict
from api.handoffs import service as handoff_service
from api.handoffs.schemas import HandoffRead
from api.invitations import service as invitation_service
from api.invitations.schemas import InvitationCreate, InvitationRead
from api.messaging.models import OutboxMessage
from api.messaging.schemas import OutboxMessageRead
from api.organisations import service as organisation_service
from api.organisations.schemas import OrganisationCreate, OrganisationRead
from api.scheduling import service as scheduling_service
from api.scheduling.schemas import ScheduledMessageRead

router = APIRouter(prefix="/api", dependencies=[Depends(require_api_token)])
SessionDep = Annotated[Session, Depends(get_session)]


@router.post("/organisations", response_model=OrganisationRead, status_code=201, tags=["organisations"])
def create_organisation(body: OrganisationCreate, session: SessionDep):
    return organisation_service.create_organisation(session, **body.model_dump())


@router.get("/organisations", response_model=list[OrganisationRead], tags=["organisations"])
def list_organisations(session: SessionDep):
    return organisation_service.list_organisations(session)


@router.post("/places", response_model=PlaceRead, status_code=201, tags=["agenda"])
def create_place(body: PlaceCreate, session: SessionDep):
    organisation_service.get_organisation(session, organisation_id=body.organisation_id)
    return agenda_service.create_place(session, **body.model_dump())


@router.get("/places", response_model=list[PlaceRead], tags=["agenda"])
def list_places(session: SessionDep, organisation_id: int | None = None):
    query = select(Place).order_by(Place.id)
    if organisation_id is not None:
        query = query.where(Place.organisation_id == organisation_id)
    return list(session.scalars(query))


@router.post("/motifs", response_model=MotifRead, status_code=201, tags=["agenda"])
def create_motif(body: MotifCreate, session: SessionDep):
    organisation_service.get_organisation(session, organisation_id=body.organisation_id)
    return agenda_service.create_motif(session, **body.model_dump())


@router.get("/motifs", response_model=list[MotifRead], tags=["agenda"])
def list_motifs(session: SessionDep, organisation_id: int | None = None):
    query = select(Motif).order_by(Motif.id)
    if organisation_id is not None:
        query = query.where(Motif.organisation_id == organisation_id)
    return list(session.scalars(query))


@router.post("/slots", response_model=SlotRead, status_code=201, tags=["agenda"])
def create_slot(body: SlotCreate, session: SessionDep):
    return agenda_service.create_slot(session, **body.model_dump())


@router.get("/slots", response_model=list[SlotRead], tags=["agenda"])
def list_slots(session: SessionDep, motif_id: int | None = None, free_only: bool = False):
    query = select(Slot).order_by(Slot.start, Slot.id)
    if motif_id is not None:
        query = query.where(Slot.motif_id == motif_id)
    if free_only:
        query = query.where(Slot.booked_count < Slot.capacity, Slot.start > utcnow())
    return list(session.scalars(query))


@router.post("/beneficiaries", response_model=BeneficiaryRead, status_code=201, tags=["beneficiaries"])
def create_beneficiary(body: BeneficiaryCreate, session: SessionDep):
    return beneficiary_service.create_beneficiary(session, **body.model_dump())


def _with_status(session: Session, beneficiary) -> BeneficiaryRead:
    read = BeneficiaryRead.model_validate(beneficiary)
    read.followup_status = followup_status(session, beneficiary_id=beneficiary.id, now=utcnow())
    return read


@router.get("/beneficiaries", response_model=list[BeneficiaryRead], tags=["beneficiaries"])
def list_beneficiaries(session: SessionDep, organisation_id: int | None = None):
    beneficiaries = beneficiary_service.list_beneficiaries(session, organisation_id=organisation_id)
    return [_with_status(session, beneficiary) for beneficiary in beneficiaries]


@router.get("/beneficiaries/{beneficiary_id}", response_model=BeneficiaryRead, tags=["beneficiaries"])
def get_beneficiary(beneficiary_id: int, session: SessionDep):
    return _with_status(session, beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id))


@router.get("/beneficiaries/{beneficiary_id}/carnet", response_model=list[CarnetEntryRead], tags=["carnet"])
def get_carnet(beneficiary_id: int, session: SessionDep):
    beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    return carnet_service.list_entries(session, beneficiary_id=beneficiary_id)


@router.post("/invitations", response_model=InvitationRead, status_code=201, tags=["invitations"])
def create_invitation(body: InvitationCreate, session: SessionDep):
    return invitation_service.create_invitation(session, **body.model_dump(), now=utcnow())


@router.get("/invitations", response_model=list[InvitationRead], tags=["invitations"])
def list_invitations(session: SessionDep, beneficiary_id: int | None = None):
    return invitation_service.list_invitations(session, beneficiary_id=beneficiary_id)


@router.get("/appointments", response_model=list[AppointmentRead], tags=["appointments"])
def list_appointments(session: SessionDep, beneficiary_id: int | None = None):
    return appointment_service.list_appointments(session, beneficiary_id=beneficiary_id)


@router.patch("/appointments/{appointment_id}", response_model=AppointmentRead, tags=["appointments"])
def update_appointment_status(appointment_id: int, body: AppointmentStatusUpdate, session: SessionDep):
    now = utcnow()
    appointment = appointment_service.set_status(
        session, appointment_id=appointment_id, status=body.status, now=now
    )
    if body.status == "revoked":
        invitation_service.reoffer_after_revocation(session, appointment=appointment, now=now)
    return appointment


@router.post("/appointments/{appointment_id}/reminders", status_code=202, tags=["appointments"])
def send_reminder_now(appointment_id: int, session: SessionDep) -> dict[str, str]:
    appointment = appointment_service.get_appointment(session, appointment_id=appointment_id)
    if appointment.status != "unknown":
        raise Conflict(f"appointment is {appointment.status}")
    scheduling_service.schedule_reminder_now(session, appointment=appointment, now=utcnow())
    return {"status": "scheduled"}


@router.get("/scheduled-messages", response_model=list[ScheduledMessageRead], tags=["messages"])
def list_scheduled_messages(session: SessionDep, beneficiary_id: int):
    return scheduling_service.list_scheduled(session, beneficiary_id=beneficiary_id)


@router.get("/barriers", response_model=list[BarrierRead], tags=["carnet"])
def list_barriers(session: SessionDep, organisation_id: int | None = None, theme: str | None = None):
    rows = barrier_service.list_barriers(session, organisation_id=organisation_id, theme=theme)
    return [
        BarrierRead(
            carnet_entry_id=entry.id,
            beneficiary_id=beneficiary.id,
            first_name=beneficiary.first_name,
            group=entry.data.get("group", ""),
            themes=entry.data.get("themes", []),
            words=entry.body,
            source=entry.data.get("source", ""),
            offer_names=entry.data.get("offer_names", []),
            created_at=entry.created_at,
        )
        for entry, beneficiary in rows
    ]


@router.get("/handoffs", response_model=list[HandoffRead], tags=["queue"])
def list_handoffs(session: SessionDep, organisation_id: int | None = None, state: str | None = "open"):
    return handoff_service.list_requests(session, organisation_id=organisation_id, state=state)


@router.get("/outbox", response_model=list[OutboxMessageRead], tags=["messages"])
def list_outbox(session: SessionDep, beneficiary_id: int | None = None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if beneficiary_id is not None:
        query = query.where(OutboxMessage.beneficiary_id == beneficiary_id)
    return list(session.scalars(query))
