"""The periodic sweep: turns due scheduled messages into outbox messages, exactly once.

Each due row is taken with FOR UPDATE SKIP LOCKED (PostgreSQL), re-read, and decided in
the same transaction as the outbox row it creates: a crash loses nothing and repeats
nothing, and two schedulers never take the same row.

A row that cannot be decided (bad data, a bug) never blocks the others: the batch is then
decided again row by row, each in a savepoint, and the bad row is marked failed with its
error and put in the professionals' queue.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.agenda.labels import options_text
from api.agenda.models import Motif
from api.agenda.slot_choice import format_slot_label
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.config import get_settings
from api.handoffs import service as handoff_service
from api.invitations import service as invitation_service
from api.invitations.models import Invitation
from api.messaging import outbox, texts
from api.organisations.models import Organisation
from api.scheduling.models import ScheduledMessage
from api.scheduling.policy import next_sending_time
from api.scheduling.service import appointment_key

log = logging.getLogger(__name__)

# A reminder that could only leave this close to the appointment is not sent.
REMINDER_TOO_LATE = timedelta(hours=3)
APPOINTMENT_STARTED = "appointment already started"


@dataclass(frozen=True)
class Composed:
    body: str
    template_kind: str | None = None
    template_variables: dict[str, str] | None = None


@dataclass
class SweepResult:
    queued: int = 0
    skipped: int = 0
    postponed: int = 0
    failed: int = 0


def sweep(session: Session, *, now: datetime, batch_size: int = 200) -> SweepResult:
    """Decide every due message, one batch per transaction; commits."""
    total = SweepResult()
    while True:
        result = sweep_batch(session, now=now, batch_size=batch_size)
        session.commit()
        total.queued += result.queued
        total.skipped += result.skipped
        total.postponed += result.postponed
        total.failed += result.failed
        if result.queued + result.skipped + result.postponed + result.failed < batch_size:
            return total


def sweep_batch(session: Session, *, now: datetime, batch_size: int) -> SweepResult:
    """Take up to `batch_size` due rows and decide each. The caller commits."""
    try:
        with session.begin_nested():
            return _decide_batch(session, now=now, batch_size=batch_size)
    except OperationalError:
        raise  # the database, not a row (locked, connection lost): the next sweep takes them all again
    except Exception:
        log.exception("a due message could not be decided: deciding this batch row by row")
    return _decide_one_by_one(session, now=now, batch_size=batch_size)


def _due_rows(session: Session, *, now: datetime, batch_size: int) -> list[ScheduledMessage]:
    return list(
        session.scalars(
            select(ScheduledMessage)
            .where(ScheduledMessage.state == "pending", ScheduledMessage.due_at <= now)
            .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
    )


def _decide_batch(session: Session, *, now: datetime, batch_size: int) -> SweepResult:
    rows = _due_rows(session, now=now, batch_size=batch_size)
    # The session's identity map holds objects weakly: without a strong reference, every
    # session.get() in decide() goes back to the database (5 SELECTs per row). Load the batch's
    # related rows in a few queries and keep them alive until the batch is decided.
    held = load_related(session, rows)  # noqa: F841
    result = SweepResult()
    queued: list[tuple[ScheduledMessage, outbox.Outgoing]] = []
    for row in rows:
        outcome = decide(session, row=row, now=now, queued=queued)
        setattr(result, outcome, getattr(result, outcome) + 1)
    if queued:
        # All the batch's outbox rows and carnet entries in two INSERTs, not two per row.
        messages = outbox.enqueue_many(session, [item for _, item in queued])
        for (row, _), message in zip(queued, messages, strict=True):
            row.outbox_message_id = message.id
    session.flush()
    return result


def _decide_one_by_one(session: Session, *, now: datetime, batch_size: int) -> SweepResult:
    result = SweepResult()
    for row_id in [row.id for row in _due_rows(session, now=now, batch_size=batch_size)]:
        try:
            with session.begin_nested():
                row = session.get(ScheduledMessage, row_id)
                assert row is not None
                outcome = decide(session, row=row, now=now)
                session.flush()
        except OperationalError:
            raise
        except Exception as exc:
            log.exception("scheduled message %s could not be decided", row_id)
            _fail(session, row_id=row_id, now=now, error=f"{type(exc).__name__}: {exc}")
            outcome = "failed"
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _fail(session: Session, *, row_id: int, now: datetime, error: str) -> None:
    """Mark a row that cannot be decided as failed, and tell a professional."""
    row = session.get(ScheduledMessage, row_id)
    assert row is not None
    row.state = "failed"
    row.note = error[:500]
    row.decided_at = now
    beneficiary = session.get(Beneficiary, row.beneficiary_id)
    try:
        with session.begin_nested():
            handoff_service.open_request(
                session,
                reason="scheduled_message_failed",
                text=f"{row.kind} non envoyé (erreur technique)",
                beneficiary=beneficiary,
            )
    except Exception:
        log.exception("could not queue the failed scheduled message %s for a professional", row_id)
    session.flush()


def load_related(session: Session, rows: list[ScheduledMessage]) -> list[object]:
    """The rows' people, organisations, appointments, invitations and motifs, in a few queries."""

    def ids(attribute: str) -> set[int]:
        return {value for row in rows if (value := getattr(row, attribute)) is not None}

    held: list[object] = []
    for model, attribute in (
        (Beneficiary, "beneficiary_id"),
        (Organisation, "organisation_id"),
        (Appointment, "appointment_id"),  # with its slot and place (joined)
        (Invitation, "invitation_id"),
    ):
        wanted = ids(attribute)
        if wanted:
            held += session.scalars(select(model).where(model.id.in_(wanted))).all()
    motif_ids = {item.motif_id for item in held if isinstance(item, Invitation)}
    if motif_ids:
        held += session.scalars(select(Motif).where(Motif.id.in_(motif_ids))).all()
    return held


