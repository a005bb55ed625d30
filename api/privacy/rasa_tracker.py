"""Rasa's memory of an erased person's conversation, emptied as well (best effort).

Rasa keeps each conversation's tracker (the texts and slots) in memory: endpoints.yml sets no
tracker store, so a restart forgets everything. Until then, and because a SQLite database may
give an erased person's id to the next person created, the conversation is replaced by an empty
one through Rasa's HTTP API (`rasa run --enable-api --auth-token`, as in the Procfile; this is the
only caller of that API, with SPIE_RASA_AUTH_TOKEN). Called after the
erasure is committed; a Rasa that does not answer is logged, never an error.
"""

import logging
from collections.abc import Iterable

import httpx

from api.config import Settings

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0


def conversation_id(beneficiary_id: int) -> str:
    """The sender id the gateway gives Rasa for a person (bot/inbound.py: f"b-{id}")."""
    return f"b-{beneficiary_id}"


def forget_conversations(beneficiary_ids: Iterable[int], *, settings: Settings) -> int:
    """Replace these people's Rasa trackers by empty ones; how many Rasa accepted.

    Stops at the first failure: a Rasa that is down would fail every call."""
    done = 0
    with httpx.Client(
        base_url=settings.rasa_url.rstrip("/"),
        params={"token": settings.rasa_auth_token},
        timeout=TIMEOUT_SECONDS,
    ) as client:
        for beneficiary_id in beneficiary_ids:
            try:
                client.put(
                    f"/conversations/{conversation_id(beneficiary_id)}/tracker/events", json=[]
                ).raise_for_status()
            except httpx.HTTPError as exc:
                log.warning(
                    "could not empty the Rasa conversation of erased person %s (%s): Rasa forgets it "
                    "when it restarts",
                    beneficiary_id,
                    type(exc).__name__,
                )
                return done
            done += 1
    return done
