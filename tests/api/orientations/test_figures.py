"""Orientation requests in the figures: sent and received, by what became of them."""

from datetime import timedelta

from sqlalchemy.orm import Session

from api.db import utcnow
from api.orientations import lifecycle
from api.orientations import service as orientation_service
from tests.api.orientations.world import THEME, OrientationWorld


def test_figures_count_requests_and_their_outcomes(world: OrientationWorld, session: Session) -> None:
    now = utcnow()
    departement = world.base.departement

    def send(service_id: int, at):
        return orientation_service.send_request(
            session,
            beneficiary=world.base.person,
            from_organisation_id=departement.organisation.id,
            user_id=departement.agent.user.id,
            service_id=service_id,
            theme=THEME,
            reason="mobilité",
            now=at,
        )

    accepted = send(world.garage_service.id, now - timedelta(days=3))
    orientation_service.answer(session, request=accepted, accept=True, reason="", user_id=None, now=now)
    refused = send(world.garage_service.id, now - timedelta(days=2))
    orientation_service.answer(
        session, request=refused, accept=False, reason="complet", user_id=None, now=now
    )
    send(world.mail_service.id, now - timedelta(days=31))  # expired, before the period
    lifecycle.run(session, now=now)
    send(world.mail_service.id, now - timedelta(days=1))  # still open
    session.flush()

    def figures(account, organisation_id):
        response = world.client.get(
            "/api/figures", headers=account.headers, params={"organisation_id": organisation_id}
        )
        return response.raise_for_status().json()["orientations"]

    sent = figures(departement.admin, departement.organisation.id)["sent"]
    assert sent == {"total": 3, "open": 1, "accepted": 1, "refused": 1, "expired": 0, "acceptance_rate": 0.5}
    received = figures(world.garage.agent, world.garage.organisation.id)["received"]
    assert (received["total"], received["accepted"], received["refused"]) == (2, 1, 1)
    year = world.client.get(
        "/api/figures",
        headers=departement.admin.headers,
        params={
            "organisation_id": departement.organisation.id,
            "start": (now - timedelta(days=60)).date().isoformat(),
        },
    ).json()["orientations"]["sent"]
    assert (year["total"], year["expired"], year["acceptance_rate"]) == (4, 1, 1 / 3)
    csv = world.client.get(
        "/api/figures.csv",
        headers=departement.admin.headers,
        params={"organisation_id": departement.organisation.id},
    ).text
    assert (
        "Orientations envoyées;Acceptées;1" in csv
        and "Orientations envoyées;Taux d'acceptation (%);50" in csv
    )
