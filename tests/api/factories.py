"""Builds realistic agenda data through the services."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from api.agenda import service as agenda_service
from api.agenda.models import Motif, Place, Slot
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.organisations import service as organisation_service
from api.organisations.models import Organisation

# The longest realistic names we expect (for SMS length checks).
LONG_ORGANISATION = "Conseil départemental de la Seine-Saint-Denis"
LONG_PLACE = "Maison départementale de l'insertion"
LONG_ADDRESS = "128 avenue du Général Leclerc, 93500 Pantin"
LONG_MOTIF = "Orientation RSA et premier accueil"

_phone_counter = iter(range(10_000_000, 99_999_999, 7919))


def next_mobile() -> str:
    return f"+336{next(_phone_counter):08d}"


def organisation(
    session: Session, *, tz: str = "Europe/Paris", name: str = "Département de la Drôme"
) -> Organisation:
    return organisation_service.create_organisation(session, name=name, departement_code="26", time_zone=tz)


def place(
    session: Session,
    org: Organisation,
    *,
    name: str = "Maison de l'insertion",
    address: str = "8 rue Jean Bouin, 26000 Valence",
) -> Place:
    return agenda_service.create_place(session, organisation_id=org.id, name=name, address=address)


def motif(session: Session, org: Organisation, *, name: str = "Orientation RSA") -> Motif:
    return agenda_service.create_motif(session, organisation_id=org.id, name=name, duration_minutes=45)


def slots(
    session: Session, place_: Place, motif_: Motif, starts: list[datetime], capacity: int = 1
) -> list[Slot]:
    return [
        agenda_service.create_slot(
            session, place_id=place_.id, motif_id=motif_.id, start=start, capacity=capacity
        )
        for start in starts
    ]


def weekday_starts(
    now: datetime, tz: ZoneInfo, count: int, hours: tuple[int, ...] = (9, 14)
) -> list[datetime]:
    starts: list[datetime] = []
    day = now.astimezone(tz).date() + timedelta(days=2)
    while len(starts) < count:
        if day.weekday() < 5:
            starts += [datetime(day.year, day.month, day.day, h, tzinfo=tz) for h in hours]
        day += timedelta(days=1)
    return starts[:count]


def beneficiary(
    session: Session, org: Organisation, *, first_name: str = "Marie", channel: str = "sms"
) -> Beneficiary:
    return beneficiary_service.create_beneficiary(
        session, organisation_id=org.id, phone=next_mobile(), first_name=first_name, preferred_channel=channel
    )
