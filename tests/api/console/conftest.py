"""Console pages through a TestClient on the test session (accounts fixtures: tests/api/conftest.py)."""

import re

from fastapi.testclient import TestClient

from tests.api.accounts.factories import PASSWORD, Account

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def log_in(http: TestClient, who: Account) -> str:
    """Log in through the login form; the session's CSRF token, as the pages carry it."""
    form = http.get("/console/login")
    token = CSRF_FIELD.search(form.text)
    assert token is not None
    done = http.post(
        "/console/login",
        data={"email": who.user.email, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = http.get("/console/file")
    assert page.status_code == 200
    session_token = CSRF_FIELD.search(page.text)
    assert session_token is not None
    return session_token.group(1)
