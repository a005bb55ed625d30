"""Checked again at the moment of sending: is this message still worth sending?

A message can wait in the outbox for hours (provider outage, retries, a dispatcher that was
down). By then the appointment it recalls may have started, been cancelled or moved, and the
slots an invitation offers may all be taken. Such a message is withheld, never sent late:
the person's carnet says so, and where the person is left without something they needed
(an invitation, the reminder of an appointment that still stands), a professional is told.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import service as agenda_service
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.due_messages import sweep
from api.handoffs import service as handoff_service
from api.invitations.models import Invitation
from api.messaging.models import OutboxMessage
from api.scheduling.models import ScheduledMessage

REMINDER_KINDS = ("reminder", "reminder_day_before")
# The kinds that carry a send_before, an offer or a scheduled message: the only ones to check.
CHECKED_KINDS = (*REMINDER_KINDS, "relance", "invitation", "invitation_expiry")

# What the carnet says, by reason.
_CARNET_TEXT = {
    "too late": "trop tard pour être utile",
    sweep.APPOINTMENT_STARTED: "le rendez-vous a déjà commencé",
    "no offered slot left": "plus aucun des créneaux proposés n'est libre",
    "offer closed": "l'invitation n'est plus ouverte (répondue, remplacée ou expirée)",
}
_KIND_LABELS = {
    "invitation": "Invitation",
    "relance": "Relance",
    "reminder": "Rappel de rendez-vous",
    "reminder_day_before": "Rappel de rendez-vous (la veille)",
}


@dataclass(frozen=True)
class Withheld:
    reason: str
    tell_a_professional: str | None = None  # a handoff reason, when the person is left without help


def withhold_stale(session: Session, message_ids: list[int], *, now: datetime) -> dict[int, str]:
    """Decide which claimed messages no longer make sense, and record why.

    Returns {outbox message id: reason} for the messages not to send. Runs in the claim's
    transaction: the decision and its carnet entries commit together."""
    messages = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(message_ids))))
    scheduled = _scheduled_by_message(session, [m.id for m in messages])
    # Keeps the related rows in the identity map while each message is judged (see sweep).
    held = sweep.load_related(session, list(scheduled.values()))  # noqa: F841
    invitations = _invitations(session, [m.invitation_id for m in messages if m.invitation_id])
    bookable = agenda_service.bookable_slot_ids(
        session, [slot_id for inv in invitations.values() for slot_id in inv.offered_slot_ids], now=now
    )
    reasons: dict[int, str] = {}
    for message in messages:
        withheld = _judge(session, message, scheduled.get(message.id), invitations, bookable, now)
        if withheld is not None:
            reasons[message.id] = f"not sent: {withheld.reason}"
            _record(session, message, withheld)
    session.flush()
    return reasons


def _judge(
    session: Session,
    message: OutboxMessage,
    scheduled: ScheduledMessage | None,
    invitations: dict[int, Invitation],
    bookable: set[int],
    now: datetime,
) -> Withheld | None:
    if scheduled is not None:
        beneficiary = session.get(Beneficiary, scheduled.beneficiary_id)
        assert beneficiary is not None  # held by the foreign key
        reason = sweep.no_longer_applies(session, scheduled, beneficiary, now)
        if reason == sweep.APPOINTMENT_STARTED:
            return Withheld(reason, tell_a_professional="message_too_late")
        if reason is not None:
            return Withheld(reason)  # cancelled, moved, answered: nothing is missing
    invitation = invitations.get(message.invitation_id) if message.invitation_id else None
    first_invitation = message.kind == "invitation"
    if message.invitation_id is not None:
        if invitation is None or invitation.status != "pending" or invitation.expires_at <= now:
            # An invitation that expired unsent left the person without one; a relance of an
            # answered invitation is simply no longer needed.
            expired_unsent = (
                first_invitation
                and invitation is not None
                and invitation.status
                in (
                    "pending",
                    "expired",
                )
            )
            return Withheld("offer closed", "message_too_late" if expired_unsent else None)
        if not bookable.intersection(invitation.offered_slot_ids):
            return Withheld("no offered slot left", "no_slot_left" if first_invitation else None)
    if message.send_before is not None and message.send_before <= now:
        important = first_invitation or message.kind in REMINDER_KINDS
        return Withheld("too late", "message_too_late" if important else None)
    return None


def _record(session: Session, message: OutboxMessage, withheld: Withheld) -> None:
    if message.beneficiary_id is None:
        return
    label = _KIND_LABELS.get(message.kind, "Message")
    why = _CARNET_TEXT.get(withheld.reason, withheld.reason)
    carnet_service.add_entry(
        session,
        beneficiary_id=message.beneficiary_id,
        kind="message_not_sent",
        author="system",
        body=f"{label} non envoyé : {why}",
        data={"outbox_message_id": message.id, "message_kind": message.kind, "reason": withheld.reason},
    )
    if withheld.tell_a_professional is not None:
        handoff_service.open_request(
            session,
            reason=withheld.tell_a_professional,
            text=f"{label} non envoyé à temps : {why}",
            beneficiary=session.get(Beneficiary, message.beneficiary_id),
        )


def _scheduled_by_message(session: Session, message_ids: list[int]) -> dict[int, ScheduledMessage]:
    query = select(ScheduledMessage).where(ScheduledMessage.outbox_message_id.in_(message_ids))
    return {row.outbox_message_id: row for row in session.scalars(query) if row.outbox_message_id is not None}


def _invitations(session: Session, invitation_ids: list[int]) -> dict[int, Invitation]:
    if not invitation_ids:
        return {}
    return {
        inv.id: inv for inv in session.scalars(select(Invitation).where(Invitation.id.in_(invitation_ids)))
    }
