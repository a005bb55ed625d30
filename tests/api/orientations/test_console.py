"""The console's orientation pages through their forms: search and send from the carnet, answer in
the receiving structure's list, answer through the mail's link; CSRF and 404 across structures."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.main import app
from api.messaging.models import OutboxMessage
from api.orientations.models import OrientationMail, OrientationRequest
from tests.api.console.conftest import log_in
from tests.api.orientations.world import OrientationWorld


def _client() -> TestClient:
    return TestClient(app)  # a browser of its own (cookies), on the test's session


def test_send_from_the_carnet_and_answer_in_the_receiving_console(
    world: OrientationWorld, session: Session
) -> None:
    holder = _client()
    token = log_in(holder, world.base.departement.agent)
    person = world.base.person.id
    carnet = holder.get(f"/console/beneficiaires/{person}")
    assert "Aucune demande d'orientation." in carnet.text and "Orienter vers un service" in carnet.text
    found = holder.get(f"/console/beneficiaires/{person}/orientation", params={"theme": "mobilite"})
    assert found.status_code == 200
    assert "Location de voiture à 1 euro" in found.text and "Prêt de scooter" in found.text
    assert "Voiture partagée" not in found.text and "Ardèche" not in found.text
    form = {
        "csrf_token": token,
        "service_id": str(world.garage_service.id),
        "theme": "mobilite",
        "reason": "",
    }
    empty = holder.post(f"/console/beneficiaires/{person}/orientations", data=form)
    assert empty.status_code == 422 and "Dites en quelques mots" in empty.text
    form["reason"] = "n'a plus de voiture, reprend un emploi"
    forged = holder.post(
        f"/console/beneficiaires/{person}/orientations",
        data={**form, "csrf_token": "x"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    sent = holder.post(f"/console/beneficiaires/{person}/orientations", data=form, follow_redirects=False)
    assert sent.status_code == 303 and "ok=orientation-envoyee" in sent.headers["location"]
    again = holder.post(f"/console/beneficiaires/{person}/orientations", data=form)
    assert again.status_code == 409 and "déjà en attente" in again.text
    request = session.scalars(select(OrientationRequest)).one()

    garage = _client()
    garage_token = log_in(garage, world.garage.agent)
    box = garage.get("/console/orientations")
    assert f'data-orientation-id="{request.id}"' in box.text and "reprend un emploi" in box.text
    # Another structure cannot answer it (404), nor can the holder (it did not receive it).
    stranger = _client()
    stranger_token = log_in(stranger, world.base.stranger.admin)
    path = f"/console/orientations/{request.id}/reponse"
    denied = stranger.post(
        path, data={"csrf_token": stranger_token, "action": "accepter"}, follow_redirects=False
    )
    assert denied.status_code == 404
    assert holder.post(path, data={"csrf_token": token, "action": "accepter"}).status_code == 404
    refused = garage.post(path, data={"csrf_token": garage_token, "action": "refuser", "reason": ""})
    assert refused.status_code == 422
    accepted = garage.post(
        path,
        data={"csrf_token": garage_token, "action": "accepter", "reason": "RDV le 12/01"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("ok=acceptee")
    session.refresh(request)
    assert request.state == "accepted" and request.answered_by_user_id == world.garage.agent.user.id
    assert session.get(OutboxMessage, request.outbox_message_id) is not None
    # The holder sees the outcome in the carnet.
    carnet = holder.get(f"/console/beneficiaires/{person}").text
    assert 'data-orientation-state="accepted"' in carnet and "Orientation acceptée" in carnet
    assert "Réponse : RDV le 12/01" in carnet


def test_a_structure_without_account_answers_through_the_link(
    world: OrientationWorld, session: Session
) -> None:
    holder = _client()
    token = log_in(holder, world.base.departement.agent)
    form = {
        "csrf_token": token,
        "service_id": str(world.mail_service.id),
        "theme": "mobilite",
        "reason": "scooter",
    }
    holder.post(f"/console/beneficiaires/{world.base.person.id}/orientations", data=form).raise_for_status()
    mail = session.scalars(select(OrientationMail)).one()
    link = re.search(r"http://[^/]+(/orientations/reponse/\S+)", mail.body)
    assert link is not None
    visitor = _client()  # no login: the link is the credential
    page = visitor.get(link.group(1))
    assert page.status_code == 200 and "Marie D." in page.text and "Durand" not in page.text
    assert world.base.person.phone[-4:] not in page.text.replace(" ", "")
    assert visitor.get("/orientations/reponse/not-a-secret").status_code == 404
    assert visitor.post(link.group(1), data={"action": "refuser", "reason": ""}).status_code == 422
    done = visitor.post(link.group(1), data={"action": "accepter"}, follow_redirects=False)
    assert done.status_code == 303
    after = visitor.get(link.group(1)).text
    assert 'data-orientation-state="accepted"' in after and "La personne a reçu un SMS" in after
    request = session.scalars(select(OrientationRequest)).one()
    assert request.state == "accepted" and request.answered_by_user_id is None
