from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import service as agenda_service
from api.agenda.labels import options_text
from api.agenda.models import Motif, Place
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.config import get_settings
from api.errors import Conflict, NotFound
from api.invitations.models import Invitation
from api.messaging import outbox, texts
from api.organisations import service as organisation_service


def create_invitation(
    session: Session,
    *,
    beneficiary_id: int,
    motif_id: int,
    now: datetime,
    place_id: int | None = None,
) -> Invitation:
    """Invite a person: offer the first free slots in one message and record it."""
    settings = get_settings()
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
    slots = agenda_service.free_slots(
        session, motif_id=motif_id, place_id=place_id, now=now, limit=settings.invitation_slot_count
    )
    if not slots:
        raise Conflict("no free slot for this motif and place")

    for previous in pending_invitations(session, beneficiary_id=beneficiary_id):
        previous.status = "replaced"
    slot_ids = [slot.id for slot in slots]
    invitation = Invitation(
        organisation_id=beneficiary.organisation_id,
        beneficiary_id=beneficiary.id,
        motif_id=motif_id,
        place_id=place_id,
        offered_slot_ids=slot_ids,
        seen_slot_ids=slot_ids,
        created_at=now,
        expires_at=now + timedelta(days=settings.invitation_validity_days),
    )
    session.add(invitation)
    session.flush()

    organisation = organisation_service.get_organisation(session, organisation_id=beneficiary.organisation_id)
    tz = organisation_service.time_zone_of(organisation)
    body = invitation_text(
        beneficiary=beneficiary,
        organisation_name=organisation.name,
        motif_name=motif.name,
        place_name=place.name,
        options=options_text([slot.start for slot in slots], tz),
    )
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="invitation_created",
        author="system",
        data={"invitation_id": invitation.id, "slot_ids": slot_ids},
    )
    outbox.enqueue(session, beneficiary=beneficiary, body=body, kind="invitation")
    return invitation


def invitation_text(
    *, beneficiary: Beneficiary, organisation_name: str, motif_name: str, place_name: str, options: str
) -> str:
    return texts.INVITATION.format(
        first_name=beneficiary.first_name or "",
        organisation=organisation_name,
        motif=motif_name,
        place=place_name,
        options=options,
    ).replace("Bonjour ,", "Bonjour,")


def pending_invitations(session: Session, *, beneficiary_id: int) -> list[Invitation]:
    query = select(Invitation).where(
        Invitation.beneficiary_id == beneficiary_id, Invitation.status == "pending"
    )
    return list(session.scalars(query))


def current_invitation(session: Session, *, beneficiary_id: int, now: datetime) -> Invitation | None:
    """The person's pending, unexpired invitation, if any."""
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
