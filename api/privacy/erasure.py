"""Erasing a person (article 17 RGPD, or the retention job): every row about them, in one transaction.

Deleted: the person, their invitations, appointments (the place of a future booked one goes
back to its slot), carnet, messages both ways (theirs, and those of their number linked to
nobody: sent before it was registered) with their delivery statuses, scheduled messages and
queue entries (the operator's, for their number, too), who followed them and their consent to
share (api/followers). Kept: the audit log lines (the legal
trace of who read what), detached from the person and tagged with the erasure; and one
ErasureRecord: organisation, date, reason, who, and row counts only. The carnet rows are gone,
so the ErasureRecord is the carnet's anonymous trace.

Concurrency (PostgreSQL): the person's scheduled messages are locked first, then their outbox
messages, then the person: the order of the sweep (a scheduled row, then the outbox row it
queues) and of the outbox dispatcher (an outbox row, then the person on a delivery error), so
none of them deadlocks with an erasure. A sweep holding one of these rows finishes first and the
erasure deletes what it queued; the dispatcher skips locked rows, so nothing more is claimed. A
writer that would add a row about the person after the lock waits, then fails on the foreign key
or finds no row, and rolls back: nothing is re-created. A message the dispatcher had already
claimed may still leave (the HTTP call is under way); recording its result then finds no row.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.agenda.models import Slot
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary, BeneficiaryImport
from api.carnet.models import CarnetEntry
from api.errors import Conflict, Invalid, NotFound
from api.followers import service as followers_service
from api.handoffs.models import HandoffRequest
from api.invitations.models import Invitation
from api.messaging.models import DeliveryStatusEvent, InboundEffect, InboundMessage, OutboxMessage
from api.orientations import service as orientations_service
from api.privacy import person_rows
from api.privacy.models import ErasureRecord
from api.privacy.phone_text import mask_phones, mentions
from api.scheduling.models import ScheduledMessage

log = logging.getLogger(__name__)

REASONS = ("request", "retention")
DELETED_TABLES = (
    "beneficiaries",
    "invitations",
    "appointments",
    "carnet_entries",
    "inbound_messages",
    "outbox_messages",
    "delivery_status_events",
    "scheduled_messages",
    "handoff_requests",
)
UNFINISHED_IMPORT = ("pending", "running")


@dataclass
class Footprint:
    """The ids of every row about one person, table by table."""

    beneficiary_id: int
    phone: str
    scheduled_messages: list[int] = field(default_factory=list)
    carnet_entries: list[int] = field(default_factory=list)
    handoff_requests: list[int] = field(default_factory=list)
    delivery_status_events: list[int] = field(default_factory=list)
    outbox_messages: list[int] = field(default_factory=list)
    inbound_messages: list[int] = field(default_factory=list)
    appointments: list[int] = field(default_factory=list)
    invitations: list[int] = field(default_factory=list)
    audit_log: list[int] = field(default_factory=list)
    # Slots whose place a future booked appointment holds (one entry per appointment).
    places_to_release: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows deleted per table, plus what is only changed (released places, audit lines)."""
        return {
            "beneficiaries": 1,
            "invitations": len(self.invitations),
            "appointments": len(self.appointments),
            "carnet_entries": len(self.carnet_entries),
            "inbound_messages": len(self.inbound_messages),
            "outbox_messages": len(self.outbox_messages),
            "delivery_status_events": len(self.delivery_status_events),
            "scheduled_messages": len(self.scheduled_messages),
            "handoff_requests": len(self.handoff_requests),
            "slots_released": len(self.places_to_release),
            "audit_log_detached": len(self.audit_log),
        }


def _ids(session: Session, query: Select) -> list[int]:
    return list(session.scalars(query))


def footprint(session: Session, *, beneficiary: Beneficiary, now: datetime) -> Footprint:
    """Everything the database holds about this person (read only)."""
    person, phone = beneficiary.id, beneficiary.phone
    found = Footprint(beneficiary_id=person, phone=phone)
    found.scheduled_messages = _ids(
        session, select(ScheduledMessage.id).where(ScheduledMessage.beneficiary_id == person)
    )
    found.carnet_entries = _ids(session, select(CarnetEntry.id).where(CarnetEntry.beneficiary_id == person))
    found.inbound_messages = _ids(
        session,
        select(InboundMessage.id).where(person_rows.inbound_messages(person, phone)),
    )
    found.outbox_messages = _ids(
        session,
        select(OutboxMessage.id).where(person_rows.outbox_messages(person, phone)),
    )
    sids = [
        sid
        for sid in session.scalars(
            select(OutboxMessage.provider_sid).where(OutboxMessage.id.in_(found.outbox_messages))
        )
        if sid
    ]
    found.delivery_status_events = _ids(
        session, select(DeliveryStatusEvent.id).where(DeliveryStatusEvent.message_sid.in_(sids))
    )
    found.handoff_requests = _ids(
        session,
        select(HandoffRequest.id).where(
            or_(
                person_rows.handoff_requests(person, phone),
                HandoffRequest.inbound_message_id.in_(found.inbound_messages),
            )
        ),
    )
    found.appointments = _ids(session, select(Appointment.id).where(Appointment.beneficiary_id == person))
    found.places_to_release = _ids(
        session,
        select(Appointment.slot_id)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.beneficiary_id == person, Appointment.status == "unknown", Slot.start > now)
        .order_by(Appointment.id),
    )
    found.invitations = _ids(session, select(Invitation.id).where(Invitation.beneficiary_id == person))
    found.audit_log = _ids(session, select(AuditLog.id).where(AuditLog.beneficiary_id == person))
    return found


