"""The public REST API: one small router per domain.

Every endpoint is scoped to the caller's organisations (see docs/access.md): a resource of
another organisation is 404, as if it did not exist; a list filtered on another
organisation (or on a person or motif of it) is 404 too.
"""


from fastapi import APIRouter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.agenda import service as agenda_service
from api.agenda.models import Motif, Place, Slot
from api.agenda.schemas import MotifCreate, MotifRead, PlaceCreate, PlaceRead, SlotCreate, SlotRead
from api.appointments import service as appointment_service
from api.appointments.followup import followup_statuses
from api.appointments.models import Appointment
from api.appointments.schemas import AppointmentRead, AppointmentStatusUpdate
from api.auth import CurrentUser, Principal
from api.barriers import service as barrier_service
from api.barriers.schemas import BarrierRead
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.beneficiaries.schemas import BeneficiaryCreate, BeneficiaryRead
from api.carnet import service as carnet_service
from api.carnet.schemas import CarnetEntryRead
from api.db import utcnow
from api.deps import SessionDep
from api.errors import Conflict, NotFound
from api.handoffs import service as handoff_service
from api.handoffs.models import HandoffRequest
from api.handoffs.schemas import HandoffRead
from api.invitations import service as invitation_service
from api.invitations.models import Invitation
from api.invitations.schemas import InvitationCreate, InvitationRead
from api.messaging.models import OutboxMessage
from api.messaging.schemas import OutboxMessageRead
from api.organisations import service as organisation_service
from api.organisations.models import Organisation
from api.organisations.schemas import OrganisationCreate, OrganisationRead
from api.scheduling import service as scheduling_service
from api.scheduling.schemas import ScheduledMessageRead

router = APIRouter(prefix="/api")


def member_beneficiary(session: Session, user: Principal, beneficiary_id: int) -> Beneficiary:
    """The person if the caller is a member of their organisation; otherwise 404, as for a missing id."""
    beneficiary = session.get(Beneficiary, beneficiary_id)
    if beneficiary is None or not user.is_member(beneficiary.organisation_id):
        raise NotFound("beneficiary")
    return beneficiary


