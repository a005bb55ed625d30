from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.accounts import demo
from api.db import utcnow
from tests.api import factories as f


def test_demo_accounts_are_idempotent_and_the_token_works(client: TestClient, session: Session) -> None:
    org = f.organisation(session)
    lines = demo.load_demo_accounts(session, organisation_id=org.id, now=utcnow())
    assert demo.DEMO_API_TOKEN in lines[1]
    assert demo.load_demo_accounts(session, organisation_id=org.id, now=utcnow()) == lines
    me = client.get("/api/me", headers={"Authorization": f"Bearer {demo.DEMO_API_TOKEN}"}).json()
    assert me["email"] == demo.DEMO_ADMIN_EMAIL and me["is_superadmin"] is True
    assert me["memberships"] == [{"organisation_id": org.id, "role": "admin"}]


def test_no_demo_accounts_in_production(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "get_settings", lambda: SimpleNamespace(environment="production"))
    with pytest.raises(RuntimeError):
        demo.load_demo_accounts(session, organisation_id=f.organisation(session).id, now=utcnow())
