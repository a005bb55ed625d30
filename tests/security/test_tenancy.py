"""Issue 10, point 8: tenancy. Offers are written by their owner only, a number known in another
organisation reveals nothing, an inbound SMS from such a number goes to one record by a fixed
rule, and STOP holds for every organisation."""

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.carnet.models import CarnetEntry
from api.config import get_settings
from api.inbound import triage
from api.messaging import outbox, texts
from api.messaging.inbound import record_inbound
from api.messaging.models import OutboxMessage
from api.messaging.segments import to_gsm7
from api.offers.models import Service, Structure
from tests.api import factories as f
from tests.api.offers.rows import service_row, structure_row

# --------------------------------------------------------------------------- offers


def catalogue(source: str) -> dict:
    structure = structure_row("s", source=source, id=f"{source}--s")
    service = service_row("v", "s", source=source, id=f"{source}--v", structure_id=f"{source}--s")
    return {"structures": [structure], "services": [service]}


def offers_of(session: Session, source: str) -> int:
    return session.scalar(select(func.count()).select_from(Service).where(Service.source == source)) or 0


def test_the_shared_catalogue_is_the_operators_and_an_admin_writes_only_its_own_source(
    client: TestClient, session: Session, account
) -> None:
    mine, theirs = f.organisation(session), f.organisation(session, name="Métropole de Lyon")
    admin, agent = account({mine.id: "admin"}), account({mine.id: "agent"})
    operator = account(superadmin=True)
    own, other = f"organisation-{mine.id}", f"organisation-{theirs.id}"

    done = client.post("/api/offers/import", json=catalogue(own), headers=admin.headers)
    assert (done.status_code, done.json()["services_created"]) == (200, 1)
    for source in (other, "dora", "organisation-x"):
        refused = client.post("/api/offers/import", json=catalogue(source), headers=admin.headers)
        assert refused.status_code == 403, source
        assert offers_of(session, source) == 0
    # One foreign row in the file: the whole file is refused, its own rows too.
    mixed = catalogue(own)
    mixed["services"].append(catalogue("dora")["services"][0])
    mixed["services"][0]["nom"] = "Changed"
    assert client.post("/api/offers/import", json=mixed, headers=admin.headers).status_code == 403
    assert session.scalar(select(Service.nom).where(Service.source == own)) == "Service v"
    assert client.post("/api/offers/import", json=catalogue(own), headers=agent.headers).status_code == 403

    shared = client.post("/api/offers/import", json=catalogue("dora"), headers=operator.headers)
    assert (shared.status_code, shared.json()["services_created"]) == (200, 1)
    # Being operator is no membership: an organisation's own offers stay its admins'.
    assert client.post("/api/offers/import", json=catalogue(own), headers=operator.headers).status_code == 403
    assert session.scalar(select(func.count()).select_from(Structure).where(Structure.source == other)) == 0


# --------------------------------------------------------------------------- a number in two organisations


def test_a_number_known_in_another_organisation_is_created_and_reveals_nothing(
    client: TestClient, session: Session, account
) -> None:
    lyon, drome = f.organisation(session, name="Métropole de Lyon"), f.organisation(session)
    theirs = f.beneficiary(session, lyon, first_name="Sam")
    agent = account({drome.id: "agent"})
    fresh = f.next_mobile()

    answers = [
        client.post(
            "/api/beneficiaries",
            json={"organisation_id": drome.id, "phone": phone, "first_name": "Lea"},
            headers=agent.headers,
        )
        for phone in (theirs.phone, fresh)
    ]
    # Known elsewhere or new: the same answer, only the ids and the number differ.
    assert [answer.status_code for answer in answers] == [201, 201]
    known, new = (answer.json() for answer in answers)
    assert known.keys() == new.keys()
    for field in ("id", "phone", "created_at"):
        known.pop(field), new.pop(field)
    assert known == new
    assert "Lyon" not in answers[0].text and "Sam" not in answers[0].text
    # In the same organisation the duplicate is still a 409.
    again = client.post(
        "/api/beneficiaries", json={"organisation_id": drome.id, "phone": fresh}, headers=agent.headers
    )
    assert again.status_code == 409
    session.refresh(theirs)
    assert (theirs.organisation_id, theirs.first_name) == (lyon.id, "Sam")