def _appointment(session: Session, user: Principal, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or not user.is_member(appointment.organisation_id):
        raise NotFound("appointment")
    return appointment


@router.post("/organisations", response_model=OrganisationRead, status_code=201, tags=["organisations"])
def create_organisation(body: OrganisationCreate, session: SessionDep, user: CurrentUser):
    user.require_superadmin()
    return organisation_service.create_organisation(session, **body.model_dump())


@router.get("/organisations", response_model=list[OrganisationRead], tags=["organisations"])
def list_organisations(session: SessionDep, user: CurrentUser):
    """Every organisation for the platform operator; the caller's own for everyone else."""
    if user.is_superadmin:
        return organisation_service.list_organisations(session)
    query = select(Organisation).where(Organisation.id.in_(user.organisation_ids)).order_by(Organisation.id)
    return list(session.scalars(query))


@router.post("/places", response_model=PlaceRead, status_code=201, tags=["agenda"])
def create_place(body: PlaceCreate, session: SessionDep, user: CurrentUser):
    user.require_admin(body.organisation_id)
    return agenda_service.create_place(session, **body.model_dump())


@router.get("/places", response_model=list[PlaceRead], tags=["agenda"])
def list_places(session: SessionDep, user: CurrentUser, organisation_id: int | None = None):
    organisations = user.listed_organisations(organisation_id)
    query = select(Place).where(Place.organisation_id.in_(organisations)).order_by(Place.id)
    return list(session.scalars(query))


@router.post("/motifs", response_model=MotifRead, status_code=201, tags=["agenda"])
def create_motif(body: MotifCreate, session: SessionDep, user: CurrentUser):
    user.require_admin(body.organisation_id)
    return agenda_service.create_motif(session, **body.model_dump())


@router.get("/motifs", response_model=list[MotifRead], tags=["agenda"])
def list_motifs(session: SessionDep, user: CurrentUser, organisation_id: int | None = None):
    organisations = user.listed_organisations(organisation_id)
    query = select(Motif).where(Motif.organisation_id.in_(organisations)).order_by(Motif.id)
    return list(session.scalars(query))


@router.post("/slots", response_model=SlotRead, status_code=201, tags=["agenda"])
def create_slot(body: SlotCreate, session: SessionDep, user: CurrentUser):
    place = session.get(Place, body.place_id)
    if place is None or not user.is_member(place.organisation_id):
        raise NotFound("place")
    user.require_admin(place.organisation_id)
    # The motif must be of the place's organisation (404 otherwise): checked by the service.
    return agenda_service.create_slot(session, **body.model_dump())


@router.get("/slots", response_model=list[SlotRead], tags=["agenda"])
def list_slots(session: SessionDep, user: CurrentUser, motif_id: int | None = None, free_only: bool = False):
    query = select(Slot).where(Slot.organisation_id.in_(user.organisation_ids)).order_by(Slot.start, Slot.id)
    if motif_id is not None:
        motif = session.get(Motif, motif_id)
        if motif is None or not user.is_member(motif.organisation_id):
            raise NotFound("motif")
        query = query.where(Slot.motif_id == motif_id)
    if free_only:
        query = query.where(Slot.booked_count < Slot.capacity, Slot.start > utcnow())
    return list(session.scalars(query))


@router.post("/beneficiaries", response_model=BeneficiaryRead, status_code=201, tags=["beneficiaries"])
def create_beneficiary(body: BeneficiaryCreate, session: SessionDep, user: CurrentUser):
    user.require_member(body.organisation_id)
    return beneficiary_service.create_beneficiary(session, **body.model_dump())


def _with_statuses(session: Session, beneficiaries: list[Beneficiary]) -> list[BeneficiaryRead]:
    statuses = followup_statuses(session, beneficiary_ids=[b.id for b in beneficiaries], now=utcnow())
    reads = [BeneficiaryRead.model_validate(beneficiary) for beneficiary in beneficiaries]
    for read in reads:
        read.followup_status = statuses[read.id]
    return reads


@router.get("/beneficiaries", response_model=list[BeneficiaryRead], tags=["beneficiaries"])
def list_beneficiaries(session: SessionDep, user: CurrentUser, organisation_id: int | None = None):
    organisations = user.listed_organisations(organisation_id)
    query = select(Beneficiary).where(Beneficiary.organisation_id.in_(organisations)).order_by(Beneficiary.id)
    return _with_statuses(session, list(session.scalars(query)))


@router.get("/beneficiaries/{beneficiary_id}", response_model=BeneficiaryRead, tags=["beneficiaries"])
def get_beneficiary(beneficiary_id: int, session: SessionDep, user: CurrentUser):
    return _with_statuses(session, [member_beneficiary(session, user, beneficiary_id)])[0]


@router.get("/beneficiaries/{beneficiary_id}/carnet", response_model=list[CarnetEntryRead], tags=["carnet"])
def get_carnet(beneficiary_id: int, session: SessionDep, user: CurrentUser):
    """The person's carnet; every read is written to the audit log."""
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    accounts_service.record_audit(
        session,
        user_id=user.user_id,
        action="carnet.read",
        organisation_id=beneficiary.organisation_id,
        beneficiary_id=beneficiary.id,
        ip=user.ip,
        now=utcnow(),
    )
    return carnet_service.list_entries(session, beneficiary_id=beneficiary_id)


@router.post("/invitations", response_model=InvitationRead, status_code=201, tags=["invitations"])
def create_invitation(body: InvitationCreate, session: SessionDep, user: CurrentUser):
    member_beneficiary(session, user, body.beneficiary_id)
    # The motif and place must be of the person's organisation (404 otherwise): checked by the service.
    return invitation_service.create_invitation(session, **body.model_dump(), now=utcnow())


@router.get("/invitations", response_model=list[InvitationRead], tags=["invitations"])
def list_invitations(session: SessionDep, user: CurrentUser, beneficiary_id: int | None = None):
    query = select(Invitation).where(Invitation.organisation_id.in_(user.organisation_ids))
    if beneficiary_id is not None:
        member_beneficiary(session, user, beneficiary_id)
        query = query.where(Invitation.beneficiary_id == beneficiary_id)
    return list(session.scalars(query.order_by(Invitation.id.desc())))  # newest first


@router.get("/appointments", response_model=list[AppointmentRead], tags=["appointments"])
def list_appointments(session: SessionDep, user: CurrentUser, beneficiary_id: int | None = None):
    query = (
        select(Appointment)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.organisation_id.in_(user.organisation_ids))
        .order_by(Slot.start)  # soonest first
    )
    if beneficiary_id is not None:
        member_beneficiary(session, user, beneficiary_id)
        query = query.where(Appointment.beneficiary_id == beneficiary_id)
    return list(session.scalars(query))


@router.patch("/appointments/{appointment_id}", response_model=AppointmentRead, tags=["appointments"])
def update_appointment_status(
    appointment_id: int, body: AppointmentStatusUpdate, session: SessionDep, user: CurrentUser
):
    _appointment(session, user, appointment_id)
    now = utcnow()
    appointment = appointment_service.set_status(
        session, appointment_id=appointment_id, status=body.status, now=now
    )
    if body.status == "revoked":
        invitation_service.reoffer_after_revocation(session, appointment=appointment, now=now)
    return appointment


