"""Two organisations with one of each resource, built through the services."""

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from api.agenda.models import Motif, Place, Slot
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.db import utcnow
from api.handoffs import service as handoff_service
from api.invitations import service as invitation_service
from api.invitations.models import Invitation
from api.organisations.models import Organisation
from tests.api import factories as f
from tests.api.accounts.factories import Account, make_account

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Org:
    organisation: Organisation
    place: Place
    motif: Motif
    slots: list[Slot]
    person: Beneficiary
    invitation: Invitation
    appointment: Appointment
    admin: Account
    agent: Account


def build_org(session: Session, name: str) -> Org:
    """An organisation whose person was invited, booked, told of a barrier and queued for a human."""
    now = utcnow()
    organisation = f.organisation(session, name=name)
    place = f.place(session, organisation)
    motif = f.motif(session, organisation)
    slots = f.slots(session, place, motif, f.weekday_starts(now + timedelta(days=1), PARIS, 6))
    person = f.beneficiary(session, organisation)
    invitation = invitation_service.create_invitation(
        session, beneficiary_id=person.id, motif_id=motif.id, place_id=place.id, now=now
    )
    appointment = appointment_service.book(
        session, beneficiary=person, slot_id=slots[0].id, now=now, invitation_id=invitation.id
    )
    assert appointment is not None
    carnet_service.add_entry(
        session,
        beneficiary_id=person.id,
        kind="barrier",
        author="beneficiary",
        body="pas de voiture",
        data={"group": "mobilite", "themes": ["mobilite--acceder-a-un-vehicule"], "source": "conversation"},
    )
    handoff_service.open_request(session, reason="asked_human", text="je veux parler", beneficiary=person)
    admin = make_account(session, {organisation.id: "admin"})
    agent = make_account(session, {organisation.id: "agent"})
    return Org(organisation, place, motif, slots, person, invitation, appointment, admin, agent)
