"""Test database: SQLite by default, PostgreSQL with SPIE_TEST_DATABASE_URL.

The schema is built by the Alembic migrations once per run; each test runs in a
transaction rolled back at the end.
"""

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_tmp = Path(tempfile.mkdtemp(prefix="spie-tests-"))
TEST_DATABASE_URL = os.environ.get("SPIE_TEST_DATABASE_URL") or f"sqlite:///{_tmp / 'test.db'}"
os.environ["SPIE_DATABASE_URL"] = TEST_DATABASE_URL
os.environ["SPIE_ENVIRONMENT"] = "test"
# In-process tests of the gateway see Rasa down (nothing listens on port 9); e2e tests start their own.
os.environ["SPIE_RASA_URL"] = "http://127.0.0.1:9"
os.environ["SPIE_RASA_TIMEOUT_SECONDS"] = "2"

import redis  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from api.db import get_engine, get_session  # noqa: E402
from api.main import app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The actions' unit tests need rasa_sdk (.venv-rasa, Python 3.10): `make test-actions` runs them.
collect_ignore = ["actions"]


def _reset_schema() -> None:
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    command.upgrade(config, "head")


@pytest.fixture(scope="session")
def database_url() -> str:
    return TEST_DATABASE_URL


@pytest.fixture(scope="session", autouse=True)
def _schema() -> None:
    _reset_schema()


@pytest.fixture
def session() -> Iterator[Session]:
    """Code under test may commit: its commits stay inside this transaction, rolled back at the end."""
    connection = get_engine().connect()
    transaction = connection.begin()
    if connection.dialect.name == "sqlite":
        # pysqlite begins lazily: without this, the session's first SAVEPOINT would open the
        # transaction itself and its RELEASE (a session.commit()) would commit for real.
        connection.exec_driver_sql("BEGIN")
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    """The API app answering on this test's session (rolled back at the end)."""

    def _session() -> Iterator[Session]:
        yield session
        session.flush()

    app.dependency_overrides[get_session] = _session
    try:
        yield TestClient(app)
    finally:
        app.dependency_overrides.pop(get_session, None)


TEST_REDIS_URL = os.environ.get("SPIE_TEST_REDIS_URL") or "redis://127.0.0.1:6379/5"


def redis_reachable(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis unreachable at {url} ({exc}): run scripts/ensure-services.sh")
    finally:
        client.close()


@pytest.fixture
def redis_url() -> str:
    """The test Redis (scripts/ensure-services.sh starts it); each test writes under its own prefix."""
    redis_reachable(TEST_REDIS_URL)
    return TEST_REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"spie-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()