def decide(
    session: Session,
    *,
    row: ScheduledMessage,
    now: datetime,
    queued: list[tuple[ScheduledMessage, outbox.Outgoing]] | None = None,
) -> str:
    """Queue, postpone or skip one due message. Returns 'queued', 'postponed' or 'skipped'.

    With `queued`, the outbox row is not created here but appended to it (the caller
    enqueues the whole batch at once and links each row to its outbox message)."""
    beneficiary = session.get(Beneficiary, row.beneficiary_id)
    organisation = session.get(Organisation, row.organisation_id)
    assert beneficiary is not None and organisation is not None
    tz = organisation.zone

    if row.kind == "invitation_expiry":
        _expire_invitation(session, row, beneficiary)

    reason = no_longer_applies(session, row, beneficiary, now)
    if reason is not None:
        return _skip(row, now, reason)

    send_at = next_sending_time(organisation, now)
    deadline = _deadline(session, row)
    if deadline is not None and send_at > deadline:
        carnet_service.add_entry(
            session,
            beneficiary_id=beneficiary.id,
            kind="scheduled_message_skipped",
            author="system",
            body=f"{row.kind} non envoyé : hors des heures d'envoi jusqu'à trop tard",
            data={"scheduled_message_id": row.id, "kind": row.kind},
        )
        return _skip(row, now, "outside sending hours until too late")
    if send_at > now:
        row.due_at = send_at
        return "postponed"

    composed = _compose(session, row, beneficiary, organisation, tz, now)
    if composed is None:
        return _skip(row, now, "nothing left to offer")
    outgoing = outbox.Outgoing(
        beneficiary=beneficiary,
        body=composed.body,
        kind=row.kind,
        whatsapp_template=_template(composed, beneficiary, now),
        send_before=deadline,
        invitation_id=row.invitation_id if row.kind == "relance" else None,
    )
    if queued is not None:
        queued.append((row, outgoing))
    else:
        row.outbox_message_id = outbox.enqueue_many(session, [outgoing])[0].id
    row.state = "queued"
    row.decided_at = now
    return "queued"


def _skip(row: ScheduledMessage, now: datetime, reason: str) -> str:
    row.state = "skipped"
    row.note = reason
    row.decided_at = now
    return "skipped"


