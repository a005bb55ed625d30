"""Issue 10, point 8: console login throttling is atomic in the database, per address and IP, per
IP and per address, and slows attackers without locking the real person out."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.accounts import throttle
from api.accounts.models import ApiToken, ConsoleSession, LoginThrottle, User
from api.console import login as console
from api.db import session_scope
from api.main import app
from tests.api.accounts.factories import PASSWORD, make_account

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def browser(ip: str) -> TestClient:
    """A browser on its own IP, with the login form's CSRF token in hand."""
    http = TestClient(app, client=(ip, 50000))
    form = http.get("/console/login")
    assert form.status_code == 200
    return http


def attempt(http: TestClient, email: str, password: str):
    token = http.cookies.get(console.CSRF_COOKIE)
    if token is None:  # the last answer was a redirection (logged in): a fresh form
        token = CSRF_FIELD.search(http.get("/console/login").text).group(1)  # type: ignore[union-attr]
    return http.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def failures(session: Session, key: str) -> int | None:
    return session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == key))


# --------------------------------------------------------------------------- real commits


@pytest.fixture
def committed_user():
    """An account committed for real (the attempts below run on their own connections)."""
    email = f"throttle-{uuid.uuid4().hex[:8]}@acc.test"
    with session_scope() as session:
        make_account(session, email=email)
        session.commit()
    yield email
    with session_scope() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))
        session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
        session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
        session.execute(delete(User).where(User.id == user_id))
        session.execute(delete(LoginThrottle).where(LoginThrottle.key.contains(email)))
        session.execute(delete(LoginThrottle).where(LoginThrottle.key.like("ip:10.9.%")))
        session.commit()


def test_attempts_at_the_same_moment_all_count_and_no_more_than_the_limit_reach_the_password(
    committed_user: str,
) -> None:
    attempts = 12
    browsers = [browser("10.9.0.1") for _ in range(attempts)]
    start = Barrier(attempts)

    def fail(http: TestClient) -> int:
        start.wait()
        return attempt(http, committed_user, "not the password").status_code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        statuses = sorted(pool.map(fail, browsers))
    # A check-then-count limiter lets every one of them through; this one lets exactly 5.
    assert statuses == [401] * throttle.PAIR_LIMIT + [429] * (attempts - throttle.PAIR_LIMIT)
    keys = throttle.keys_for(email=committed_user, ip="10.9.0.1")
    with session_scope() as session:
        assert failures(session, keys.pair) == attempts
        assert failures(session, keys.ip) == attempts
        assert failures(session, keys.address) == attempts
    # Even the right password waits now, from that IP: 429 with a Retry-After.
    blocked = attempt(browsers[0], committed_user, PASSWORD)
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60


# --------------------------------------------------------------------------- in the test's transaction


def test_an_attacker_spraying_an_address_from_many_ips_is_slowed_and_the_person_still_gets_in(
    client: TestClient, session: Session, account
) -> None:
    person = account()
    email = person.user.email
    attackers = [browser(f"198.51.100.{n}") for n in range(1, 31)]
    for http in attackers:  # one wrong guess each: the address is now hot
        assert attempt(http, email, "guess one").status_code == 401
    assert failures(session, throttle.keys_for(email=email, ip="x").address) == 30
    for http in attackers[:5]:  # an IP that already failed on this address gets no second guess
        again = attempt(http, email, "guess two")
        assert again.status_code == 429
        assert int(again.headers["retry-after"]) > 0
    late = attempt(attackers[0], email, PASSWORD)  # not even the right one: it cannot probe
    assert late.status_code == 429
    # The real person, from their own IP, types the right password: in.
    own = browser("203.0.113.7")
    logged_in = attempt(own, email, PASSWORD)
    assert (logged_in.status_code, logged_in.headers["location"]) == (303, "/console/")
    assert own.get("/console/").status_code == 200


def test_a_guesser_on_one_ip_blocks_that_ip_for_that_address_only(
    client: TestClient, session: Session, account
) -> None:
    person = account()
    guesser = browser("198.51.100.200")
    for _ in range(throttle.PAIR_LIMIT):
        assert attempt(guesser, person.user.email, "guess").status_code == 401
    refused = attempt(guesser, person.user.email, PASSWORD)
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.text and "patientez" in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert console.SESSION_COOKIE not in guesser.cookies
    # The person at their office: not locked out.
    assert attempt(browser("203.0.113.8"), person.user.email, PASSWORD).status_code == 303


def test_the_wait_ends_with_the_window_and_a_success_clears_the_address_and_ip(
    client: TestClient, session: Session, account
) -> None:
    person = account()
    keys = throttle.keys_for(email=person.user.email, ip="203.0.113.9")
    with time_machine.travel(T0, tick=False) as clock:
        http = browser("203.0.113.9")
        for _ in range(throttle.PAIR_LIMIT):
            assert attempt(http, person.user.email, "typo").status_code == 401
        assert attempt(http, person.user.email, PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=14))
        retry = attempt(http, person.user.email, PASSWORD)
        assert retry.status_code == 429 and int(retry.headers["retry-after"]) <= 60
        clock.shift(timedelta(minutes=1, seconds=1))
        assert attempt(http, person.user.email, PASSWORD).status_code == 303
        assert failures(session, keys.pair) is None  # a success starts the address and IP afresh
        http.cookies.clear()
        http.get("/console/login")
        assert attempt(http, person.user.email, "typo").status_code == 401


def test_unknown_addresses_are_throttled_like_known_ones(client: TestClient, account) -> None:
    known, unknown = account().user.email, f"nobody-{uuid.uuid4().hex[:6]}@acc.test"
    answers = {}
    for email in (known, unknown):
        http = browser("192.0.2.44" if email == known else "192.0.2.45")
        answers[email] = [attempt(http, email, "guess").status_code for _ in range(throttle.PAIR_LIMIT + 1)]
    assert answers[known] == answers[unknown] == [401] * throttle.PAIR_LIMIT + [429]