def receive(session: Session, phone: str, body: str):
    inbound, _ = record_inbound(
        session,
        message_sid="SM" + uuid.uuid4().hex,
        channel="sms",
        from_phone=phone,
        to_address="38123",
        body=body,
        num_media=0,
    )
    session.flush()
    triage.triage(session, inbound=inbound, settings=get_settings())
    session.flush()
    return inbound


def two_records(session: Session) -> tuple[Beneficiary, Beneficiary]:
    drome, lyon = f.organisation(session), f.organisation(session, name="Métropole de Lyon")
    older = f.beneficiary(session, drome, first_name="Marie")
    newer = beneficiary_service.create_beneficiary(
        session, organisation_id=lyon.id, phone=older.phone, first_name="Marie"
    )
    return older, newer


def carnet_messages(session: Session, person: Beneficiary) -> list[str]:
    query = select(CarnetEntry.body).where(
        CarnetEntry.beneficiary_id == person.id, CarnetEntry.kind == "inbound_message"
    )
    return list(session.scalars(query.order_by(CarnetEntry.id)))


def test_an_inbound_sms_goes_to_the_record_we_wrote_to_last_else_the_last_writer_else_the_oldest(
    session: Session,
) -> None:
    older, newer = two_records(session)
    # Nobody wrote to the number, it never wrote: the oldest record.
    first = receive(session, older.phone, "bonjour")
    assert first.beneficiary_id == older.id
    # The newer record's organisation invites the person: the answer is theirs.
    outbox.enqueue(session, beneficiary=newer, body="Invitation", kind="invitation")
    assert receive(session, older.phone, "le 2").beneficiary_id == newer.id
    assert carnet_messages(session, older) == ["bonjour"] and carnet_messages(session, newer) == ["le 2"]
    # The older one writes later: theirs again.
    outbox.enqueue(session, beneficiary=older, body="Rappel", kind="reminder")
    assert receive(session, older.phone, "oui").beneficiary_id == older.id
    # Nothing of ours reached the number (cancelled, failed): the last writer gets it.
    for message in session.scalars(select(OutboxMessage).where(OutboxMessage.to_phone == older.phone)):
        message.state = "cancelled"
    session.flush()
    last = receive(session, older.phone, "STOP")
    assert last.beneficiary_id == older.id  # older wrote last ("oui")
    # Replies come from the routed record's organisation only.
    replies = session.scalars(select(OutboxMessage).where(OutboxMessage.in_reply_to_id == last.id))
    assert {reply.beneficiary_id for reply in replies} == {older.id}


def test_stop_to_one_organisation_silences_the_number_for_every_organisation(session: Session) -> None:
    older, newer = two_records(session)
    outbox.enqueue(session, beneficiary=newer, body="Invitation", kind="invitation")
    stop = receive(session, older.phone, "STOP")
    assert stop.beneficiary_id == newer.id
    session.refresh(older), session.refresh(newer)
    assert older.opted_out and newer.opted_out
    # A third organisation registering the number later gets it silenced too.
    third = f.organisation(session, name="Département de l'Ain")
    later = beneficiary_service.create_beneficiary(session, organisation_id=third.id, phone=older.phone)
    assert later.opted_out
    # The other record's messages are not answered either (opted out), and START lifts it for all.
    ignored = receive(session, older.phone, "bonjour")
    assert ignored.outcome == "ignored_opted_out"
    receive(session, older.phone, "START")
    for person in (older, newer, later):
        session.refresh(person)
        assert not person.opted_out


def test_an_unknown_number_still_learns_nothing(session: Session) -> None:
    older, _newer = two_records(session)
    stranger = f.next_mobile()
    inbound = receive(session, stranger, "bonjour")
    assert inbound.beneficiary_id is None
    answer = session.scalar(select(OutboxMessage).where(OutboxMessage.to_phone == stranger))
    assert answer is not None and answer.body == to_gsm7(texts.UNKNOWN_NUMBER)
    assert answer.beneficiary_id is None and older.phone != stranger
