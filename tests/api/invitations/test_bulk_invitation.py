"""POST /api/invitations/bulk: each person invited (the SMS in the outbox) or skipped with a reason;
one id that is not the caller's refuses the whole request, as a missing one."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.agenda.models import Motif, Place
from api.appointments import service as appointment_service
from api.beneficiaries.models import Beneficiary
from api.db import utcnow
from api.invitations import service as invitation_service
from api.invitations.models import Invitation
from api.messaging.models import OutboxMessage
from api.organisations.models import Organisation
from tests.api import factories as f
from tests.api.accounts.factories import Account, make_account
from tests.api.world import PARIS

MISSING = 987_654_321


@dataclass
class Agency:
    organisation: Organisation
    place: Place
    motif: Motif
    agent: Account


def agency(session: Session, name: str) -> Agency:
    organisation = f.organisation(session, name=name)
    place = f.place(session, organisation)
    motif = f.motif(session, organisation)
    f.slots(session, place, motif, f.weekday_starts(utcnow(), PARIS, 4))
    return Agency(organisation, place, motif, make_account(session, {organisation.id: "agent"}))


@pytest.fixture
def a(session: Session) -> Agency:
    return agency(session, "Département A")


def invite(client: TestClient, who: Account, ids: list[int], motif_id: int, place_id: int | None = None):
    body = {"beneficiary_ids": ids, "motif_id": motif_id}
    if place_id is not None:
        body["place_id"] = place_id
    return client.post("/api/invitations/bulk", headers=who.headers, json=body)


def outbox(session: Session, person: Beneficiary) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(
        OutboxMessage.beneficiary_id == person.id, OutboxMessage.kind == "invitation"
    )
    return list(session.scalars(query))


def invitations(session: Session, person: Beneficiary) -> int:
    query = select(func.count()).select_from(Invitation).where(Invitation.beneficiary_id == person.id)
    return session.scalar(query) or 0


def test_each_person_is_invited_or_told_why_not(client: TestClient, session: Session, a: Agency) -> None:
    lea, paul = (
        f.beneficiary(session, a.organisation, first_name="Léa"),
        f.beneficiary(session, a.organisation),
    )
    stop = f.beneficiary(session, a.organisation)
    stop.opted_out = True
    landline = f.beneficiary(session, a.organisation)
    landline.phone_problem = "landline"
    whatsapp = f.beneficiary(session, a.organisation, channel="whatsapp")
    whatsapp.phone_problem = "landline"  # the SMS problem does not stop WhatsApp
    pending = f.beneficiary(session, a.organisation)
    invitation_service.create_invitation(
        session, beneficiary_id=pending.id, motif_id=a.motif.id, now=utcnow()
    )
    booked = f.beneficiary(session, a.organisation)
    first = invitation_service.create_invitation(
        session, beneficiary_id=booked.id, motif_id=a.motif.id, now=utcnow()
    )
    slot_id = first.offered_slot_ids[0]
    assert appointment_service.book(
        session, beneficiary=booked, slot_id=slot_id, now=utcnow(), invitation_id=first.id
    )
    first.status = "booked"  # as the conversation does when the person picks a slot
    session.flush()
    ids = [lea.id, stop.id, landline.id, whatsapp.id, pending.id, booked.id, paul.id, lea.id]

    response = invite(client, a.agent, ids, a.motif.id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["invited"], body["skipped"]) == (3, 4)
    results = [(r["beneficiary_id"], r["result"], r["reason"]) for r in body["results"]]
    assert results == [
        (lea.id, "invited", None),
        (stop.id, "skipped", "opted_out"),
        (landline.id, "skipped", "phone_problem"),
        (whatsapp.id, "invited", None),
        (pending.id, "skipped", "pending_invitation"),
        (booked.id, "skipped", "upcoming_appointment"),
        (paul.id, "invited", None),
    ]  # in the order given, Léa once
    [sms] = outbox(session, lea)
    assert sms.body.startswith("Bonjour Léa, Département A vous invite au RDV Orientation RSA")
    assert body["results"][0]["invitation_id"] == session.scalar(
        select(Invitation.id).where(Invitation.beneficiary_id == lea.id)
    )
    assert len(outbox(session, paul)) == 1 and len(outbox(session, whatsapp)) == 1
    for skipped in (stop, landline):
        assert outbox(session, skipped) == [] and invitations(session, skipped) == 0
    assert len(outbox(session, pending)) == 1 and invitations(session, pending) == 1  # nothing more
    # Twice the same selection: everybody now has a pending invitation; nobody gets a second SMS.
    again = invite(client, a.agent, [lea.id, paul.id], a.motif.id).json()
    assert again["invited"] == 0 and {r["reason"] for r in again["results"]} == {"pending_invitation"}
    assert len(outbox(session, lea)) == 1


def test_one_foreign_or_missing_id_refuses_the_whole_request(
    client: TestClient, session: Session, a: Agency
) -> None:
    b = agency(session, "Département B")
    mine = f.beneficiary(session, a.organisation)
    theirs = f.beneficiary(session, b.organisation)
    foreign = invite(client, a.agent, [mine.id, theirs.id], a.motif.id)
    missing = invite(client, a.agent, [mine.id, MISSING], a.motif.id)
    assert foreign.status_code == 404
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
    assert foreign.json() == {"detail": "beneficiary not found"}
    for person in (mine, theirs):
        assert invitations(session, person) == 0 and outbox(session, person) == []


def test_the_motif_and_place_must_be_the_callers_and_agree(
    client: TestClient, session: Session, a: Agency
) -> None:
    b = agency(session, "Département B")
    c = agency(session, "Département C")
    both = make_account(session, {a.organisation.id: "agent", c.organisation.id: "admin"})
    mine = f.beneficiary(session, a.organisation)
    assert invite(client, both, [mine.id], b.motif.id).json() == {"detail": "motif not found"}
    assert invite(client, both, [mine.id], a.motif.id, b.place.id).json() == {"detail": "place not found"}
    # Both organisations are the caller's, but the place is not where the motif is.
    wrong_place = invite(client, both, [mine.id], a.motif.id, c.place.id)
    assert (wrong_place.status_code, wrong_place.json()) == (404, {"detail": "place not found"})
    assert invitations(session, mine) == 0


def test_a_person_of_another_of_my_organisations_is_skipped(
    client: TestClient, session: Session, a: Agency
) -> None:
    c = agency(session, "Département C")
    both = make_account(session, {a.organisation.id: "agent", c.organisation.id: "agent"})
    mine, other = f.beneficiary(session, a.organisation), f.beneficiary(session, c.organisation)
    body = invite(client, both, [mine.id, other.id], a.motif.id, a.place.id).json()
    assert [(r["result"], r["reason"]) for r in body["results"]] == [
        ("invited", None),
        ("skipped", "other_organisation"),
    ]
    assert session.get(Invitation, body["results"][0]["invitation_id"]).place_id == a.place.id


def test_no_free_slot_is_said_for_each_person(client: TestClient, session: Session, a: Agency) -> None:
    empty = f.motif(session, a.organisation, name="Atelier CV")
    people = [f.beneficiary(session, a.organisation) for _ in range(2)]
    body = invite(client, a.agent, [p.id for p in people], empty.id).json()
    assert body["invited"] == 0
    assert [r["reason"] for r in body["results"]] == ["no_free_slot", "no_free_slot"]
    assert all(invitations(session, p) == 0 for p in people)


def test_the_slots_left_are_offered_to_everyone(client: TestClient, session: Session, a: Agency) -> None:
    people = [f.beneficiary(session, a.organisation) for _ in range(6)]  # more people than the 4 slots
    body = invite(client, a.agent, [p.id for p in people], a.motif.id).json()
    assert body["invited"] == 6  # the first to answer books; the others get fresh slots then
    offered = {tuple(session.get(Invitation, r["invitation_id"]).offered_slot_ids) for r in body["results"]}
    assert len(offered) == 1 and len(next(iter(offered))) == 4


def test_the_request_needs_a_token_and_a_sensible_body(
    client: TestClient, session: Session, a: Agency
) -> None:
    person = f.beneficiary(session, a.organisation)
    no_token = client.post(
        "/api/invitations/bulk", json={"beneficiary_ids": [person.id], "motif_id": a.motif.id}
    )
    assert no_token.status_code == 401
    assert invite(client, a.agent, [], a.motif.id).status_code == 422
    assert invite(client, a.agent, list(range(1, 502)), a.motif.id).status_code == 422
    assert invitations(session, person) == 0


def test_expired_invitations_do_not_block_a_new_one(client: TestClient, session: Session, a: Agency) -> None:
    person = f.beneficiary(session, a.organisation)
    old = invitation_service.create_invitation(
        session, beneficiary_id=person.id, motif_id=a.motif.id, now=utcnow() - timedelta(days=11)
    )
    assert old.expires_at < utcnow()
    body = invite(client, a.agent, [person.id], a.motif.id).json()
    assert body["invited"] == 1
