import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.offers import importer
from tests.api.accounts.factories import FAST_HASH, make_account
from tests.api.offers.rows import service_row, structure_row


@pytest.fixture
def auth(session: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The platform operator's bearer token (the shared catalogue is theirs to import)."""
    monkeypatch.setattr(accounts_service, "_password_hash", FAST_HASH)
    return make_account(session, superadmin=True).headers


def test_import_reports_rejected_rows_with_200(client: TestClient, auth: dict[str, str]) -> None:
    body = {
        "structures": [structure_row("a")],
        "services": [service_row("ok", "a"), service_row("bad", "a", frais="cher")],
    }
    response = client.post("/api/offers/import", json=body, headers=auth)
    assert response.status_code == 200
    report = response.json()
    assert (report["structures_created"], report["services_created"]) == (1, 1)
    assert report["rejected"] == [
        {
            "kind": "service",
            "row": 2,
            "id": "test-offers--bad",
            "field": "frais",
            "message": "'cher' is not an allowed value",
        }
    ]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"structures": []},
        {"structures": "x", "services": []},
        {"structures": [1], "services": []},
        {"structures": [], "services": [], "data": []},
    ],
)
def test_import_refuses_a_body_of_another_shape(client: TestClient, auth: dict[str, str], body) -> None:
    assert client.post("/api/offers/import", json=body, headers=auth).status_code == 422


def test_offers_need_the_api_token(client: TestClient) -> None:
    assert (
        client.get("/api/offers", params={"theme": "mobilite", "departement_code": "26"}).status_code == 401
    )
    assert client.post("/api/offers/import", json={"structures": [], "services": []}).status_code == 401


def test_matching_offers(client: TestClient, auth: dict[str, str], session: Session) -> None:
    importer.load_demo_offers(session)
    response = client.get(
        "/api/offers", params={"theme": "garde_enfants", "code_insee": "26362"}, headers=auth
    )
    assert response.status_code == 200
    offers = response.json()
    assert {offer["nom"] for offer in offers} == {
        "Crèche AVIP Les Petits Pas",
        "Relais petite enfance de Valence",
    }
    assert offers[0]["structure"]["commune"] == "Valence"

    response = client.get(
        "/api/offers",
        params=[
            ("theme", "mobilite--preparer-un-permis"),
            ("theme", "sante"),
            ("departement_code", "26"),
            ("limit", "10"),
        ],
        headers=auth,
    )
    assert response.status_code == 200
    assert "Auto-école sociale Permis Pour Tous" in {offer["nom"] for offer in response.json()}


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "vacances", "departement_code": "26"},
        {"theme": "mobilite"},
        {"theme": "mobilite", "code_insee": "26362", "departement_code": "07"},
        {"theme": "mobilite", "code_insee": "263"},
        {"departement_code": "26"},
    ],
)
def test_matching_refuses_bad_parameters(client: TestClient, auth: dict[str, str], params) -> None:
    assert client.get("/api/offers", params=params, headers=auth).status_code == 422
