"""The gateway process: Twilio webhooks in, Rasa in the middle, outbox out."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from api.config import get_settings
from api.errors import install_error_handler
from api.hsts import StrictTransportSecurity
from api.privacy import log_masking
from api.request_limits import RequestBodyLimit, gateway_limits
from bot import simulator, twilio_webhooks
from bot.inbound import InboundProcessor
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.senders import make_sender
from bot.rasa_client import RasaClient


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    rasa = RasaClient(settings.rasa_urls or [settings.rasa_url], timeout=settings.rasa_timeout_seconds)
    dispatcher = OutboxDispatcher(make_sender(settings), settings)
    processor = InboundProcessor(rasa=rasa, dispatcher=dispatcher, settings=settings)
    app.state.processor = processor
    app.state.dispatcher = dispatcher
    processor.resume_unfinished()
    sweeper = asyncio.create_task(dispatcher.run_forever())
    resumer = asyncio.create_task(processor.keep_resuming(settings.outbox_dead_after_seconds / 2))
    try:
        yield
    finally:
        sweeper.cancel()
        resumer.cancel()
        await processor.drain()
        await rasa.aclose()
        await asyncio.to_thread(dispatcher.close)


def create_app() -> FastAPI:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log_masking.install()  # no phone number in any log line, uvicorn's access log included
    # The Twilio client logs each request's headers at INFO: costly and full of phone numbers.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    settings = get_settings()
    app = FastAPI(title="SPIE assistant gateway", lifespan=lifespan)
    install_error_handler(app)
    # A webhook over 64 KiB is refused before it is parsed or its signature checked.
    app.add_middleware(RequestBodyLimit, limit_for=gateway_limits())
    app.add_middleware(StrictTransportSecurity)  # production only (api/hsts.py)
    app.include_router(twilio_webhooks.router)
    if settings.simulator_enabled:
        app.include_router(simulator.router)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
