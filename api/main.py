"""The API process: REST API and console for professionals (the bot's endpoints: api/internal_main.py)."""

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from api.accounts.demo import demo_accounts_present
from api.accounts.organisation_routes import router as organisations_router
from api.accounts.routes import router as accounts_router
from api.agenda.routes import router as agenda_router
from api.appointments.agenda_routes import router as agenda_changes_router
from api.appointments.routes import router as appointments_router
from api.barriers.routes import router as barriers_router
from api.beneficiaries.import_routes import router as imports_router
from api.beneficiaries.routes import router as beneficiaries_router
from api.carnet.routes import router as carnet_router
from api.config import get_settings
from api.consent_question.routes import router as consent_question_router
from api.console.login import router as console_router
from api.console.rendering import too_large_page
from api.console.routes import install_console
from api.db import session_scope
from api.errors import install_error_handler
from api.figures.routes import router as figures_router
from api.followers.routes import router as followers_router
from api.handoffs.routes import router as handoffs_router
from api.hsts import StrictTransportSecurity
from api.invitations.routes import router as invitations_router
from api.messaging.routes import router as messaging_router
from api.offers.routes import router as offers_router
from api.orientations.routes import router as orientations_router
from api.privacy import log_masking
from api.privacy.handover_routes import router as handover_router
from api.privacy.routes import router as privacy_router
from api.request_limits import RequestBodyLimit, api_limits
from api.scheduling.routes import router as scheduling_router

# The REST API, one router per domain (each in its domain's package: api/<domain>/routes.py).
API_ROUTERS = (
    organisations_router,
    agenda_changes_router,  # before agenda_router: POST /api/absences stays listed before its GET
    agenda_router,
    beneficiaries_router,
    appointments_router,
    carnet_router,
    followers_router,
    consent_question_router,
    invitations_router,
    scheduling_router,
    barriers_router,
    handoffs_router,
    messaging_router,
    offers_router,
    orientations_router,
    imports_router,
    figures_router,
    privacy_router,
    handover_router,
    accounts_router,
)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    if get_settings().environment == "production":
        with session_scope() as session:
            demo = demo_accounts_present(session)
        if demo:
            raise RuntimeError(
                f"demo accounts present in production ({', '.join(demo)}): delete them before starting"
            )
    yield


def create_app() -> FastAPI:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log_masking.install()  # no phone number in any log line, uvicorn's access log included
    app = FastAPI(title="SPIE assistant API", version="0.1.0", lifespan=lifespan)
    install_error_handler(app)
    for area in API_ROUTERS:
        app.include_router(area)
    app.include_router(console_router)
    install_console(app)  # the console's pages and its DSFR assets (fails to start without them)
    # Bodies over their cap are refused before any parsing: 413, in French on console pages.
    app.add_middleware(RequestBodyLimit, limit_for=api_limits(too_large_page))
    app.add_middleware(StrictTransportSecurity)  # production only (api/hsts.py)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
