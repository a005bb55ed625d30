"""The gateway's per-sender workers (bot/inbound.py) reach stored inbound messages through these.

Each function is one transaction of its own, committed before it returns: the worker decides
what to do next, these read and write the rows.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from api.config import Settings
from api.db import session_scope
from api.inbound import triage
from api.messaging import sender_leases
from api.messaging.inbound import (
    AlreadyProcessed,
    begin_attempt,
    next_unprocessed,
    note_failure,
    senders_with_unprocessed,
)
from api.messaging.models import InboundMessage

log = logging.getLogger(__name__)


def senders_waiting() -> list[str]:
    """Senders with messages stored but not handled."""
    with session_scope() as session:
        return senders_with_unprocessed(session)


def take_lease(*, phone: str, owner: str, dead_after: timedelta) -> bool:
    """Take (or keep) the sender's lease; False while another live gateway holds it."""
    with session_scope() as session:
        taken = sender_leases.take(session, phone=phone, owner=owner, dead_after=dead_after)
        session.commit()
        return taken


def release_lease(*, phone: str, owner: str) -> None:
    with session_scope() as session:
        sender_leases.release(session, phone=phone, owner=owner)
        session.commit()


def next_id(*, from_phone: str) -> int | None:
    """The id of the sender's oldest message still to handle."""
    with session_scope() as session:
        message = next_unprocessed(session, from_phone=from_phone)
        return message.id if message else None


def begin(*, inbound_id: int, max_attempts: int) -> bool:
    """Count this handling before it begins; False when the message needs none (done, or given up now)."""
    with session_scope() as session:
        inbound = session.get(InboundMessage, inbound_id)
        if inbound is None or inbound.state != "received":
            return False
        if inbound.attempts >= max_attempts:
            # Its last attempt ended with the process (a crash, a kill): give it up.
            triage.give_up(session, inbound=inbound)
            session.commit()
            return False
        begin_attempt(session, message=inbound)
        session.commit()
        return True


def attempt_failed(*, inbound_id: int, error: str, max_attempts: int) -> None:
    """Keep why this handling failed; the last allowed one gives the message up into the queue."""
    with session_scope() as session:
        inbound = session.get(InboundMessage, inbound_id)
        if inbound is None or inbound.state != "received":
            return
        note_failure(session, message=inbound, error=error)
        if inbound.attempts >= max_attempts:
            log.error("inbound message %s given up after %d attempts", inbound_id, inbound.attempts)
            triage.give_up(session, inbound=inbound)
        session.commit()


def triage_message(*, inbound_id: int, settings: Settings) -> triage.ForwardToRasa | None:
    """Triage the stored message (api/inbound/triage.py) and commit what it did."""
    with session_scope() as session:
        inbound = session.get(InboundMessage, inbound_id)
        assert inbound is not None
        forward = triage.triage(session, inbound=inbound, settings=settings)
        session.commit()
        return forward


def record(function: Callable[..., None], /, **kwargs) -> None:
    """Record the outcome with `function` (triage.record_rasa_reply or record_rasa_failure) and
    mark the message handled in one transaction, once."""
    with session_scope() as session:
        try:
            function(session, **kwargs)
        except AlreadyProcessed:
            return  # rolled back: the first recording stands
        session.commit()
