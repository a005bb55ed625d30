"""Console pages over plain HTTP: login required, organisations apart, CSRF, the carnet, the queue."""

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.carnet.models import CarnetEntry
from api.console.static import MissingAssets, mount_static
from api.db import utcnow
from api.handoffs import service as handoff_service
from api.handoffs.models import HandoffRequest
from api.messaging.models import OutboxMessage
from tests.api.console.conftest import log_in
from tests.api.world import Org, build_org

PAGES = ["/console/beneficiaires", "/console/beneficiaires/1", "/console/file"]
FORMS = [
    "/console/beneficiaires/1/messages",
    "/console/beneficiaires/1/notes",
    "/console/file/1/prendre",
    "/console/file/1/clore",
]


@pytest.fixture
def a(session: Session) -> Org:
    org = build_org(session, "Département A")
    org.person.first_name, org.person.last_name = "Aïcha", "Benali"
    session.flush()
    return org


@pytest.fixture
def b(session: Session) -> Org:
    org = build_org(session, "Département B")
    org.person.first_name, org.person.last_name = "Bruno", "Martin"
    session.flush()
    return org


def _audit(session: Session, action: str, org: Org) -> list[tuple[int, int | None, str]]:
    query = select(AuditLog).where(AuditLog.action == action, AuditLog.organisation_id == org.organisation.id)
    rows = session.scalars(query.order_by(AuditLog.id))
    return [(row.user_id, row.beneficiary_id, row.detail) for row in rows]


def _outbox(session: Session, beneficiary_id: int) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(
        OutboxMessage.beneficiary_id == beneficiary_id, OutboxMessage.kind == "professional"
    )
    return list(session.scalars(query))


def test_every_page_and_form_needs_a_session(client: TestClient) -> None:
    for url in PAGES:
        response = client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), url
    for url in FORMS:
        response = client.post(url, data={"csrf_token": "x", "body": "bonjour"}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), url


def test_pages_are_french_dsfr_and_hardened(client: TestClient, a: Org) -> None:
    log_in(client, a.agent)
    page = client.get("/console/beneficiaires")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="fr"' in html and 'href="#contenu"' in html and 'id="contenu"' in html
    assert "/console/static/dsfr/dsfr.min.css" in html and "/console/static/dsfr/dsfr.module.min.js" in html
    assert "Assistant SMS — SPIE" in html and 'class="fr-header"' in html and 'class="fr-footer"' in html
    assert "https://" not in html.split("<body>")[0]  # nothing from a CDN
    assert re.search(r'href="/console/beneficiaires"\s+aria-current="page">Bénéficiaires', html)
    assert "File d'attente" in html
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    css = client.get("/console/static/dsfr/dsfr.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/console/static/console/console.css").status_code == 200
    assert client.get("/console/static/dsfr/../../package.json").status_code == 404


def test_the_app_refuses_to_start_without_the_dsfr(tmp_path: Path) -> None:
    with pytest.raises(MissingAssets, match="npm ci"):
        mount_static(FastAPI(), dsfr_dist=tmp_path / "node_modules" / "@gouvfr" / "dsfr" / "dist")


def test_the_list_shows_only_my_organisations_people_with_their_status(
    client: TestClient, session: Session, a: Org, b: Org
) -> None:
    log_in(client, a.agent)
    html = client.get("/console/beneficiaires").text
    assert "Aïcha Benali" in html and "Bruno" not in html
    assert "RDV à venir" in html  # booked in build_org, slot in the future
    assert "Attend un professionnel" in html  # asked for a human
    phone = a.person.phone  # +336..., shown as 06 ..
    assert " ".join(("0" + phone[3:])[i : i + 2] for i in range(0, 10, 2)) in html


def test_search_and_filters(client: TestClient, session: Session, a: Org) -> None:
    log_in(client, a.agent)
    other = a.person.__class__(
        organisation_id=a.organisation.id, phone="+33699887766", first_name="Zoé", last_name="Durand"
    )
    session.add(other)
    session.flush()

    def names(**params: str) -> list[str]:
        html = client.get("/console/beneficiaires", params=params).text
        return [name for name in ("Aïcha Benali", "Zoé Durand") if name in html]

    assert names() == ["Aïcha Benali", "Zoé Durand"]
    assert names(q="benali") == ["Aïcha Benali"]
    assert names(q="06 99 88") == ["Zoé Durand"]
    assert names(q="+33699887766") == ["Zoé Durand"]
    assert names(q="personne") == []
    assert names(statut="not_invited") == ["Zoé Durand"]
    assert names(statut="rdv_pending") == ["Aïcha Benali"]
    assert names(humain="1") == ["Aïcha Benali"]
    assert names(frein="logement") == []
    assert _audit(session, "barriers.read", a) == []
    assert names(frein="mobilite") == ["Aïcha Benali"]
    # Who has which barrier is sensitive: logged as GET /api/barriers does.
    assert _audit(session, "barriers.read", a) == [(a.agent.user.id, a.person.id, "console: frein mobilite")]
    assert "Aucune personne ne correspond" in client.get("/console/beneficiaires?q=zzz").text


