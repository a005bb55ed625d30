"""Right of access: the export holds everything the database holds about the person, and only that."""

import json
import stat
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.beneficiaries.models import Beneficiary
from api.db import session_scope, utcnow
from api.followers import service as followers_service
from api.privacy import cli
from api.privacy.erasure import footprint
from api.privacy.export import export_person
from tests.api import factories as f
from tests.api.privacy.privacy_world import (
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    WORD,
    Everything,
    build_everything,
    leftovers,
)
from tests.api.world import Org, build_org


@pytest.fixture
def org(session: Session) -> Org:
    return build_org(session, "Département de la Drôme")


@pytest.fixture
def everything(session: Session, org: Org) -> Everything:
    return build_everything(session, org)


def test_the_export_holds_every_row_the_erasure_would_delete(
    session: Session, everything: Everything
) -> None:
    data = export_person(session, everything.person)
    json.dumps(data)  # serialisable as it is
    counts = footprint(session, beneficiary=everything.person, now=utcnow()).counts()
    assert len(data["invitations"]) == counts["invitations"] == 1
    assert len(data["appointments"]) == counts["appointments"] == 1
    assert len(data["carnet"]) == counts["carnet_entries"]
    assert len(data["messages_received"]) == counts["inbound_messages"] == 4
    assert len(data["messages_sent"]) == counts["outbox_messages"]
    statuses = [event for message in data["messages_sent"] for event in message["delivery_statuses"]]
    assert len(statuses) == counts["delivery_status_events"]
    assert len(data["scheduled_messages"]) == counts["scheduled_messages"]
    assert len(data["queue_entries"]) == counts["handoff_requests"] == 2
    assert len(data["accesses"]) == counts["audit_log_detached"] == 2


def test_the_export_reads_plainly(session: Session, everything: Everything) -> None:
    data = export_person(session, everything.person)
    assert data["export"]["controller"] == "Département de la Drôme"
    assert "24 mois" in data["export"]["retention"]
    person = data["person"]
    assert (person["first_name"], person["last_name"], person["phone"]) == (FIRST_NAME, LAST_NAME, PHONE)
    assert person["followup_status"] == "rdv_pending"

    [appointment] = data["appointments"]
    assert appointment["motif"] == "Orientation RSA" and appointment["status"] == "unknown"
    assert appointment["place"] == {
        "name": "Maison de l'insertion",
        "address": "8 rue Jean Bouin, 26000 Valence",
    }
    assert appointment["confirmed_at"] is not None
    offset = everything.org.slots[1].start.astimezone(ZoneInfo("Europe/Paris")).isoformat()[-6:]
    assert appointment["start"].endswith(offset)  # in the organisation's time zone
    [invitation] = data["invitations"]
    assert invitation["status"] == "booked" and len(invitation["slots_offered"]) >= 1

    received = [message["text"] for message in data["messages_received"]]
    assert received[0] == f"Bonjour c'est {FIRST_NAME} {WORD}"  # sent before the number was registered
    assert "CONTACT" in received and "1" in received
    kinds = [message["kind"] for message in data["messages_sent"]]
    assert kinds[0] == "unknown_number" and "invitation" in kinds and "reply" in kinds
    assert all(
        [event["status"] for event in message["delivery_statuses"]] == ["sent", "delivered"]
        for message in data["messages_sent"]
    )
    # Before registration (the operator's queue), then the organisation's: no offer, then a human asked.
    first, second = data["queue_entries"]
    assert (first["reason"], second["reason"]) == ("unknown_number", "no_offer")
    assert f"[asked_human] je veux parler a quelqu'un {WORD}" in second["text"]
    [barrier] = data["barriers"]
    assert (barrier["group"], barrier["words"]) == ("mobilite", f"pas de voiture {WORD}")
    assert {row["kind"] for row in data["scheduled_messages"]} >= {"relance", "invitation_expiry", "reminder"}
    assert {access["action"] for access in data["accesses"]} == {"carnet.read"}
    assert "user" not in json.dumps(data["accesses"])  # professionals' identities are not the person's data


def test_the_export_holds_nothing_of_another_person(session: Session, everything: Everything) -> None:
    text = json.dumps(export_person(session, everything.person), ensure_ascii=False)
    other = everything.org.person
    assert other.phone not in text and other.phone[-9:] not in text
    assert WORD in text and FIRST_NAME in text


def test_the_rest_export_is_an_audited_attachment(
    client: TestClient, session: Session, everything: Everything
) -> None:
    url = f"/api/beneficiaries/{everything.person_id}/export"
    assert client.get(url).status_code == 401
    response = client.get(url, headers=everything.org.agent.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="donnees-personne-{everything.person_id}.json"'
    )
    body = response.json()
    assert body["person"]["phone"] == PHONE and len(body["carnet"]) > 5
    line = session.scalars(
        select(AuditLog).where(
            AuditLog.action == "beneficiary.export",
            AuditLog.organisation_id == everything.org.organisation.id,
        )
    ).one()
    assert (line.user_id, line.beneficiary_id, line.organisation_id, line.detail) == (
        everything.org.agent.user.id,
        everything.person_id,
        everything.org.organisation.id,
        "api",
    )


def test_export_then_erasure_leave_nothing_behind(
    client: TestClient, session: Session, everything: Everything
) -> None:
    """Export and erasure leave nothing behind (checked in the database)."""
    admin = everything.org.admin.headers
    assert client.get(f"/api/beneficiaries/{everything.person_id}/export", headers=admin).status_code == 200
    assert client.delete(f"/api/beneficiaries/{everything.person_id}", headers=admin).status_code == 200
    session.expire_all()
    assert leftovers(session, person_id=everything.person_id, needles=everything.needles) == []
    actions = session.scalars(
        select(AuditLog.action).where(AuditLog.organisation_id == everything.org.organisation.id)
    )
    assert {"beneficiary.export", "beneficiary.erase"} <= set(actions)  # the trail stays, detached


def test_the_command_line_export_for_the_dpo(tmp_path, capsys: pytest.CaptureFixture) -> None:
    with session_scope() as session:
        organisation = f.organisation(session)
        beneficiary = f.beneficiary(session, organisation, first_name="Ondine")
        session.commit()
        beneficiary_id, phone = beneficiary.id, beneficiary.phone
    target = tmp_path / "export.json"
    cli.main(["export", "--beneficiary-id", str(beneficiary_id), "--output", str(target)])
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # personal data: the DPO's account only
    data = json.loads(target.read_text(encoding="utf-8"))
    assert (data["person"]["first_name"], data["person"]["phone"]) == ("Ondine", phone)
    cli.main(["export", "--beneficiary-id", str(beneficiary_id)])
    assert json.loads(capsys.readouterr().out)["person"]["id"] == beneficiary_id
    with pytest.raises(SystemExit):
        cli.main(["export", "--beneficiary-id", "987654321"])
    with session_scope() as session:  # committed above: leave no one behind for other tests
        followers_service.forget_person(session, beneficiary_id=beneficiary_id)
        session.delete(session.get(Beneficiary, beneficiary_id))
        session.commit()
