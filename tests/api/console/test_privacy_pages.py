"""Console RGPD pages: export for members, erasure for admins after confirmation, the erasure log."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.beneficiaries.models import Beneficiary, BeneficiaryImport
from api.privacy.models import ErasureRecord
from tests.api.console.conftest import log_in
from tests.api.privacy.privacy_world import (
    FIRST_NAME,
    LAST_NAME,
    Everything,
    booked_count,
    build_everything,
    leftovers,
)
from tests.api.world import Org, build_org

NAME = f"{FIRST_NAME} {LAST_NAME}"


@pytest.fixture
def everything(session: Session) -> Everything:
    return build_everything(session, build_org(session, "Département A"))


@pytest.fixture
def b(session: Session) -> Org:
    return build_org(session, "Département B")


def test_pages_need_a_session(client: TestClient, everything: Everything) -> None:
    person = everything.person_id
    for url in (
        f"/console/beneficiaires/{person}/export",
        f"/console/beneficiaires/{person}/effacer",
        "/console/effacements",
    ):
        response = client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), url
    response = client.post(
        f"/console/beneficiaires/{person}/effacer",
        data={"csrf_token": "x", "confirmation": "oui"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/console/login")


def test_the_carnet_offers_export_to_agents_and_erasure_to_admins(
    client: TestClient, everything: Everything
) -> None:
    url = f"/console/beneficiaires/{everything.person_id}"
    log_in(client, everything.org.agent)
    html = client.get(url).text
    assert "Données personnelles (RGPD)" in html and 'id="rgpd-exporter"' in html
    assert "Exporter les données (JSON)" in html and "Effacer les données" not in html
    client.cookies.clear()
    log_in(client, everything.org.admin)
    html = client.get(url).text
    assert (
        'id="rgpd-effacer"' in html
        and f'href="/console/beneficiaires/{everything.person_id}/effacer"' in html
    )
    assert 'id="rgpd-journal"' in html


def test_the_export_is_an_audited_json_file(
    client: TestClient, session: Session, everything: Everything
) -> None:
    log_in(client, everything.org.agent)
    response = client.get(f"/console/beneficiaires/{everything.person_id}/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="donnees-personne-{everything.person_id}.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data["person"]["first_name"] == FIRST_NAME and len(data["messages_received"]) == 4
    line = session.scalars(
        select(AuditLog).where(
            AuditLog.action == "beneficiary.export",
            AuditLog.organisation_id == everything.org.organisation.id,
        )
    ).one()
    assert (line.user_id, line.beneficiary_id, line.detail) == (
        everything.org.agent.user.id,
        everything.person_id,
        "console",
    )


def test_an_agent_can_neither_see_nor_confirm_an_erasure(
    client: TestClient, session: Session, everything: Everything
) -> None:
    token = log_in(client, everything.org.agent)
    url = f"/console/beneficiaires/{everything.person_id}/effacer"
    page = client.get(url)
    assert page.status_code == 403 and "Seul un administrateur" in page.text
    refused = client.post(url, data={"csrf_token": token, "confirmation": "oui"})
    assert refused.status_code == 403
    assert session.get(Beneficiary, everything.person_id) is not None
    assert client.get("/console/effacements").status_code == 403


def test_the_confirmation_page_says_what_will_go(client: TestClient, everything: Everything) -> None:
    log_in(client, everything.org.admin)
    html = client.get(f"/console/beneficiaires/{everything.person_id}/effacer").text
    assert f"Effacer les données de {NAME}" in html and "07 64 21 98 53" in html
    assert '<tr data-table="appointments"><td>Rendez-vous</td><td>1</td></tr>' in html
    assert '<tr data-table="inbound_messages"><td>Messages reçus</td><td>4</td></tr>' in html
    assert 'id="effacement-rdv"' in html and "Orientation RSA · Maison de l&#39;insertion" in html
    assert 'id="confirmation" name="confirmation" value="oui"' in html and "Effacer définitivement" in html


def test_erasure_needs_the_csrf_token_and_the_confirmation(
    client: TestClient, session: Session, everything: Everything
) -> None:
    token = log_in(client, everything.org.admin)
    url = f"/console/beneficiaires/{everything.person_id}/effacer"
    for form in ({"confirmation": "oui"}, {"confirmation": "oui", "csrf_token": "forged"}):
        response = client.post(url, data=form)
        assert response.status_code == 403 and "Requête refusée" in response.text
    unconfirmed = client.post(url, data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert "fr-checkbox-group--error" in unconfirmed.text and 'id="confirmation-erreur"' in unconfirmed.text
    assert "Cochez la case pour confirmer" in unconfirmed.text
    assert session.get(Beneficiary, everything.person_id) is not None
    assert (
        session.scalars(
            select(ErasureRecord).where(ErasureRecord.organisation_id == everything.org.organisation.id)
        ).all()
        == []
    )


def test_an_admin_erases_and_sees_the_anonymous_trace(
    client: TestClient, session: Session, everything: Everything
) -> None:
    token = log_in(client, everything.org.admin)
    erased = client.post(
        f"/console/beneficiaires/{everything.person_id}/effacer",
        data={"csrf_token": token, "confirmation": "oui"},
        follow_redirects=False,
    )
    assert (erased.status_code, erased.headers["location"]) == (303, "/console/effacements?ok=efface")
    session.expire_all()
    assert leftovers(session, person_id=everything.person_id, needles=everything.needles) == []
    assert booked_count(session, everything.slot_id) == 0
    record = session.scalars(
        select(ErasureRecord).where(ErasureRecord.organisation_id == everything.org.organisation.id)
    ).one()
    line = session.scalars(
        select(AuditLog).where(
            AuditLog.action == "beneficiary.erase", AuditLog.organisation_id == everything.org.organisation.id
        )
    ).one()
    assert (line.beneficiary_id, line.detail) == (None, f"console: erasure {record.id}")

    html = client.get(erased.headers["location"]).text
    assert 'id="effacement-fait"' in html and "Les données de la personne ont été effacées" in html
    assert f'data-erasure-id="{record.id}"' in html
    assert "Demande de la personne" in html and everything.org.admin.user.email in html
    assert "Rendez-vous : 1" in html and "Places de rendez-vous à venir libérées : 1" in html
    assert FIRST_NAME not in html and LAST_NAME not in html and "64 21 98" not in html
    assert client.get(f"/console/beneficiaires/{everything.person_id}").status_code == 404


def test_an_import_in_progress_is_explained(
    client: TestClient, session: Session, everything: Everything
) -> None:
    session.add(
        BeneficiaryImport(
            organisation_id=everything.org.organisation.id,
            status="running",
            content="telephone\n0764219853\n",
            mapping={},
            errors=[],
        )
    )
    session.flush()
    token = log_in(client, everything.org.admin)
    response = client.post(
        f"/console/beneficiaires/{everything.person_id}/effacer",
        data={"csrf_token": token, "confirmation": "oui"},
    )
    assert response.status_code == 409 and 'id="effacement-conflit"' in response.text
    assert session.get(Beneficiary, everything.person_id) is not None


def test_another_organisations_person_is_404(
    client: TestClient, session: Session, everything: Everything, b: Org
) -> None:
    token = log_in(client, everything.org.admin)
    for url in (
        f"/console/beneficiaires/{b.person.id}/export",
        f"/console/beneficiaires/{b.person.id}/effacer",
    ):
        foreign, missing = client.get(url), client.get(url.replace(str(b.person.id), "987654321"))
        assert foreign.status_code == missing.status_code == 404 and foreign.text == missing.text
    response = client.post(
        f"/console/beneficiaires/{b.person.id}/effacer", data={"csrf_token": token, "confirmation": "oui"}
    )
    assert response.status_code == 404
    assert session.get(Beneficiary, b.person.id) is not None
    assert (
        session.scalars(
            select(AuditLog).where(
                AuditLog.action == "beneficiary.export", AuditLog.beneficiary_id == b.person.id
            )
        ).all()
        == []
    )


def test_the_erasure_log_shows_only_my_organisations(client: TestClient, session: Session, b: Org) -> None:
    session.add(
        ErasureRecord(organisation_id=b.organisation.id, reason="retention", removed={"beneficiaries": 1})
    )
    session.flush()
    log_in(client, b.admin)
    html = client.get("/console/effacements").text
    assert "Durée de conservation dépassée" in html and "Traitement automatique" in html
    client.cookies.clear()
    a = build_org(session, "Département C")
    log_in(client, a.admin)
    html = client.get("/console/effacements").text
    assert 'id="effacements-vide"' in html and "Durée de conservation" not in html
