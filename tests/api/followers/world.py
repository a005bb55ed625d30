"""The world of the followers' tests (fixture in tests/api/followers/conftest.py; the handover's
tests in tests/api/privacy build it too).

Three organisations around one person: the département that holds the record, a France Travail
agency that may come to follow them, and an association that does not."""

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.organisations.models import Organisation
from tests.api import factories as f
from tests.api.accounts.factories import Account, make_account


@dataclass
class Structure:
    organisation: Organisation
    admin: Account
    agent: Account


@dataclass
class World:
    client: TestClient
    person: Beneficiary
    departement: Structure
    agency: Structure
    stranger: Structure
    words: CarnetEntry  # an inbound message: the person's own words
    barrier: CarnetEntry  # a barrier: the person's words too
    booking: CarnetEntry  # an appointment booked: no words of theirs
    note: CarnetEntry  # a professional's note: the département's own

    def get(self, account: Account, path: str, **kwargs):
        return self.client.get(path, headers=account.headers, **kwargs)

    def post(self, account: Account, path: str, **kwargs):
        return self.client.post(path, headers=account.headers, **kwargs)

    def put(self, account: Account, path: str, **kwargs):
        return self.client.put(path, headers=account.headers, **kwargs)

    def delete(self, account: Account, path: str):
        return self.client.delete(path, headers=account.headers)

    @property
    def base(self) -> str:
        return f"/api/beneficiaries/{self.person.id}"

    def follow(self, structure: Structure) -> None:
        """The département's agent lets this structure follow the person."""
        body = {"organisation_id": structure.organisation.id}
        self.post(self.departement.agent, f"{self.base}/followers", json=body).raise_for_status()


def _structure(session: Session, name: str) -> Structure:
    organisation = f.organisation(session, name=name)
    return Structure(
        organisation,
        make_account(session, {organisation.id: "admin"}),
        make_account(session, {organisation.id: "agent"}),
    )


def build_world(session: Session, client: TestClient) -> World:
    departement = _structure(session, "Département de la Drôme")
    agency = _structure(session, "France Travail Valence")
    stranger = _structure(session, "Association du Nord")
    person = f.beneficiary(session, departement.organisation)

    def entry(kind: str, author: str, body: str) -> CarnetEntry:
        return carnet_service.add_entry(
            session, beneficiary_id=person.id, kind=kind, author=author, body=body
        )

    words = entry("inbound_message", "beneficiary", "je n'ai plus de voiture depuis mars")
    barrier = entry("barrier", "beneficiary", "pas de voiture")
    booking = entry("appointment_booked", "assistant", "Rendez-vous le 12/01 à 10h")
    note = entry("note", "professional", "à rappeler après son rendez-vous médical")
    return World(client, person, departement, agency, stranger, words, barrier, booking, note)
