"""Starts the real processes (Rasa, action server, API, gateway) for end-to-end tests."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import make_url

from tests.fakes.twilio_fake import FakeTwilioServer, FakeTwilioState, signed_post

ROOT = Path(__file__).resolve().parents[2]
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "current.tar.gz"
PUBLIC_BASE_URL = "https://sms.spie.test"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], T], *, timeout: float = 30, interval: float = 0.2, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(interval)


@dataclass(frozen=True)
class ProductionStores:
    """Rasa on the production layout's stores (deploy/rasa/endpoints.yml): its trackers in a
    PostgreSQL database of their own, its locks and the shared Twilio cap in Redis."""

    tracker_database_url: str  # SQLAlchemy URL (psycopg), as SPIE_RASA_TRACKER_DATABASE_URL
    redis_url: str
    redis_key_prefix: str

    def rasa_env(self, actions_url: str) -> dict[str, str]:
        tracker, redis = make_url(self.tracker_database_url), urlsplit(self.redis_url)
        return {
            "RASA_ACTIONS_URL": actions_url,
            "RASA_TRACKER_HOST": tracker.host or "127.0.0.1",
            "RASA_TRACKER_PORT": str(tracker.port or 5432),
            "RASA_TRACKER_DB": tracker.database or "",
            "RASA_TRACKER_USER": tracker.username or "",
            "RASA_TRACKER_PASSWORD": tracker.password or "",
            "RASA_LOCK_REDIS_HOST": redis.hostname or "127.0.0.1",
            "RASA_LOCK_REDIS_PORT": str(redis.port or 6379),
            "RASA_LOCK_REDIS_DB": redis.path.lstrip("/") or "0",
        }


class System:
    def __init__(self, database_url: str, log_dir: Path, stores: ProductionStores | None = None) -> None:
        if not MODEL.exists():
            raise RuntimeError(f"{MODEL} is missing: run 'make model' (make test does it)")
        self.database_url = database_url
        self.log_dir = log_dir
        self.stores = stores
        self.ports = {
            name: free_port() for name in ("api", "internal", "gateway", "actions", "rasa", "twilio")
        }
        self.account_sid = "AC" + uuid.uuid4().hex
        self.auth_token = uuid.uuid4().hex
        # The platform operator, made by the real CLI in start(); admin of each test organisation.
        self.admin_email = "e2e-operator@spie.test"
        self.admin_password = uuid.uuid4().hex
        self.bot_token = "e2e-bot-token"
        self.gateway_signing_key = "e2e-gateway-signing-key-" + uuid.uuid4().hex
        self.rasa_auth_token = "e2e-rasa-token-" + uuid.uuid4().hex
        self.api_url = f"http://127.0.0.1:{self.ports['api']}"
        self.internal_url = f"http://127.0.0.1:{self.ports['internal']}"
        self.gateway_url = f"http://127.0.0.1:{self.ports['gateway']}"
        self.rasa_url = f"http://127.0.0.1:{self.ports['rasa']}"
        self.twilio = FakeTwilioServer(
            FakeTwilioState(
                self.account_sid, self.auth_token, url_rewrites={PUBLIC_BASE_URL: self.gateway_url}
            ),
            self.ports["twilio"],
        )
        self._processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self._health: dict[str, str] = {}
        self.api = httpx.Client(base_url=self.api_url, timeout=30)  # bearer token set by start()
        self.http = httpx.Client(timeout=30)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SPIE_ENVIRONMENT": "test",
            "SPIE_DATABASE_URL": self.database_url,
            "SPIE_BOT_API_URL": self.internal_url,
            "SPIE_BOT_TOKEN": self.bot_token,
            "SPIE_GATEWAY_SIGNING_KEY": self.gateway_signing_key,
            "SPIE_RASA_AUTH_TOKEN": self.rasa_auth_token,
            "SPIE_RASA_URL": self.rasa_url,
            "SPIE_PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "SPIE_TWILIO_ACCOUNT_SID": self.account_sid,
            "SPIE_TWILIO_AUTH_TOKEN": self.auth_token,
            "SPIE_TWILIO_API_BASE_URL": self.twilio.base_url,
            "SPIE_OUTBOX_POLL_SECONDS": "0.2",
            "SPIE_SCHEDULER_INTERVAL_SECONDS": "0.5",
            **(
                {
                    "SPIE_RASA_TRACKER_DATABASE_URL": self.stores.tracker_database_url,
                    "SPIE_REDIS_URL": self.stores.redis_url,
                    "SPIE_REDIS_KEY_PREFIX": self.stores.redis_key_prefix,
                }
                if self.stores
                else {}
            ),
        }

    def _start(self, name: str, args: list[str], **extra_env: str) -> None:
        mode = "ab" if name in self._commands else "wb"  # a restarted process appends to its log
        self._commands[name] = (args, extra_env)
        log = open(self.log_dir / f"{name}.log", mode)  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            args, cwd=ROOT, env={**self.env(), **extra_env}, stdout=log, stderr=subprocess.STDOUT
        )
        self._processes.append((name, process))

    def kill(self, name: str) -> None:
        """SIGKILL one of the processes, as a crash or the OOM killer would."""
        for index, (running, process) in enumerate(self._processes):
            if running == name and process.poll() is None:
                process.kill()
                process.wait()
                del self._processes[index]
                return
        raise AssertionError(f"{name} is not running")

    def restart(self, name: str) -> None:
        """Start a killed process again with the same command, and wait until it answers."""
        args, extra_env = self._commands[name]
        self._start(name, args, **extra_env)
        if name in self._health:
            wait_for(
                lambda: self._up(self._health[name]), timeout=180, interval=0.3, what=f"{name} to restart"
            )

    def _cli(self, *args: str, stdin: str = "") -> str:
        """Run `python -m api.accounts.cli` against the test database; its standard output."""
        done = subprocess.run(
            [sys.executable, "-m", "api.accounts.cli", *args],
            cwd=ROOT,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"api.accounts.cli {args[0]} failed:\n{done.stderr}")
        return done.stdout

    def bootstrap_accounts(self) -> None:
        """The platform operator and an API token, through the real command, before the API starts."""
        operator = ["--email", self.admin_email, "--superadmin", "--password-stdin"]
        self._cli("create-admin", *operator, stdin=self.admin_password + "\n")
        token = self._cli("create-token", "--email", self.admin_email, "--name", "e2e").strip()
        self.api.headers["Authorization"] = f"Bearer {token}"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.bootstrap_accounts()
        self.twilio.start()
        actions_url = f"http://127.0.0.1:{self.ports['actions']}/webhook"
        rasa_env: dict[str, str] = {}
        if self.stores:
            endpoints = ROOT / "deploy" / "rasa" / "endpoints.yml"
            rasa_env = self.stores.rasa_env(actions_url)
        else:
            endpoints = Path(tempfile.mkdtemp()) / "endpoints.yml"
            endpoints.write_text(f"action_endpoint:\n  url: {actions_url}\n")
        self._start(
            "actions",
            [str(RASA_BIN), "run", "actions", "--actions", "actions", "--port", str(self.ports["actions"])],
            SANIC_HOST="127.0.0.1",  # as in the Procfile: rasa_sdk listens on 0.0.0.0 otherwise
        )
        self._start(
            "rasa",
            [
                str(RASA_BIN),
                "run",
                "--interface",
                "127.0.0.1",
                "--enable-api",
                "--auth-token",
                self.rasa_auth_token,
                "-m",
                str(MODEL),
                "--port",
                str(self.ports["rasa"]),
                "--endpoints",
                str(endpoints),
                "--credentials",
                "credentials.yml",
            ],
            **rasa_env,
        )
        uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning"]
        self._start("api", [*uvicorn, "api.main:app", "--port", str(self.ports["api"])])
        self._start("internal", [*uvicorn, "api.internal_main:app", "--port", str(self.ports["internal"])])
        self._start("gateway", [*uvicorn, "bot.main:app", "--port", str(self.ports["gateway"])])
        self._start("scheduler", [sys.executable, "-m", "bot.scheduler"])
        self._health = checks = {
            "api": f"{self.api_url}/health",
            "internal": f"{self.internal_url}/health",
            "gateway": f"{self.gateway_url}/health",
            "actions": f"http://127.0.0.1:{self.ports['actions']}/health",
            "rasa": f"{self.rasa_url}/status?token={self.rasa_auth_token}",
        }
        for name, url in checks.items():
            wait_for(lambda url=url: self._up(url), timeout=180, interval=0.5, what=f"{name} to start")

    def _up(self, url: str) -> bool:
        for name, process in self._processes:
            if process.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
        try:
            return self.http.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        for _name, process in self._processes:
            process.terminate()
        for _name, process in self._processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.twilio.stop()
        self.api.close()
        self.http.close()

    # --- acting as Twilio -------------------------------------------------
    def inbound_params(
        self, from_address: str, body: str, sid: str | None = None, **extra: str
    ) -> dict[str, str]:
        params = {
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "SmsMessageSid": sid or "SM" + uuid.uuid4().hex,
            "AccountSid": self.account_sid,
            "From": from_address,
            "To": "whatsapp:+33757000000" if from_address.startswith("whatsapp:") else "38123",
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        params.update(extra)
        return params

    def post_inbound(self, params: dict[str, str], signature: str | None = None) -> httpx.Response:
        path = "/webhooks/twilio/messages"
        if signature is not None:
            return self.http.post(
                self.gateway_url + path, data=params, headers={"X-Twilio-Signature": signature}
            )
        return signed_post(
            self.http,
            auth_token=self.auth_token,
            public_url=PUBLIC_BASE_URL + path,
            post_url=self.gateway_url + path,
            params=params,
        )

    def text(self, from_address: str, body: str, **extra: str) -> httpx.Response:
        response = self.post_inbound(self.inbound_params(from_address, body, **extra))
        assert response.status_code == 200, response.text
        return response

    def replies_to(self, address: str) -> list[dict[str, Any]]:
        return self.twilio.messages_to(address)

    def wait_replies(self, address: str, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        def enough() -> list[dict[str, Any]] | None:
            replies = self.replies_to(address)
            return replies if len(replies) >= count else None

        return wait_for(enough, timeout=timeout, what=f"{count} messages to {address}")


@contextlib.contextmanager
def running_system(database_url: str, name: str, stores: ProductionStores | None = None) -> Iterator[System]:
    """The whole system for a test package, its logs in test-artifacts/<name>-<backend>/."""
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    system = System(database_url, log_dir=ROOT / "test-artifacts" / f"{name}-{backend}", stores=stores)
    try:
        system.start()
        yield system
    finally:
        system.stop()