def _expire_invitation(session: Session, row: ScheduledMessage, beneficiary: Beneficiary) -> None:
    invitation = session.get(Invitation, row.invitation_id)
    if invitation is not None and invitation.status == "pending":
        invitation.status = "expired"
        carnet_service.add_entry(
            session,
            beneficiary_id=beneficiary.id,
            kind="invitation_expired",
            author="system",
            data={"invitation_id": invitation.id},
        )


def no_longer_applies(
    session: Session, row: ScheduledMessage, beneficiary: Beneficiary, now: datetime
) -> str | None:
    """Why a scheduled message must not be sent any more, if so (checked again at sending)."""
    if beneficiary.opted_out:
        return "opted out"
    if row.kind == "relance":
        invitation = session.get(Invitation, row.invitation_id)
        if invitation is None or invitation.status != "pending" or invitation.expires_at <= now:
            return "invitation no longer pending"
    elif row.kind == "invitation_expiry":
        invitation = session.get(Invitation, row.invitation_id)
        if invitation is None or invitation.status != "expired":
            return "invitation answered or replaced"
    else:
        appointment = session.get(Appointment, row.appointment_id)
        if appointment is None or appointment.status != "unknown":
            return "appointment cancelled or closed"
        if not row.due_key.startswith(appointment_key(appointment)):
            return "appointment moved"
        if appointment.slot.start <= now:
            return APPOINTMENT_STARTED
    return None


def _deadline(session: Session, row: ScheduledMessage) -> datetime | None:
    """After this, the message is useless."""
    if row.kind == "relance":
        invitation = session.get(Invitation, row.invitation_id)
        return invitation.expires_at if invitation else None
    if row.kind in ("reminder", "reminder_day_before"):
        appointment = session.get(Appointment, row.appointment_id)
        return appointment.slot.start - REMINDER_TOO_LATE if appointment else None
    return None


def _compose(
    session: Session,
    row: ScheduledMessage,
    beneficiary: Beneficiary,
    organisation: Organisation,
    tz: ZoneInfo,
    now: datetime,
) -> Composed | None:
    if row.kind in ("reminder", "reminder_day_before"):
        appointment = session.get(Appointment, row.appointment_id)
        assert appointment is not None
        date_label, time_label = format_slot_label(appointment.slot.start, tz)
        variables = {
            "date_label": date_label,
            "time_label": time_label,
            "address": appointment.slot.place.address,
        }
        template = texts.REMINDER if row.kind == "reminder" else texts.REMINDER_DAY_BEFORE
        return Composed(template.format(**variables), "reminder", variables)
    invitation = session.get(Invitation, row.invitation_id)
    assert invitation is not None
    motif = session.get(Motif, invitation.motif_id)
    assert motif is not None
    if row.kind == "invitation_expiry":
        return Composed(texts.INVITATION_EXPIRED.format(motif=motif.name))
    # Relance: offer what is free now (the first offer may have filled up).
    slots = invitation_service.offerable_slots(
        session, motif_id=invitation.motif_id, place_id=invitation.place_id, now=now
    )
    if not slots:
        return None
    invitation_service.reoffer(session, invitation=invitation, slots=slots)
    variables = {
        "first_name": beneficiary.first_name or "",
        "motif": motif.name,
        "options": options_text([slot.start for slot in slots], tz),
    }
    body = texts.RELANCE.format(**variables).replace("Bonjour ,", "Bonjour,")
    return Composed(body, "relance", {"first_name": variables["first_name"], "motif": motif.name})


def _template(composed: Composed, beneficiary: Beneficiary, now: datetime) -> tuple[str, str] | None:
    """WhatsApp outside the 24 h window needs an approved template: (ContentSid, variables)."""
    if beneficiary.preferred_channel != "whatsapp" or composed.template_kind is None:
        return None
    if beneficiary.last_inbound_at is not None and now - beneficiary.last_inbound_at < timedelta(hours=24):
        return None
    content_sid = get_settings().whatsapp_templates.get(composed.template_kind)
    if not content_sid:
        return None
    variables = composed.template_variables or {}
    numbered = {str(index): value for index, value in enumerate(variables.values(), 1)}
    return content_sid, json.dumps(numbered, ensure_ascii=False)
