"""Rasa's memory of an erased person's conversation, emptied as well.

Production keeps Rasa's trackers in PostgreSQL (SQLTrackerStore, deploy/rasa/endpoints.yml):
the person's events are deleted from that store's `events` table
(SPIE_RASA_TRACKER_DATABASE_URL). Rasa's HTTP API cannot do it there: replacing a tracker by an
empty one only appends, so the old events would stay.

Without that setting (`make run`) Rasa keeps each tracker in memory and a restart forgets it.
Until then, and because a SQLite database may give an erased person's id to the next person
created, the conversation is replaced by an empty one through Rasa's HTTP API
(`rasa run --enable-api --auth-token`, as in the Procfile; this is the only caller of that API,
with SPIE_RASA_AUTH_TOKEN).

Called after the erasure is committed; a store or a Rasa that does not answer is logged, never an
error (the retention job's next run removes what a failure left: `forget_orphan_conversations`).
"""

import logging
from collections.abc import Iterable

import httpx
from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.beneficiaries.models import Beneficiary
from api.config import Settings

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0
# The table SQLTrackerStore creates (rasa/core/tracker_store.py, SQLEvent), one row per event.
EVENTS_TABLE = "events"
SENDER_PREFIX = "b-"


def conversation_id(beneficiary_id: int) -> str:
    """The sender id the gateway gives Rasa for a person (bot/inbound.py: f"b-{id}")."""
    return f"{SENDER_PREFIX}{beneficiary_id}"


def forget_conversations(beneficiary_ids: Iterable[int], *, settings: Settings) -> int:
    """Empty these people's Rasa conversations; how many were emptied."""
    ids = list(beneficiary_ids)
    if not ids:
        return 0
    if settings.rasa_tracker_database_url:
        return _delete_from_tracker_store(ids, settings.rasa_tracker_database_url)
    return _replace_through_rasa(ids, settings)


def _delete_from_tracker_store(beneficiary_ids: list[int], database_url: str) -> int:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(f"DELETE FROM {EVENTS_TABLE} WHERE sender_id IN :senders").bindparams(
                    bindparam("senders", expanding=True)
                ),
                {"senders": [conversation_id(person) for person in beneficiary_ids]},
            )
    except SQLAlchemyError as exc:
        log.warning(
            "could not delete the Rasa conversations of erased people %s (%s): the retention job will",
            ",".join(map(str, beneficiary_ids)),
            type(exc).__name__,
        )
        return 0
    finally:
        engine.dispose()
    return len(beneficiary_ids)


def _replace_through_rasa(beneficiary_ids: list[int], settings: Settings) -> int:
    """Stops at the first failure: a Rasa that is down would fail every call."""
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


def forget_orphan_conversations(session: Session, *, settings: Settings) -> int:
    """Delete from the tracker store the conversations whose person no longer exists (an
    erasure whose deletion failed, or a turn Rasa was saving at that moment); how many."""
    if not settings.rasa_tracker_database_url:
        return 0
    engine = create_engine(settings.rasa_tracker_database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            senders = connection.scalars(
                text(f"SELECT DISTINCT sender_id FROM {EVENTS_TABLE} WHERE sender_id LIKE :prefix"),
                {"prefix": SENDER_PREFIX + "%"},
            ).all()
            # Read after the senders: a person's row exists before their first message.
            alive = {conversation_id(person) for person in session.scalars(select(Beneficiary.id))}
            orphans = [sender for sender in senders if sender not in alive]
            if orphans:
                connection.execute(
                    text(f"DELETE FROM {EVENTS_TABLE} WHERE sender_id IN :senders").bindparams(
                        bindparam("senders", expanding=True)
                    ),
                    {"senders": orphans},
                )
    except SQLAlchemyError as exc:
        log.warning("could not look for orphan Rasa conversations (%s)", type(exc).__name__)
        return 0
    finally:
        engine.dispose()
    return len(orphans)