def test_a_carnet_read_is_audited_and_another_organisations_is_404(
    client: TestClient, session: Session, a: Org, b: Org
) -> None:
    log_in(client, a.agent)
    page = client.get(f"/console/beneficiaires/{a.person.id}")
    assert page.status_code == 200
    html = page.text
    assert "Carnet de Aïcha Benali" in html
    assert "Frein exprimé : Mobilité" in html and "pas de voiture" in html
    assert "Rendez-vous pris" in html and "Transmis à un professionnel" in html
    assert "A demandé à parler à quelqu&#39;un" in html
    assert _audit(session, "carnet.read", a) == [(a.agent.user.id, a.person.id, "console")]

    missing = client.get("/console/beneficiaires/999999")
    foreign = client.get(f"/console/beneficiaires/{b.person.id}")
    assert missing.status_code == foreign.status_code == 404
    assert "Page introuvable" in foreign.text and "Bruno" not in foreign.text
    assert missing.text == foreign.text  # nothing tells that the id exists
    assert _audit(session, "carnet.read", a) == [(a.agent.user.id, a.person.id, "console")]


def test_writing_to_the_person_goes_through_the_outbox(client: TestClient, session: Session, a: Org) -> None:
    token = log_in(client, a.agent)
    url = f"/console/beneficiaires/{a.person.id}/messages"
    sent = client.post(
        url,
        data={"body": "Bonjour, je vous appelle demain matin.", "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"/console/beneficiaires/{a.person.id}?ok=message#entree-")
    [message] = _outbox(session, a.person.id)
    assert (message.body, message.state, message.to_phone) == (
        "Bonjour, je vous appelle demain matin.",
        "pending",
        a.person.phone,
    )
    entry = session.scalar(select(CarnetEntry).where(CarnetEntry.outbox_message_id == message.id))
    assert entry is not None and entry.author == "professional"
    assert entry.data == {"message_kind": "professional", "user_id": a.agent.user.id}
    html = client.get(sent.headers["location"]).text
    assert "Message enregistré" in html and "Bonjour, je vous appelle demain matin." in html
    assert "En attente d&#39;envoi" in html and a.agent.user.email in html


def test_forms_without_the_session_csrf_token_are_403(client: TestClient, session: Session, a: Org) -> None:
    log_in(client, a.agent)
    entry = session.scalar(select(HandoffRequest).where(HandoffRequest.beneficiary_id == a.person.id))
    assert entry is not None
    for url in (
        f"/console/beneficiaires/{a.person.id}/messages",
        f"/console/beneficiaires/{a.person.id}/notes",
        f"/console/file/{entry.id}/prendre",
        f"/console/file/{entry.id}/clore",
    ):
        for form in ({"body": "bonjour"}, {"body": "bonjour", "csrf_token": "forged"}):
            response = client.post(url, data=form, follow_redirects=False)
            assert response.status_code == 403, url
            assert "Requête refusée" in response.text
    assert _outbox(session, a.person.id) == []
    assert (
        session.scalar(
            select(CarnetEntry).where(CarnetEntry.kind == "note", CarnetEntry.beneficiary_id == a.person.id)
        )
        is None
    )
    session.refresh(entry)
    assert entry.state == "open"


def test_an_opted_out_person_gets_no_message(client: TestClient, session: Session, a: Org) -> None:
    token = log_in(client, a.agent)
    a.person.opted_out = True
    session.flush()
    page = client.get(f"/console/beneficiaires/{a.person.id}").text
    assert "ne plus recevoir de messages (STOP)" in page and "disabled" in page
    refused = client.post(
        f"/console/beneficiaires/{a.person.id}/messages",
        data={"body": "Bonjour", "csrf_token": token},
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "ne plus recevoir de messages (STOP)" in refused.text and 'role="alert"' in refused.text
    assert _outbox(session, a.person.id) == []


def test_empty_or_too_long_messages_are_refused_and_kept(
    client: TestClient, session: Session, a: Org
) -> None:
    token = log_in(client, a.agent)
    url = f"/console/beneficiaires/{a.person.id}/messages"
    assert client.post(url, data={"body": "   ", "csrf_token": token}).status_code == 422
    long = "Bonjour " * 70  # 560 characters: 4 SMS
    refused = client.post(url, data={"body": long, "csrf_token": token})
    assert refused.status_code == 422 and "plus de 3 SMS" in refused.text and long.strip() in refused.text
    assert _outbox(session, a.person.id) == []


def test_a_note_is_added_to_the_carnet(client: TestClient, session: Session, a: Org, b: Org) -> None:
    token = log_in(client, a.agent)
    url = f"/console/beneficiaires/{a.person.id}/notes"
    added = client.post(
        url, data={"body": "Appelée : viendra avec sa fille.", "csrf_token": token}, follow_redirects=False
    )
    assert added.status_code == 303
    note = session.scalar(
        select(CarnetEntry).where(CarnetEntry.kind == "note", CarnetEntry.beneficiary_id == a.person.id)
    )
    assert note is not None
    assert (note.beneficiary_id, note.author, note.body, note.data) == (
        a.person.id,
        "professional",
        "Appelée : viendra avec sa fille.",
        {"user_id": a.agent.user.id},
    )
    assert "Appelée : viendra avec sa fille." in client.get(added.headers["location"]).text
    # Another organisation's person, with a valid token: 404, nothing written.
    foreign = client.post(
        f"/console/beneficiaires/{b.person.id}/notes", data={"body": "x", "csrf_token": token}
    )
    assert foreign.status_code == 404
    foreign_message = client.post(
        f"/console/beneficiaires/{b.person.id}/messages", data={"body": "x", "csrf_token": token}
    )
    assert foreign_message.status_code == 404
    assert _outbox(session, b.person.id) == []
    assert (
        session.scalar(
            select(CarnetEntry).where(CarnetEntry.beneficiary_id == b.person.id, CarnetEntry.kind == "note")
        )
        is None
    )


def test_the_queue_take_then_close(client: TestClient, session: Session, a: Org, b: Org) -> None:
    token = log_in(client, a.agent)
    mine = session.scalar(select(HandoffRequest).where(HandoffRequest.beneficiary_id == a.person.id))
    theirs = session.scalar(select(HandoffRequest).where(HandoffRequest.beneficiary_id == b.person.id))
    assert mine is not None and theirs is not None
    html = client.get("/console/file").text
    assert "Aïcha Benali" in html and "Bruno" not in html
    assert "A demandé à parler à quelqu&#39;un" in html and "je veux parler" in html
    assert "Je m'en occupe" in html

    taken = client.post(
        f"/console/file/{mine.id}/prendre", data={"csrf_token": token}, follow_redirects=False
    )
    assert taken.status_code == 303 and "vue=moi" in taken.headers["location"]
    session.refresh(mine)
    assert (mine.state, mine.taken_by_user_id) == ("taken", a.agent.user.id) and mine.taken_at is not None
    assert "Vous vous occupez de cette demande" in client.get(taken.headers["location"]).text
    assert "Aïcha Benali" in client.get("/console/file", params={"vue": "moi"}).text
    assert "Aïcha Benali" not in client.get("/console/file").text  # no longer open

    again = client.post(
        f"/console/file/{mine.id}/prendre", data={"csrf_token": token}, follow_redirects=False
    )
    assert "ok=deja-pris" in again.headers["location"]

    closed = client.post(
        f"/console/file/{mine.id}/clore", data={"csrf_token": token, "vue": "moi"}, follow_redirects=False
    )
    assert closed.status_code == 303
    session.refresh(mine)
    assert (mine.state, mine.closed_by_user_id) == ("closed", a.agent.user.id) and mine.closed_at is not None
    assert "Aïcha Benali" in client.get("/console/file", params={"vue": "clos"}).text
    kinds = session.scalars(
        select(CarnetEntry.kind).where(CarnetEntry.beneficiary_id == a.person.id).order_by(CarnetEntry.id)
    ).all()
    assert kinds[-2:] == ["handoff_taken", "handoff_closed"]

    # Another organisation's entry: 404 and untouched.
    for action in ("prendre", "clore"):
        assert (
            client.post(f"/console/file/{theirs.id}/{action}", data={"csrf_token": token}).status_code == 404
        )
    session.refresh(theirs)
    assert theirs.state == "open"


def test_unknown_numbers_are_for_the_platform_operator(
    client: TestClient, session: Session, account, a: Org
) -> None:
    unknown = handoff_service.open_request(
        session, reason="unknown_number", text="c qui ?", phone="+33700000001"
    )
    token = log_in(client, a.agent)
    assert "07 00 00 00 01" not in client.get("/console/file").text
    assert client.post(f"/console/file/{unknown.id}/prendre", data={"csrf_token": token}).status_code == 404
    client.cookies.clear()
    operator = account(superadmin=True)
    token = log_in(client, operator)
    html = client.get("/console/file").text
    assert "Numéro inconnu" in html and "07 00 00 00 01" in html and "c qui ?" in html
    assert "Aïcha" not in html  # an operator without membership sees no person
    taken = client.post(
        f"/console/file/{unknown.id}/prendre", data={"csrf_token": token}, follow_redirects=False
    )
    assert taken.status_code == 303
    session.refresh(unknown)
    assert unknown.state == "taken"


def test_a_new_reason_joins_the_entry_someone_took(session: Session, a: Org) -> None:
    entry = session.scalar(select(HandoffRequest).where(HandoffRequest.beneficiary_id == a.person.id))
    assert entry is not None
    assert handoff_service.take_request(session, request=entry, user_id=a.agent.user.id, now=utcnow())
    again = handoff_service.open_request(
        session, reason="no_offer", text="Aucune offre", beneficiary=a.person
    )
    assert again.id == entry.id and "[no_offer] Aucune offre" in again.text
    assert handoff_service.close_request(session, request=entry, user_id=a.agent.user.id, now=utcnow())
    assert not handoff_service.close_request(session, request=entry, user_id=a.agent.user.id, now=utcnow())
    fresh = handoff_service.open_request(session, reason="asked_human", text="encore", beneficiary=a.person)
    assert fresh.id != entry.id and fresh.state == "open"