@router.post("/appointments/{appointment_id}/reminders", status_code=202, tags=["appointments"])
def send_reminder_now(appointment_id: int, session: SessionDep, user: CurrentUser) -> dict[str, str]:
    appointment = _appointment(session, user, appointment_id)
    if appointment.status != "unknown":
        raise Conflict(f"appointment is {appointment.status}")
    scheduling_service.schedule_reminder_now(session, appointment=appointment, now=utcnow())
    return {"status": "scheduled"}


@router.get("/scheduled-messages", response_model=list[ScheduledMessageRead], tags=["messages"])
def list_scheduled_messages(session: SessionDep, user: CurrentUser, beneficiary_id: int):
    member_beneficiary(session, user, beneficiary_id)
    return scheduling_service.list_scheduled(session, beneficiary_id=beneficiary_id)


@router.get("/barriers", response_model=list[BarrierRead], tags=["carnet"])
def list_barriers(
    session: SessionDep,
    user: CurrentUser,
    organisation_id: int | None = None,
    theme: str | None = None,
):
    """Barriers heard (carnet entries): each person listed gets a line in the audit log."""
    rows = [
        row
        for organisation in user.listed_organisations(organisation_id)
        for row in barrier_service.list_barriers(session, organisation_id=organisation, theme=theme)
    ]
    rows.sort(key=lambda row: (row[0].created_at, row[0].id), reverse=True)
    now = utcnow()
    for beneficiary in {beneficiary.id: beneficiary for _entry, beneficiary in rows}.values():
        accounts_service.record_audit(
            session,
            user_id=user.user_id,
            action="barriers.read",
            organisation_id=beneficiary.organisation_id,
            beneficiary_id=beneficiary.id,
            ip=user.ip,
            now=now,
        )
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
def list_handoffs(
    session: SessionDep, user: CurrentUser, organisation_id: int | None = None, state: str | None = "open"
):
    """The queue of the caller's organisations; messages from unknown numbers go to the platform operator."""
    if organisation_id is None:
        scope = handoff_service.visible_to(user)
    else:
        user.require_member(organisation_id)
        scope = HandoffRequest.organisation_id == organisation_id
    query = select(HandoffRequest).where(scope).order_by(HandoffRequest.created_at, HandoffRequest.id)
    if state is not None:
        query = query.where(HandoffRequest.state == state)
    return list(session.scalars(query))


def _handoff(session: Session, user: Principal, handoff_id: int) -> HandoffRequest:
    entry = handoff_service.find_visible(session, user=user, request_id=handoff_id)
    if entry is None:
        raise NotFound("handoff")
    return entry


@router.post("/handoffs/{handoff_id}/take", response_model=HandoffRead, tags=["queue"])
def take_handoff(handoff_id: int, session: SessionDep, user: CurrentUser):
    """ "Je m'en occupe": first come, first served; 409 if someone took or closed it first."""
    entry = _handoff(session, user, handoff_id)
    if not handoff_service.take_request(session, request=entry, user_id=user.user_id, now=utcnow()):
        raise Conflict(f"this entry is already {entry.state}")
    return entry


@router.post("/handoffs/{handoff_id}/close", response_model=HandoffRead, tags=["queue"])
def close_handoff(handoff_id: int, session: SessionDep, user: CurrentUser):
    """The person needs nothing more from a human for now; 409 if it was already closed."""
    entry = _handoff(session, user, handoff_id)
    if not handoff_service.close_request(session, request=entry, user_id=user.user_id, now=utcnow()):
        raise Conflict("this entry is already closed")
    return entry


@router.get("/outbox", response_model=list[OutboxMessageRead], tags=["messages"])
def list_outbox(session: SessionDep, user: CurrentUser, beneficiary_id: int | None = None):
    """Messages to the caller's people; to unknown numbers, for the platform operator only."""
    query = select(OutboxMessage).outerjoin(Beneficiary, OutboxMessage.beneficiary_id == Beneficiary.id)
    if beneficiary_id is not None:
        member_beneficiary(session, user, beneficiary_id)
        query = query.where(OutboxMessage.beneficiary_id == beneficiary_id)
    else:
        scope = Beneficiary.organisation_id.in_(user.organisation_ids)
        if user.is_superadmin:
            scope = or_(scope, OutboxMessage.beneficiary_id.is_(None))
        query = query.where(scope)
    return list(session.scalars(query.order_by(OutboxMessage.id)))
