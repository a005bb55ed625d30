"""Console log-in: CSRF, rate limit, cookie flags, logout."""

import re
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.accounts import throttle
from api.accounts.models import ConsoleSession, LoginThrottle
from api.console import login as console
from tests.api.accounts.factories import PASSWORD


def _csrf(client: TestClient) -> str:
    page = client.get("/console/login")
    assert page.status_code == 200
    assert "Connexion" in page.text and 'lang="fr"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    assert client.cookies.get(console.CSRF_COOKIE) == token.group(1)
    return token.group(1)


def _login(client: TestClient, email: str, password: str, csrf: str | None):
    form = {"email": email, "password": password}
    if csrf is not None:
        form["csrf_token"] = csrf
    return client.post("/console/login", data=form, follow_redirects=False)


def test_login_sets_a_session_cookie_and_greets(client: TestClient, session: Session, account) -> None:
    me = account()
    assert client.get("/console/", follow_redirects=False).headers["location"] == "/console/login"
    response = _login(client, me.user.email.upper(), PASSWORD, _csrf(client))
    assert (response.status_code, response.headers["location"]) == (303, "/console/")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(console.SESSION_COOKIE))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/console"} <= flags
    assert "secure" not in flags  # SPIE_ENVIRONMENT=test: plain HTTP
    home = client.get("/console/")
    assert home.status_code == 200 and f"Bonjour {me.user.email}" in home.text
    assert home.headers["cache-control"] == "no-store" and home.headers["x-frame-options"] == "DENY"
    # Only a hash of the cookie is stored.
    secret = client.cookies.get(console.SESSION_COOKIE)
    stored = session.scalar(select(ConsoleSession).where(ConsoleSession.user_id == me.user.id))
    assert stored is not None and stored.token_hash == accounts_service.sha256(secret)


def test_cookies_are_secure_outside_development(monkeypatch: pytest.MonkeyPatch, client: TestClient) -> None:
    monkeypatch.setattr(console, "get_settings", lambda: SimpleNamespace(environment="production"))
    page = client.get("/console/login")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(console.CSRF_COOKIE)
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags


def test_login_without_or_with_a_wrong_csrf_token_is_403(
    client: TestClient, session: Session, account
) -> None:
    me = account()
    _csrf(client)
    assert _login(client, me.user.email, PASSWORD, None).status_code == 403
    assert _login(client, me.user.email, PASSWORD, "forged").status_code == 403
    client.cookies.clear()
    assert _login(client, me.user.email, PASSWORD, "forged").status_code == 403
    assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0  # not counted as attempts
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_sixth_attempt_after_five_failures_is_429(client: TestClient, session: Session, account) -> None:
    me = account()
    csrf = _csrf(client)
    for _ in range(5):
        failed = _login(client, me.user.email, "not the password", csrf)
        assert failed.status_code == 401
        assert "mot de passe incorrect" in failed.text
        csrf = client.cookies.get(console.CSRF_COOKIE)
    pair = throttle.keys_for(email=me.user.email, ip="testclient").pair
    assert session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == pair)) == 5
    blocked = _login(client, me.user.email, PASSWORD, csrf)  # even the right password
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60
    assert "Trop de tentatives" in blocked.text
    assert console.SESSION_COOKIE not in client.cookies


def test_a_success_resets_the_count_for_the_address(client: TestClient, account) -> None:
    me = account()
    csrf = _csrf(client)
    for _ in range(4):
        assert _login(client, me.user.email, "not the password", csrf).status_code == 401
        csrf = client.cookies.get(console.CSRF_COOKIE)
    assert _login(client, me.user.email, PASSWORD, csrf).status_code == 303
    client.cookies.clear()
    csrf = _csrf(client)
    assert _login(client, me.user.email, "not the password", csrf).status_code == 401


def test_one_ip_trying_many_addresses_is_limited(client: TestClient) -> None:
    csrf = _csrf(client)
    for index in range(throttle.IP_LIMIT):
        assert _login(client, f"nobody{index}@acc.test", "not the password", csrf).status_code == 401
        csrf = client.cookies.get(console.CSRF_COOKIE)
    assert _login(client, "nobody-else@acc.test", "not the password", csrf).status_code == 429


def test_logout_needs_the_session_csrf_token(client: TestClient, session: Session, account) -> None:
    me = account()
    _login(client, me.user.email, PASSWORD, _csrf(client))
    home = client.get("/console/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert token is not None
    assert client.post("/console/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/console/").status_code == 200
    out = client.post("/console/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/console/login")
    assert session.scalar(select(func.count()).select_from(ConsoleSession)) == 0
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_an_inactive_account_cannot_log_in(client: TestClient, session: Session, account) -> None:
    me = account()
    me.user.active = False
    session.flush()
    assert _login(client, me.user.email, PASSWORD, _csrf(client)).status_code == 401
