"""The retention job: people inactive for `SPIE_RETENTION_MONTHS` (24 by default) are erased.

A person's last activity is the latest of: their record's creation, their last message, their
latest carnet entry, the end of their latest appointment, their latest invitation. Inactive means
that all of these are older than the cutoff (now minus the period, in calendar months). Erased
in batches, one transaction each, with reason "retention"; each person is checked again under
lock before being erased, so a message recorded in between keeps them, and two schedulers running
the job at once never erase anyone twice. Logs counts and ids, never a name or a number.
"""

import calendar
import logging
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select
from sqlalchemy.orm import Session

from api.agenda.models import Slot
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.carnet.models import CarnetEntry
from api.config import get_settings
from api.db import session_scope, utcnow
from api.errors import Conflict
from api.invitations.models import Invitation
from api.privacy import erasure
from api.privacy.models import ErasureRecord
from api.privacy.rasa_tracker import forget_conversations, forget_orphan_conversations

log = logging.getLogger(__name__)
BATCH_SIZE = 100


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March - 1 month: 28/29 February)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def inactive_clause(cutoff: datetime) -> ColumnElement[bool]:
    """No activity of the person at or after the cutoff."""
    person = Beneficiary.id
    return and_(
        Beneficiary.created_at < cutoff,
        or_(Beneficiary.last_inbound_at.is_(None), Beneficiary.last_inbound_at < cutoff),
        not_(exists().where(CarnetEntry.beneficiary_id == person, CarnetEntry.created_at >= cutoff)),
        not_(
            exists()
            .where(Appointment.beneficiary_id == person)
            .where(Appointment.slot_id == Slot.id, Slot.end >= cutoff)
        ),
        not_(exists().where(Invitation.beneficiary_id == person, Invitation.created_at >= cutoff)),
    )


def inactive_people(
    session: Session, *, now: datetime, months: int | None = None, after_id: int = 0, limit: int | None = None
) -> list[int]:
    """Ids of the people inactive for `months` (the setting by default), by id."""
    cutoff = months_before(now, get_settings().retention_months if months is None else months)
    query = (
        select(Beneficiary.id)
        .where(Beneficiary.id > after_id, inactive_clause(cutoff))
        .order_by(Beneficiary.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _still_inactive(session: Session, beneficiary_id: int, cutoff: datetime) -> bool:
    return (
        session.scalar(
            select(Beneficiary.id).where(Beneficiary.id == beneficiary_id, inactive_clause(cutoff))
        )
        is not None
    )


def purge_inactive(
    session: Session, now: datetime, months: int | None = None, *, batch_size: int = BATCH_SIZE
) -> list[ErasureRecord]:
    """Erase every person inactive for `months` (the setting by default); commits each batch."""
    months = get_settings().retention_months if months is None else months
    if months < 1:
        raise ValueError("the retention period must be at least one month")
    cutoff = months_before(now, months)
    records: list[ErasureRecord] = []
    after_id = 0
    while True:
        candidates = inactive_people(session, now=now, months=months, after_id=after_id, limit=batch_size)
        if not candidates:
            break
        after_id = candidates[-1]
        erased: list[tuple[int, ErasureRecord]] = []
        for beneficiary_id in candidates:
            person = erasure.lock_person(session, beneficiary_id=beneficiary_id)
            if person is None or not _still_inactive(session, beneficiary_id, cutoff):
                continue  # erased by another scheduler, or active again
            try:
                with session.begin_nested():
                    record = erasure.erase_person(session, person, reason="retention", user_id=None, now=now)
            except Conflict:
                log.warning(
                    "retention: person %s kept for now, an import in progress holds them", beneficiary_id
                )
                continue
            erased.append((beneficiary_id, record))
        session.commit()
        records += [record for _, record in erased]
        if erased:
            log.info(
                "retention: erased %d people inactive for %d months (beneficiary ids %s; erasure records %s)",
                len(erased),
                months,
                ",".join(str(person_id) for person_id, _ in erased),
                ",".join(str(record.id) for _, record in erased),
            )
            forget_conversations([person_id for person_id, _ in erased], settings=get_settings())
    log.info(
        "retention: %d people erased in all (inactive since %s)", len(records), cutoff.date().isoformat()
    )
    return records


def run_daily() -> None:
    """The scheduler's daily job (bot/scheduler.py)."""
    with session_scope() as session:
        purge_inactive(session, utcnow())
        orphans = forget_orphan_conversations(session, settings=get_settings())
    if orphans:
        log.info("retention: %d Rasa conversations of erased people deleted", orphans)
