"""Isolation cases for who follows a person (merged into tests/accounts/test_isolation.py's CASES).

Another organisation's person: their followers, référents and consent are 404, as a missing id;
naming another organisation's id in a path about the caller's own person finds no follow-up (404).
Naming an organisation so that it follows the caller's person is deliberate (DELIBERATE): it gives
that organisation the person, never the caller anything of that organisation (tested below).
"""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.world import Org

CASES: dict = {
    ("GET", "/api/beneficiaries/{beneficiary_id}/followers", "beneficiary_id"): lambda c, v: c.call(
        "GET", f"/api/beneficiaries/{v}/followers"
    ),
    ("POST", "/api/beneficiaries/{beneficiary_id}/followers", "beneficiary_id"): lambda c, v: c.call(
        "POST", f"/api/beneficiaries/{v}/followers", json={"organisation_id": c.a.organisation.id}
    ),
    (
        "DELETE",
        "/api/beneficiaries/{beneficiary_id}/followers/{organisation_id}",
        "beneficiary_id",
    ): lambda c, v: c.call("DELETE", f"/api/beneficiaries/{v}/followers/{c.a.organisation.id}"),
    (
        "DELETE",
        "/api/beneficiaries/{beneficiary_id}/followers/{organisation_id}",
        "organisation_id",
    ): lambda c, v: c.call("DELETE", f"/api/beneficiaries/{c.a.person.id}/followers/{v}"),
    (
        "PUT",
        "/api/beneficiaries/{beneficiary_id}/followers/{organisation_id}/referents",
        "beneficiary_id",
    ): lambda c, v: c.call(
        "PUT", f"/api/beneficiaries/{v}/followers/{c.a.organisation.id}/referents", json={"user_ids": []}
    ),
    (
        "PUT",
        "/api/beneficiaries/{beneficiary_id}/followers/{organisation_id}/referents",
        "organisation_id",
    ): lambda c, v: c.call(
        "PUT", f"/api/beneficiaries/{c.a.person.id}/followers/{v}/referents", json={"user_ids": []}
    ),
    ("GET", "/api/beneficiaries/{beneficiary_id}/sharing-consent", "beneficiary_id"): lambda c, v: c.call(
        "GET", f"/api/beneficiaries/{v}/sharing-consent"
    ),
    ("POST", "/api/beneficiaries/{beneficiary_id}/sharing-consent", "beneficiary_id"): lambda c, v: c.call(
        "POST", f"/api/beneficiaries/{v}/sharing-consent", json={}
    ),
    ("DELETE", "/api/beneficiaries/{beneficiary_id}/sharing-consent", "beneficiary_id"): lambda c, v: c.call(
        "DELETE", f"/api/beneficiaries/{v}/sharing-consent"
    ),
    ("POST", "/api/beneficiaries/{beneficiary_id}/sharing-consent/question", "beneficiary_id"): lambda c,
    v: c.call("POST", f"/api/beneficiaries/{v}/sharing-consent/question"),
    ("GET", "/api/beneficiaries/{beneficiary_id}/handover", "beneficiary_id"): lambda c, v: c.call(
        "GET", f"/api/beneficiaries/{v}/handover"
    ),
}
NARROWING: dict = {}
B_IDS: dict[str, Callable[[Session, Org], int]] = {}
# The caller names another organisation on purpose: the structure that is to follow their person.
DELIBERATE = {("POST", "/api/beneficiaries/{beneficiary_id}/followers", "organisation_id")}


def check_naming_another_organisation(client: TestClient, a: Org, b: Org) -> None:
    """A lets B follow A's person: B reads that person; A gets nothing more of B's (still 404)."""
    named = client.post(
        f"/api/beneficiaries/{a.person.id}/followers",
        headers=a.agent.headers,
        json={"organisation_id": b.organisation.id},
    )
    assert named.status_code == 201, named.text
    assert client.get(f"/api/beneficiaries/{a.person.id}", headers=b.agent.headers).status_code == 200
    for path in ("", "/carnet", "/followers", "/sharing-consent", "/export"):
        assert (
            client.get(f"/api/beneficiaries/{b.person.id}{path}", headers=a.agent.headers).status_code == 404
        )
    assert client.get("/api/beneficiaries", headers=a.agent.headers).json()[0]["id"] == a.person.id
    listed = {row["id"] for row in client.get("/api/beneficiaries", headers=b.agent.headers).json()}
    assert listed == {b.person.id}  # following is not holding: B's list stays its own records
