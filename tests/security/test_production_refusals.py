"""Point 4: production refuses unsafe settings at start-up, naming the setting."""

import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text

from api.config import Settings
from tests.e2e.system import ROOT, free_port

SAFE = {
    "environment": "production",
    "database_url": "postgresql+psycopg://spie@db.internal/spie",
    "bot_token": "b" * 40,
    "gateway_signing_key": "g" * 40,
    "rasa_auth_token": "r" * 40,
    "twilio_account_sid": "AC" + "0" * 32,
    "twilio_auth_token": "t" * 40,
    "public_base_url": "https://sms.departement.fr",
    "redis_url": "redis://redis.internal:6379/0",
    "rasa_tracker_database_url": "postgresql+psycopg://rasa@db.internal/spie_rasa",
}

UNSAFE = [
    ("database_url", "sqlite:///var/spie.db", "SPIE_DATABASE_URL"),
    ("bot_token", "dev-bot-token", "SPIE_BOT_TOKEN"),
    ("bot_token", "", "SPIE_BOT_TOKEN"),
    ("gateway_signing_key", "dev-gateway-signing-key", "SPIE_GATEWAY_SIGNING_KEY"),
    ("gateway_signing_key", "short", "SPIE_GATEWAY_SIGNING_KEY"),
    ("rasa_auth_token", "dev-rasa-auth-token", "SPIE_RASA_AUTH_TOKEN"),
    ("twilio_auth_token", "dev-auth-token", "SPIE_TWILIO_AUTH_TOKEN"),
    ("twilio_account_sid", "", "SPIE_TWILIO_ACCOUNT_SID"),
    ("public_base_url", "http://sms.departement.fr", "SPIE_PUBLIC_BASE_URL"),
    ("redis_url", "", "SPIE_REDIS_URL"),
    ("rasa_tracker_database_url", "", "SPIE_RASA_TRACKER_DATABASE_URL"),
    ("gateway_signing_key", "b" * 40, "must all differ"),
]


def test_safe_production_settings_start() -> None:
    settings = Settings(_env_file=None, **SAFE)
    assert not settings.simulator_enabled


@pytest.mark.parametrize(("field", "value", "named"), UNSAFE)
def test_each_unsafe_setting_is_refused_by_name(field: str, value: str, named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        Settings(_env_file=None, **{**SAFE, field: value})


def test_the_simulator_exists_only_outside_production() -> None:
    assert Settings(_env_file=None, environment="development").simulator_enabled
    development_with_twilio = Settings(_env_file=None, environment="development", twilio_account_sid="AC1")
    assert not development_with_twilio.simulator_enabled


def production_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SPIE_")}
    env.update({f"SPIE_{key.upper()}": value for key, value in SAFE.items()})
    env.update(overrides)
    return env


@pytest.mark.parametrize("app", ["api.main:app", "api.internal_main:app", "bot.main:app"])
def test_processes_do_not_start_with_the_defaults_in_production(app: str) -> None:
    """Only SPIE_ENVIRONMENT=production set: every default that is unsafe is named."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SPIE_")}
    env["SPIE_ENVIRONMENT"] = "production"
    done = subprocess.run(
        [sys.executable, "-m", "uvicorn", app, "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    for setting in (
        "SPIE_DATABASE_URL",
        "SPIE_BOT_TOKEN",
        "SPIE_GATEWAY_SIGNING_KEY",
        "SPIE_TWILIO_ACCOUNT_SID",
        "SPIE_REDIS_URL",
    ):
        assert setting in done.stderr, done.stderr[-2000:]


@pytest.fixture
def production_database(database_url: str):
    """A PostgreSQL database of its own, migrated, with the demo accounts of `make run`."""
    if not database_url.startswith("postgresql"):
        pytest.skip("production runs on PostgreSQL only: checked in the PostgreSQL run")
    name = f"spie_prod_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = database_url.rsplit("/", 1)[0] + f"/{name}"
    development = {**production_env(SPIE_DATABASE_URL=url), "SPIE_ENVIRONMENT": "development"}
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=development, check=True
    )
    subprocess.run(
        [sys.executable, "-m", "api.demo"], cwd=ROOT, env=development, check=True, capture_output=True
    )
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def test_demo_accounts_stop_the_api_and_the_gateway_has_no_simulator(production_database: str) -> None:
    env = production_env(SPIE_DATABASE_URL=production_database)
    done = subprocess.run(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "demo accounts present" in done.stderr, done.stderr[-2000:]
    assert "admin@demo.local" in done.stderr

    port = free_port()
    gateway = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bot.main:app", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert gateway.poll() is None and time.monotonic() < deadline, (
                "the production gateway did not start"
            )
            time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/simulateur").status_code == 404
        assert httpx.post(f"http://127.0.0.1:{port}/simulateur/messages", json={}).status_code == 404
    finally:
        gateway.terminate()
        gateway.wait(timeout=15)
