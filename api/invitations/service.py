from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import service as agenda_service
from api.agenda.labels import options_text
from api.agenda.models import Motif, Place, Slot
from api.agenda.slot_choice import format_slot_label
from api.appointments.models import Appointment
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.config import get_settings
from api.errors import Conflict, NotFound
from api.handoffs import service as handoff_service
from api.invitations.models import Invitation
from api.messaging import outbox, texts
from api.organisations import service as organisation_service
from api.organisations.models import Organisation
from api.scheduling import service as scheduling_service
from api.scheduling.policy import next_sending_time


def create_invitation(
    session: Session,
    *,
    beneficiary_id: int,
    motif_id: int,
    now: datetime,
    place_id: int | None = None,
) -> Invitation:
    """Invite a person: offer the first free slots in one message and record it."""
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    if beneficiary.opted_out:
        raise Conflict("this person answered STOP: no message can be sent")
    motif = session.get(Motif, motif_id)
    if motif is None or motif.organisation_id != beneficiary.organisation_id:
        raise NotFound("motif")
    if place_id is None:
        # The place of the soonest free slot; the offer then stays in that place.
        soonest = agenda_service.free_slots(session, motif_id=motif_id, place_id=None, now=now, limit=1)
        if not soonest:
            raise Conflict("no free slot for this motif")
        place_id = soonest[0].place_id
    place = session.get(Place, place_id)
    if place is None or place.organisation_id != beneficiary.organisation_id:
        raise NotFound("place")
    slots = offerable_slots(session, motif_id=motif_id, place_id=place_id, now=now)
    if not slots:
        raise Conflict("no free slot for this motif and place")

    organisation = organisation_service.get_organisation(session, organisation_id=beneficiary.organisation_id)
    invitation = _open(session, beneficiary, organisation, motif_id, place_id, slots, now)
    body = texts.INVITATION.format(
        first_name=beneficiary.first_name or "",
        organisation=organisation.name,
        motif=motif.name,
        place=place.name,
        options=_options(slots, organisation),
    ).replace("Bonjour ,", "Bonjour,")
    outbox.enqueue(
        session,
        beneficiary=beneficiary,
        body=body,
        kind="invitation",
        not_before=next_sending_time(organisation, now),
        send_before=invitation.expires_at,
        invitation_id=invitation.id,
    )
    return invitation


def reoffer_after_revocation(session: Session, *, appointment: Appointment, now: datetime) -> None:
    """The service cancelled: tell the person and offer new slots at once."""
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=appointment.beneficiary_id)
    organisation = organisation_service.get_organisation(session, organisation_id=beneficiary.organisation_id)
    date_label, time_label = format_slot_label(appointment.slot.start, organisation.zone)
    if beneficiary.opted_out:
        return
    slot: Slot = appointment.slot
    slots = offerable_slots(
        session, motif_id=slot.motif_id, place_id=slot.place_id, now=now, exclude=[slot.id]
    )
    send_at = next_sending_time(organisation, now)
    if not slots:
        body = texts.REVOKED_NO_SLOT.format(date_label=date_label, time_label=time_label)
        handoff_service.open_request(
            session,
            reason="no_slot_left",
            text="RDV annulé par le service, aucun créneau",
            beneficiary=beneficiary,
        )
    else:
        _open(session, beneficiary, organisation, slot.motif_id, slot.place_id, slots, now)
        body = texts.REVOKED.format(
            date_label=date_label, time_label=time_label, options=_options(slots, organisation)
        )
    outbox.enqueue(session, beneficiary=beneficiary, body=body, kind="revocation", not_before=send_at)


def open_move_offer(session: Session, *, appointment: Appointment, now: datetime) -> list[Slot]:
    """Offer other slots to move an appointment; the next slot choice moves it."""
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=appointment.beneficiary_id)
    organisation = organisation_service.get_organisation(session, organisation_id=beneficiary.organisation_id)
    slot: Slot = appointment.slot
    slots = offerable_slots(
        session, motif_id=slot.motif_id, place_id=slot.place_id, now=now, exclude=[slot.id]
    )
    if slots:
        _open(session, beneficiary, organisation, slot.motif_id, slot.place_id, slots, now, move=appointment)
    return slots


def offerable_slots(
    session: Session, *, motif_id: int, place_id: int, now: datetime, exclude: Sequence[int] = ()
) -> list[Slot]:
    """The next free slots to put in a numbered list (as many as an offer holds)."""
    return agenda_service.free_slots(
        session,
        motif_id=motif_id,
        place_id=place_id,
        now=now,
        limit=get_settings().invitation_slot_count,
        exclude_ids=exclude,
    )


def reoffer(session: Session, *, invitation: Invitation, slots: Sequence[Slot]) -> None:
    """Make `slots` the person's current numbered list (option 1 first)."""
    invitation.offered_slot_ids = [slot.id for slot in slots]
    invitation.seen_slot_ids = list(dict.fromkeys([*invitation.seen_slot_ids, *invitation.offered_slot_ids]))
    session.flush()


def _options(slots: list[Slot], organisation: Organisation) -> str:
    return options_text([slot.start for slot in slots], organisation.zone)


def _open(
    session: Session,
    beneficiary: Beneficiary,
    organisation: Organisation,
    motif_id: int,
    place_id: int,
    slots: list[Slot],
    now: datetime,
    move: Appointment | None = None,
) -> Invitation:
    """Record a new numbered offer; it replaces any earlier pending one."""
    for previous in pending_invitations(session, beneficiary_id=beneficiary.id):
        previous.status = "replaced"
    slot_ids = [slot.id for slot in slots]
    invitation = Invitation(
        organisation_id=beneficiary.organisation_id,
        beneficiary_id=beneficiary.id,
        motif_id=motif_id,
        place_id=place_id,
        kind="move" if move else "invitation",
        appointment_id=move.id if move else None,
        offered_slot_ids=slot_ids,
        seen_slot_ids=slot_ids,
        created_at=now,
        expires_at=now + timedelta(days=organisation.invitation_validity_days),
    )
    session.add(invitation)
    session.flush()
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="move_offered" if move else "invitation_created",
        author="assistant" if move else "system",
        data={"invitation_id": invitation.id, "slot_ids": slot_ids},
    )
    scheduling_service.schedule_for_invitation(session, invitation=invitation, organisation=organisation)
    return invitation


def pending_invitations(session: Session, *, beneficiary_id: int) -> list[Invitation]:
    query = select(Invitation).where(
        Invitation.beneficiary_id == beneficiary_id, Invitation.status == "pending"
    )
    return list(session.scalars(query))


def current_invitation(session: Session, *, beneficiary_id: int, now: datetime) -> Invitation | None:
    """The person's pending, unexpired offer (to book, or to move), if any."""
    query = (
        select(Invitation)
        .where(Invitation.beneficiary_id == beneficiary_id)
        .where(Invitation.status == "pending")
        .where(Invitation.expires_at > now)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def list_invitations(session: Session, *, beneficiary_id: int | None = None) -> list[Invitation]:
    """Invitations, newest first."""
    query = select(Invitation).order_by(Invitation.id.desc())
    if beneficiary_id is not None:
        query = query.where(Invitation.beneficiary_id == beneficiary_id)
    return list(session.scalars(query))
