"""The internal bot API process: only the endpoints the Rasa actions call (docs/bot-api.md).

A listener of its own (loopback, port 8002 in the Procfile), so that the console's and the
REST API's listener can face a reverse proxy without exposing the bot's endpoints.
"""

import logging

from fastapi import FastAPI

from api.botapi.routes import router as bot_router
from api.config import get_settings
from api.errors import install_error_handler
from api.privacy import log_masking
from api.request_limits import BodyLimit, RequestBodyLimit, json_too_large


def create_internal_app() -> FastAPI:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log_masking.install()
    get_settings()  # unsafe production settings stop the process here, each named
    app = FastAPI(title="SPIE assistant internal bot API", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handler(app)
    app.include_router(bot_router)
    max_bytes = get_settings().max_json_bytes
    app.add_middleware(RequestBodyLimit, limit_for=lambda _scope: BodyLimit(max_bytes, json_too_large))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_internal_app()
