"""Demo accounts for `make run`: a platform operator who is admin of the demo organisation, and an agent.

Development only: the passwords and the API token below are public.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts import service
from api.accounts.models import ApiToken
from api.config import get_settings

DEMO_ADMIN_EMAIL = "admin@demo.local"
DEMO_ADMIN_PASSWORD = "demo-admin-password"
DEMO_AGENT_EMAIL = "agent@demo.local"
DEMO_AGENT_PASSWORD = "demo-agent-password"
DEMO_API_TOKEN = "spie_demo-token-for-local-development-only"


def load_demo_accounts(session: Session, *, organisation_id: int, now: datetime) -> list[str]:
    """Create the demo accounts and the admin's API token if missing; lines to print."""
    if get_settings().environment == "production":
        raise RuntimeError("demo accounts are for development only")
    admin = service.find_user(session, email=DEMO_ADMIN_EMAIL) or service.create_user(
        session, email=DEMO_ADMIN_EMAIL, password=DEMO_ADMIN_PASSWORD, is_superadmin=True
    )
    agent = service.find_user(session, email=DEMO_AGENT_EMAIL) or service.create_user(
        session, email=DEMO_AGENT_EMAIL, password=DEMO_AGENT_PASSWORD
    )
    service.set_membership(session, user_id=admin.id, organisation_id=organisation_id, role="admin")
    service.set_membership(session, user_id=agent.id, organisation_id=organisation_id, role="agent")
    token_hash = service.sha256(DEMO_API_TOKEN)
    if session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash)) is None:
        session.add(
            ApiToken(user_id=admin.id, name="demo", token_hash=token_hash, created_at=now, revoked=False)
        )
        session.flush()
    return [
        f"console: http://127.0.0.1:8000/console/ ({DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}, "
        f"or {DEMO_AGENT_EMAIL} / {DEMO_AGENT_PASSWORD})",
        f"API: bearer token {DEMO_API_TOKEN} ({DEMO_ADMIN_EMAIL}, admin of the demo organisation)",
    ]


def demo_accounts_present(session: Session) -> list[str]:
    """The public demo logins or token found in this database (production refuses to start with any)."""
    emails = (DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL)
    found = [email for email in emails if service.find_user(session, email=email)]
    token_hash = service.sha256(DEMO_API_TOKEN)
    if session.scalar(select(ApiToken.id).where(ApiToken.token_hash == token_hash)) is not None:
        found.append("the demo API token")
    return found
