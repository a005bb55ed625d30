"""One settings object per process, read from SPIE_* environment variables."""

from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_BOT_TOKEN = "dev-bot-token"
DEV_AUTH_TOKEN = "dev-auth-token"
DEV_GATEWAY_SIGNING_KEY = "dev-gateway-signing-key"
DEV_RASA_AUTH_TOKEN = "dev-rasa-auth-token"
# A production secret is at least this long (32 random characters: `openssl rand -hex 16` or more).
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPIE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/spie.db"

    # The action server's key to the internal bot API (api/internal_main.py, port 8002).
    bot_token: str = DEV_BOT_TOKEN
    # The gateway signs each message it forwards to Rasa with it (api/botapi/voucher.py);
    # Rasa's input channel and the internal bot API check it. The action server never has it.
    gateway_signing_key: str = DEV_GATEWAY_SIGNING_KEY

    # Public URL Twilio calls (it signs this exact URL): scheme, host, no trailing slash.
    public_base_url: str = "http://127.0.0.1:8001"
    rasa_url: str = "http://127.0.0.1:5005"
    # Several Rasa replicas, as JSON ('["http://127.0.0.1:5005", "http://127.0.0.1:5015"]'): the
    # gateway sends each person to one of them (bot/rasa_client.py). Empty: SPIE_RASA_URL alone.
    rasa_urls: list[str] = []
    rasa_timeout_seconds: float = 20.0
    # Rasa's HTTP API token (`rasa run --auth-token`); only the RGPD erasure uses that API.
    rasa_auth_token: str = DEV_RASA_AUTH_TOKEN
    # Rasa's tracker store in PostgreSQL (deploy/rasa/endpoints.yml), as a SQLAlchemy URL: the
    # RGPD erasure deletes a person's conversation there. Empty (`make run`): Rasa keeps its
    # trackers in memory and erasure empties them through Rasa's HTTP API. Production needs it.
    rasa_tracker_database_url: str = ""

    # Twilio. Without an account SID, messages go to the local outbox (simulator).
    twilio_account_sid: str = ""
    twilio_auth_token: str = DEV_AUTH_TOKEN
    twilio_api_base_url: str = ""
    twilio_sms_from: str = "38123"
    twilio_whatsapp_from: str = "+33757000000"
    twilio_timeout_seconds: float = 10.0

    # WhatsApp approved templates by message kind ("reminder", "relance"), as JSON.
    whatsapp_templates: dict[str, str] = {}
    # Twilio's throughput cap per sender number; the sending processes never go faster. With
    # SPIE_REDIS_URL it is one cap for the whole cluster; without, each process has its own.
    max_messages_per_second: float = 30.0
    # Redis, where every process shares state: the cap above (one bucket per sender number).
    # Empty (`make run`, most tests): a bucket per process. Required in production, where the
    # gateways and schedulers always send side by side (docs/production.md).
    redis_url: str = ""
    # Prefix of every key this project writes in Redis (several deployments may share one).
    redis_key_prefix: str = "spie:"
    outbox_send_concurrency: int = 8
    scheduler_interval_seconds: float = 30.0
    sweep_batch_size: int = 200

    max_inbound_chars: int = 640
    # The same text from the same number within this many seconds acts once (a double tap).
    double_tap_seconds: float = 10.0
    # Handlings of one inbound message before it is given up into the professionals' queue
    # (a crash in the middle counts as one): the sender's next messages then go on.
    inbound_max_attempts: int = 3
    # Request limits (api/request_limits.py), in bytes. A Twilio webhook is 1-2 KiB, ~20-40 fields.
    max_webhook_bytes: int = 64 * 1024
    max_webhook_fields: int = 100
    # A CSV file of beneficiaries (console and REST); 50,000 rows fit in it.
    max_upload_bytes: int = 5 * 1024 * 1024
    # A data·inclusion export posted to /api/offers/import.
    max_offers_import_bytes: int = 32 * 1024 * 1024
    # Every other request body: JSON of the REST and bot APIs, console forms.
    max_json_bytes: int = 1024 * 1024
    outbox_poll_seconds: float = 1.0
    outbox_max_attempts: int = 5
    # A dispatcher beats this often; one silent for outbox_dead_after_seconds is dead, and
    # its claims are resolved (looked up at Twilio) by the others or by its successor.
    outbox_heartbeat_seconds: float = 2.0
    outbox_dead_after_seconds: float = 10.0
    # Touched after each heartbeat that reached the database: the scheduler's health check
    # (`python -m bot.healthcheck <file>`, deploy/systemd/spie-scheduler@.service). Empty: none.
    heartbeat_file: str = ""
    invitation_slot_count: int = 4
    # How far ahead slots are generated from the plages d'ouverture (api/agenda/openings.py).
    slot_horizon_days: int = 56
    # RGPD: people with no activity for this long are erased by the retention job.
    retention_months: int = 24
    # A console session unused for this long is closed (login again); 8 hours at most anyway.
    console_idle_minutes: int = Field(default=30, ge=1, le=480)
    # Orientation requests to a structure without an account go by e-mail (api/orientations/mail.py),
    # through this SMTP server: by default a local one (a relay, or the development sink
    # `python -m api.orientations.mail_sink`). The answer link in the mail starts with console_base_url.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_from: str = "orientations@spie.localhost"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_max_attempts: int = 8
    console_base_url: str = "http://127.0.0.1:8000"
    # An orientation request unanswered this many days gets a reminder, and expires after the other.
    orientation_reminder_days: int = 10
    orientation_expiry_days: int = 30

    @property
    def console_idle_timeout(self) -> timedelta:
        return timedelta(minutes=self.console_idle_minutes)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid)

    @property
    def simulator_enabled(self) -> bool:
        """The local chat page replaces Twilio only outside production, and only with no account."""
        return self.environment != "production" and not self.twilio_enabled

    @model_validator(mode="after")
    def refuse_unsafe_production(self) -> "Settings":
        if self.environment == "production":
            problems = production_problems(self)
            if problems:
                raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self


