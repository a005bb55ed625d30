"""Issue 10, point 8: console sessions end after a period of inactivity; cookies are Secure and
HSTS is sent in production, neither on a developer's plain-HTTP localhost."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import hsts
from api.accounts.models import ConsoleSession
from api.config import Settings, get_settings
from api.console import login as console
from api.main import app as api_app
from bot.main import create_app as create_gateway
from tests.api.accounts.factories import PASSWORD
from tests.api.console.conftest import log_in
from tests.security.test_production_refusals import SAFE

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def last_seen(session: Session, user_id: int) -> datetime:
    stored = session.scalar(select(ConsoleSession).where(ConsoleSession.user_id == user_id))
    assert stored is not None
    session.refresh(stored)
    return stored.last_seen_at


def test_a_session_idle_longer_than_the_setting_is_closed(
    client: TestClient, session: Session, account
) -> None:
    assert get_settings().console_idle_minutes == 30  # the default
    me = account()
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, me)
        clock.shift(timedelta(minutes=29))  # used within 30 minutes: still open
        assert client.get("/console/", follow_redirects=False).status_code == 200
        assert last_seen(session, me.user.id) == T0 + timedelta(minutes=29)
        clock.shift(timedelta(minutes=29))  # 58 minutes after login, 29 after the last page
        assert client.get("/console/", follow_redirects=False).status_code == 200
        clock.shift(timedelta(minutes=30, seconds=1))
        page = client.get("/console/file", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, "/console/login")
        # A script (no HTML accepted) gets a plain 401, not a redirection.
        scripted = client.get("/console/file", headers={"Accept": "application/json"}, follow_redirects=False)
        assert scripted.status_code == 401
        # Idle is idle: coming back does not revive it.
        clock.shift(timedelta(seconds=5))
        assert client.get("/console/", follow_redirects=False).status_code == 303


def test_last_activity_is_written_at_most_once_a_minute(
    client: TestClient, session: Session, account
) -> None:
    me = account()
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, me)
        clock.shift(timedelta(minutes=5))
        client.get("/console/")
        assert last_seen(session, me.user.id) == T0 + timedelta(minutes=5)
        clock.shift(timedelta(seconds=40))
        client.get("/console/")
        assert last_seen(session, me.user.id) == T0 + timedelta(minutes=5)  # no write for this one
        clock.shift(timedelta(seconds=30))
        client.get("/console/")
        assert last_seen(session, me.user.id) == T0 + timedelta(minutes=6, seconds=10)


def test_the_idle_timeout_follows_its_setting(
    client: TestClient, account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "console_idle_minutes", 5)
    me = account()
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, me)
        clock.shift(timedelta(minutes=5, seconds=1))
        assert client.get("/console/", follow_redirects=False).status_code == 303
    assert Settings(_env_file=None).console_idle_minutes == 30
    monkeypatch.setenv("SPIE_CONSOLE_IDLE_MINUTES", "15")
    assert Settings(_env_file=None).console_idle_timeout == timedelta(minutes=15)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Production settings (safe ones: they pass production_problems) for cookies and HSTS."""
    settings = Settings(_env_file=None, **SAFE)
    monkeypatch.setattr(console, "get_settings", lambda: settings)
    monkeypatch.setattr(hsts, "get_settings", lambda: settings)
    return settings


def cookie_flags(response, name: str) -> set[str]:
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(name + "="))
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_production_cookies_are_secure_and_hsts_is_sent(
    production: Settings, client: TestClient, account
) -> None:
    https = TestClient(api_app, base_url="https://testserver")  # Secure cookies come back over https only
    form = https.get("/console/login")
    assert "secure" in cookie_flags(form, console.CSRF_COOKIE)
    assert form.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    me = account()
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = https.post(
        "/console/login",
        data={"email": me.user.email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert {"secure", "httponly", "samesite=lax", "path=/console"} <= cookie_flags(
        done, console.SESSION_COOKIE
    )
    assert done.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert https.get("/console/").status_code == 200
    # Every answer of the API (a REST error too) and of the gateway carries it.
    assert "strict-transport-security" in https.get("/api/me").headers
    assert "strict-transport-security" in https.get("/health").headers
    gateway = TestClient(create_gateway())
    assert (
        gateway.get("/webhooks/twilio/messages").headers["strict-transport-security"].startswith("max-age=")
    )


def test_no_hsts_and_no_secure_cookie_on_a_development_localhost(client: TestClient) -> None:
    assert get_settings().environment == "test"
    form = client.get("/console/login")
    assert "secure" not in cookie_flags(form, console.CSRF_COOKIE)
    assert "strict-transport-security" not in form.headers
    assert "strict-transport-security" not in TestClient(api_app).get("/health").headers
