"""The world of the orientation tests: the followers' world (a département holding Marie's record,
a France Travail agency, an association that does not follow her) and a catalogue in the Drôme with
- a service of the "Garage solidaire" organisation (its own offer: its members answer in the console),
- a service of a data·inclusion structure with no account here (it answers by e-mail),
- a service with neither account nor e-mail (no request can reach it),
- a service of the same theme in the Ardèche (does not cover Marie's commune)."""

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.offers import importer
from api.offers.models import Service
from tests.api.followers.world import Structure, World, _structure, build_world
from tests.api.offers.rows import service_row, structure_row

VALENCE = "26362"
THEME = "mobilite--acceder-a-un-vehicule"
MAILBOX = "accueil@mobilite-drome.example"


@dataclass
class OrientationWorld:
    base: World
    garage: Structure  # an organisation with accounts whose own offer is in the catalogue
    garage_service: Service
    mail_service: Service  # a structure without an account: by e-mail
    unreachable_service: Service
    far_service: Service

    @property
    def client(self) -> TestClient:
        return self.base.client

    @property
    def person_path(self) -> str:
        return self.base.base


def build_orientation_world(session: Session, client: TestClient) -> OrientationWorld:
    base = build_world(session, client)
    base.person.code_insee = VALENCE
    base.person.last_name = "Durand"
    garage = _structure(session, "Garage solidaire de Valence")
    own = f"organisation-{garage.organisation.id}"
    structures = [
        structure_row("garage", source=own, id=f"{own}--garage", nom="Garage solidaire de Valence"),
        structure_row("mobilite", nom="Plateforme mobilité Drôme", courriel=MAILBOX),
        structure_row("muette", nom="Association muette", telephone=None),
        structure_row("ardeche", nom="Mobilité Ardèche", code_insee="07186", commune="Privas"),
    ]
    services = [
        service_row(
            "garage",
            "garage",
            source=own,
            id=f"{own}--location",
            structure_id=f"{own}--garage",
            nom="Location de voiture à 1 euro",
            thematiques=[THEME],
            mobilisable_par=["professionnels"],
            telephone="0475123456",
        ),
        service_row("mobilite", "mobilite", nom="Prêt de scooter", thematiques=[THEME]),
        service_row("muette", "muette", nom="Voiture partagée", thematiques=[THEME]),
        service_row(
            "ardeche", "ardeche", nom="Prêt de voiture Ardèche", thematiques=[THEME], zone_eligibilite=["07"]
        ),
    ]
    report = importer.import_offers(session, structures=structures, services=services)
    assert report.rejected == [], report.rejected

    def named(name: str) -> Service:
        return session.scalars(select(Service).where(Service.nom == name)).one()

    session.flush()
    return OrientationWorld(
        base,
        garage,
        named("Location de voiture à 1 euro"),
        named("Prêt de scooter"),
        named("Voiture partagée"),
        named("Prêt de voiture Ardèche"),
    )
