"""Scheduling the messages owed later: relance, invitation expiry, reminders.

The domains that book, move and invite write here, so this module sits below them: it knows an
appointment or an invitation only by the few fields it reads (the protocols below). Deciding
and sending what falls due is api/due_messages/.
"""

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import utcnow
from api.organisations.models import Organisation
from api.scheduling.models import ScheduledMessage
from api.scheduling.policy import local_time_on


class _Slot(Protocol):
    @property
    def start(self) -> datetime: ...


class Appointment(Protocol):
    """What scheduling reads of an appointment (api/appointments/models.py)."""

    @property
    def id(self) -> int: ...
    @property
    def organisation_id(self) -> int: ...
    @property
    def beneficiary_id(self) -> int: ...
    @property
    def slot(self) -> _Slot: ...


class Invitation(Protocol):
    """What scheduling reads of an invitation (api/invitations/models.py)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def beneficiary_id(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...


# A reminder due in less than this after booking is not worth sending: the person just booked.
REMINDER_MIN_LEAD = timedelta(hours=6)


def appointment_key(appointment: Appointment) -> str:
    return f"appointment:{appointment.id}:{appointment.slot.start.isoformat(timespec='minutes')}"


REMINDER_KINDS = ("reminder", "reminder_day_before")


def reminder_sent(session: Session, *, appointment: Appointment) -> bool:
    """Whether a reminder for the appointment at its current start went to the outbox."""
    key = appointment_key(appointment)
    row = session.scalars(
        select(ScheduledMessage.id)
        .where(
            ScheduledMessage.appointment_id == appointment.id,
            ScheduledMessage.kind.in_(REMINDER_KINDS),
            ScheduledMessage.state == "queued",
            (ScheduledMessage.due_key == key) | ScheduledMessage.due_key.startswith(f"{key}:manual:"),
        )
        .limit(1)
    ).first()
    return row is not None


def invitation_key(invitation: Invitation) -> str:
    return f"invitation:{invitation.id}"


def _schedule(
    session: Session,
    *,
    kind: str,
    due_key: str,
    due_at: datetime,
    organisation_id: int,
    beneficiary_id: int,
    invitation_id: int | None = None,
    appointment_id: int | None = None,
) -> None:
    message = ScheduledMessage(
        kind=kind,
        due_key=due_key,
        due_at=due_at,
        organisation_id=organisation_id,
        beneficiary_id=beneficiary_id,
        invitation_id=invitation_id,
        appointment_id=appointment_id,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        pass  # already scheduled: scheduling is idempotent


def schedule_for_invitation(session: Session, *, invitation: Invitation, organisation: Organisation) -> None:
    """One relance at day +N (if still unanswered), then the expiry notice."""
    if invitation.kind != "invitation":
        return
    relance_at = local_time_on(
        organisation,
        invitation.created_at + timedelta(days=organisation.relance_after_days),
        days_before=0,
        hour=organisation.reminder_hour,
    )
    common: dict[str, Any] = {
        "due_key": invitation_key(invitation),
        "organisation_id": organisation.id,
        "beneficiary_id": invitation.beneficiary_id,
        "invitation_id": invitation.id,
    }
    if relance_at < invitation.expires_at:
        _schedule(session, kind="relance", due_at=relance_at, **common)
    _schedule(session, kind="invitation_expiry", due_at=invitation.expires_at, **common)


def schedule_for_appointment(
    session: Session, *, appointment: Appointment, organisation: Organisation, now: datetime
) -> None:
    """Reminders before the appointment, skipping those that would come right after booking."""
    start = appointment.slot.start
    plan = [("reminder", organisation.reminder_days_before)]
    if organisation.reminder_day_before and organisation.reminder_days_before != 1:
        plan.append(("reminder_day_before", 1))
    for kind, days_before in plan:
        due_at = local_time_on(organisation, start, days_before=days_before, hour=organisation.reminder_hour)
        if due_at < now + REMINDER_MIN_LEAD or due_at >= start:
            continue
        _schedule(
            session,
            kind=kind,
            due_key=appointment_key(appointment),
            due_at=due_at,
            organisation_id=organisation.id,
            beneficiary_id=appointment.beneficiary_id,
            appointment_id=appointment.id,
        )


def schedule_reminder_now(session: Session, *, appointment: Appointment, now: datetime) -> None:
    """A professional asks for a reminder now (it still waits for the sending hours)."""
    _schedule(
        session,
        kind="reminder",
        due_key=f"{appointment_key(appointment)}:manual:{now.isoformat(timespec='seconds')}",
        due_at=now,
        organisation_id=appointment.organisation_id,
        beneficiary_id=appointment.beneficiary_id,
        appointment_id=appointment.id,
    )


def drop_for_appointment(session: Session, *, appointment_id: int, reason: str) -> None:
    """Pending reminders of an appointment that was cancelled or moved no longer apply."""
    session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.appointment_id == appointment_id, ScheduledMessage.state == "pending")
        .values(state="skipped", note=reason, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def list_scheduled(session: Session, *, beneficiary_id: int) -> list[ScheduledMessage]:
    query = (
        select(ScheduledMessage)
        .where(ScheduledMessage.beneficiary_id == beneficiary_id)
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
    )
    return list(session.scalars(query))
