"""Loads demo data: one département, two places, a motif, weekly plages d'ouverture and their slots.

Idempotent: does nothing if the demo organisation exists. Run: python -m api.demo
"""

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.demo import load_demo_accounts
from api.agenda import openings
from api.agenda import service as agenda_service
from api.beneficiaries import service as beneficiary_service
from api.db import session_scope, utcnow
from api.invitations import service as invitation_service
from api.offers.importer import load_demo_offers
from api.organisations import service as organisation_service
from api.organisations.models import Organisation

DEMO_ORGANISATION = "Département de la Drôme"
DEMO_PHONE = "+33612345678"
# (weekday, place, hours): mornings in Valence, some afternoons in Romans; 45-minute appointments.
PLAGES = (
    (0, "valence", (time(9, 0), time(12, 0))),
    (1, "valence", (time(9, 0), time(12, 0))),
    (1, "romans", (time(14, 0), time(16, 15))),
    (2, "valence", (time(9, 0), time(12, 0))),
    (3, "romans", (time(14, 0), time(16, 15))),
    (4, "valence", (time(9, 0), time(12, 0))),
)


def load_demo(session: Session, *, now: datetime) -> bool:
    """Create the demo data; False if it was already there."""
    if session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION)):
        return False
    organisation = organisation_service.create_organisation(
        session,
        name=DEMO_ORGANISATION,
        departement_code="26",
        time_zone="Europe/Paris",
        contact_phone="04 75 79 26 26",
        contact_hours="du lundi au vendredi, 9h-12h et 14h-17h",
    )
    tz = organisation.zone
    valence = agenda_service.create_place(
        session,
        organisation_id=organisation.id,
        name="Maison de l'insertion de Valence",
        address="8 rue Jean Bouin, 26000 Valence",
    )
    romans = agenda_service.create_place(
        session,
        organisation_id=organisation.id,
        name="Espace emploi de Romans",
        address="12 place Jean Jaurès, 26100 Romans-sur-Isère",
    )
    motif = agenda_service.create_motif(
        session, organisation_id=organisation.id, name="Orientation RSA", duration_minutes=45
    )
    # Plages d'ouverture, Monday to Friday: slots are generated from them (api/agenda/openings.py).
    today = now.astimezone(tz).date()
    for weekday, place, hours in PLAGES:
        openings.create_opening_period(
            session,
            place_id=(valence if place == "valence" else romans).id,
            motif_id=motif.id,
            weekday=weekday,
            start_time=hours[0],
            end_time=hours[1],
            valid_from=today,
            now=now,
        )
    marie = beneficiary_service.create_beneficiary(
        session,
        organisation_id=organisation.id,
        phone=DEMO_PHONE,
        first_name="Marie",
        last_name="Martin",
        code_insee="26362",  # Valence
    )
    invitation_service.create_invitation(session, beneficiary_id=marie.id, motif_id=motif.id, now=now)
    load_demo_offers(session)
    return True


def main() -> None:
    with session_scope() as session:
        now = utcnow()
        created = load_demo(session, now=now)
        organisation = session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
        assert organisation is not None
        lines = load_demo_accounts(session, organisation_id=organisation.id, now=now)
        session.commit()
    print("demo data loaded" if created else "demo data already present")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