def refuse_if_being_imported(session: Session, *, beneficiary: Beneficiary) -> None:
    """409 while an unfinished CSV import of the organisation holds the number: it would bring
    the person back."""
    files = session.scalars(
        select(BeneficiaryImport.content).where(
            BeneficiaryImport.organisation_id == beneficiary.organisation_id,
            BeneficiaryImport.status.in_(UNFINISHED_IMPORT),
            BeneficiaryImport.content.is_not(None),
        )
    )
    if any(mentions(content, beneficiary.phone) for content in files if content is not None):
        raise Conflict("an import in progress holds this person's number: erase once it has finished")


def lock_person(session: Session, *, beneficiary_id: int) -> Beneficiary | None:
    """Lock the person's scheduled messages, outbox messages, then the person (see the module
    docstring for the order); None if they are gone. No-op locks on SQLite."""
    session.execute(
        select(ScheduledMessage.id).where(ScheduledMessage.beneficiary_id == beneficiary_id).with_for_update()
    ).all()
    phone = session.scalar(select(Beneficiary.phone).where(Beneficiary.id == beneficiary_id))
    if phone is None:
        return None
    session.execute(
        select(OutboxMessage.id).where(person_rows.outbox_messages(beneficiary_id, phone)).with_for_update()
    ).all()
    return session.scalar(
        select(Beneficiary)
        .where(Beneficiary.id == beneficiary_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def erase_person(
    session: Session, beneficiary: Beneficiary, *, reason: str, user_id: int | None, now: datetime
) -> ErasureRecord:
    """Delete every row about the person, in foreign-key order, and write the anonymous trace.

    Flushes; the caller commits (one transaction). 409 while an import holds the number.
    """
    if reason not in REASONS:
        raise Invalid(f"reason must be one of {', '.join(REASONS)}")
    refuse_if_being_imported(session, beneficiary=beneficiary)
    locked = lock_person(session, beneficiary_id=beneficiary.id)
    if locked is None:
        raise NotFound("beneficiary")
    found = footprint(session, beneficiary=locked, now=now)
    record = ErasureRecord(
        organisation_id=locked.organisation_id,
        erased_at=now,
        reason=reason,
        erased_by_user_id=user_id,
        removed={},
    )
    session.add(record)
    session.flush()

    _delete(session, ScheduledMessage, found.scheduled_messages)
    # Orientation requests and their mails first: a request points at the SMS that told the person.
    orientations_service.forget_person(session, beneficiary_id=locked.id)
    _delete(session, CarnetEntry, found.carnet_entries)
    _delete(session, HandoffRequest, found.handoff_requests)
    _delete(session, DeliveryStatusEvent, found.delivery_status_events)
    # Someone else's rows pointing at these messages (not expected) lose the link, not their row.
    _detach(session, CarnetEntry.outbox_message_id, found.outbox_messages)
    _detach(session, ScheduledMessage.outbox_message_id, found.outbox_messages)
    _delete(session, OutboxMessage, found.outbox_messages)
    for column in (
        CarnetEntry.inbound_message_id,
        HandoffRequest.inbound_message_id,
        OutboxMessage.in_reply_to_id,
    ):
        _detach(session, column, found.inbound_messages)
    if found.inbound_messages:
        # What handling each message did (api/messaging/effects.py) goes with the message.
        session.execute(
            delete(InboundEffect)
            .where(InboundEffect.inbound_message_id.in_(found.inbound_messages))
            .execution_options(synchronize_session="fetch")
        )
    _delete(session, InboundMessage, found.inbound_messages)
    for slot_id in found.places_to_release:
        session.execute(
            update(Slot)
            .where(Slot.id == slot_id, Slot.booked_count > 0)
            .values(booked_count=Slot.booked_count - 1)
            .execution_options(synchronize_session="fetch")
        )
    _detach(session, Invitation.appointment_id, found.appointments)
    _delete(session, Appointment, found.appointments)
    _delete(session, Invitation, found.invitations)
    if found.audit_log:
        tag = f"[erasure {record.id}] "
        session.execute(
            update(AuditLog)
            .where(AuditLog.id.in_(found.audit_log))
            .values(beneficiary_id=None, detail=func.substr(literal(tag).concat(AuditLog.detail), 1, 200))
            .execution_options(synchronize_session="fetch")
        )
    counts = found.counts()
    counts["beneficiary_imports_cleaned"] = _clean_import_reports(session, beneficiary=locked)
    followers_service.forget_person(session, beneficiary_id=locked.id)
    session.delete(locked)
    record.removed = counts
    session.flush()
    log.info(
        "erased person %s of organisation %s (%s): erasure record %s, %d rows deleted",
        found.beneficiary_id,
        record.organisation_id,
        reason,
        record.id,
        sum(counts[table] for table in DELETED_TABLES),
    )
    return record


def _delete(session: Session, model: type[Any], ids: list[int]) -> None:
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session="fetch"))


def _detach(session: Session, column, ids: list[int]) -> None:
    if ids:
        session.execute(
            update(column.class_)
            .where(column.in_(ids))
            .values({column.key: None})
            .execution_options(synchronize_session="fetch")
        )


def _clean_import_reports(session: Session, *, beneficiary: Beneficiary) -> int:
    """Import reports keep masked numbers only; an error line still quoting this number is masked."""
    cleaned = 0
    reports = session.scalars(
        select(BeneficiaryImport).where(BeneficiaryImport.organisation_id == beneficiary.organisation_id)
    )
    for report in reports:
        errors = report.errors or []
        masked = [_masked_error(error, beneficiary.phone) for error in errors]
        if masked != errors:
            report.errors = masked
            cleaned += 1
    return cleaned


def _masked_error(error: dict, phone: str) -> dict:
    return {
        key: mask_phones(value) if isinstance(value, str) and mentions(value, phone) else value
        for key, value in error.items()
    }