def production_problems(settings: Settings) -> list[str]:
    """What production refuses, each naming its setting (docs/security.md)."""
    problems = []
    if settings.database_url.startswith("sqlite"):
        problems.append("SPIE_DATABASE_URL is SQLite: use PostgreSQL")
    secrets = {
        "SPIE_BOT_TOKEN": (settings.bot_token, DEV_BOT_TOKEN),
        "SPIE_GATEWAY_SIGNING_KEY": (settings.gateway_signing_key, DEV_GATEWAY_SIGNING_KEY),
        "SPIE_RASA_AUTH_TOKEN": (settings.rasa_auth_token, DEV_RASA_AUTH_TOKEN),
        "SPIE_TWILIO_AUTH_TOKEN": (settings.twilio_auth_token, DEV_AUTH_TOKEN),
    }
    for name, (value, development_value) in secrets.items():
        if value == development_value or len(value) < MIN_SECRET_LENGTH:
            problems.append(f"{name} is empty, the development value or shorter than {MIN_SECRET_LENGTH}")
    if len(set(value for value, _ in secrets.values())) < len(secrets):
        problems.append(
            "SPIE_BOT_TOKEN, SPIE_GATEWAY_SIGNING_KEY, SPIE_RASA_AUTH_TOKEN and "
            "SPIE_TWILIO_AUTH_TOKEN must all differ"
        )
    if not settings.twilio_enabled:
        problems.append("SPIE_TWILIO_ACCOUNT_SID is empty: the simulator exists only in development")
    if not settings.redis_url:
        problems.append(
            "SPIE_REDIS_URL is empty: the gateways and schedulers must share one Twilio cap per "
            "sender number through Redis"
        )
    if not settings.rasa_tracker_database_url:
        problems.append(
            "SPIE_RASA_TRACKER_DATABASE_URL is empty: Rasa's replicas keep the conversations in "
            "PostgreSQL, and erasure must reach them there"
        )
    if not settings.public_base_url.startswith("https://"):
        problems.append("SPIE_PUBLIC_BASE_URL must be https:// (Twilio signs that URL)")
    return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
