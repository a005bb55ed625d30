"""Everything held about one person, as JSON (article 15 RGPD: the right of access).

Plain field names, times in the organisation's time zone (ISO 8601 with the offset), places and
motifs by name. The person gets what the carnet shows and what lies behind it: messages both
ways with their delivery statuses, what was scheduled, queue entries, barriers, and when their
record was consulted (not by whom: professionals' identities are theirs).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.agenda.models import Motif, Place, Slot
from api.appointments.followup import followup_status
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.carnet.models import CarnetEntry
from api.config import get_settings
from api.db import utcnow
from api.handoffs.models import HandoffRequest
from api.invitations.models import Invitation
from api.messaging.models import DeliveryStatusEvent, InboundMessage, OutboxMessage
from api.organisations.models import Organisation
from api.privacy import person_rows
from api.scheduling.models import ScheduledMessage

FORMAT = "spie-person-export/1"


def export_person(
    session: Session, beneficiary: Beneficiary, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the database holds about this person, JSON-serialisable."""
    now = now or utcnow()
    organisation = session.get(Organisation, beneficiary.organisation_id)
    assert organisation is not None
    tz = organisation.zone

    def at(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment is not None else None

    person = beneficiary.id
    motifs = {m.id: m for m in session.scalars(select(Motif).where(Motif.organisation_id == organisation.id))}
    places = {p.id: p for p in session.scalars(select(Place).where(Place.organisation_id == organisation.id))}

    def place(place_id: int | None) -> dict[str, str] | None:
        found = places.get(place_id) if place_id is not None else None
        return {"name": found.name, "address": found.address} if found else None

    def motif(motif_id: int | None) -> str | None:
        found = motifs.get(motif_id) if motif_id is not None else None
        return found.name if found else None

    invitations = list(
        session.scalars(select(Invitation).where(Invitation.beneficiary_id == person).order_by(Invitation.id))
    )
    offered = {
        slot.id: slot
        for slot in session.scalars(
            select(Slot).where(Slot.id.in_({i for inv in invitations for i in inv.offered_slot_ids}))
        )
    }
    appointments = session.execute(
        select(Appointment, Slot)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.beneficiary_id == person)
        .order_by(Slot.start, Appointment.id)
    ).all()
    carnet = list(
        session.scalars(
            select(CarnetEntry)
            .where(CarnetEntry.beneficiary_id == person)
            .order_by(CarnetEntry.created_at, CarnetEntry.id)
        )
    )
    received = session.scalars(
        select(InboundMessage)
        .where(person_rows.inbound_messages(person, beneficiary.phone))
        .order_by(InboundMessage.received_at, InboundMessage.id)
    )
    sent = list(
        session.scalars(
            select(OutboxMessage)
            .where(person_rows.outbox_messages(person, beneficiary.phone))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )
    statuses: dict[str, list[DeliveryStatusEvent]] = {}
    sids = [message.provider_sid for message in sent if message.provider_sid]
    for event in session.scalars(
        select(DeliveryStatusEvent)
        .where(DeliveryStatusEvent.message_sid.in_(sids))
        .order_by(DeliveryStatusEvent.received_at, DeliveryStatusEvent.id)
    ):
        statuses.setdefault(event.message_sid, []).append(event)
    scheduled = session.scalars(
        select(ScheduledMessage)
        .where(ScheduledMessage.beneficiary_id == person)
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
    )
    queue = session.scalars(
        select(HandoffRequest)
        .where(person_rows.handoff_requests(person, beneficiary.phone))
        .order_by(HandoffRequest.created_at, HandoffRequest.id)
    )
    accesses = session.scalars(
        select(AuditLog).where(AuditLog.beneficiary_id == person).order_by(AuditLog.at, AuditLog.id)
    )

    return {
        "export": {
            "format": FORMAT,
            "exported_at": at(now),
            "controller": organisation.name,
            "time_zone": organisation.time_zone,
            "retention": (
                f"Sans activité pendant {get_settings().retention_months} mois, ces données sont effacées."
            ),
            "description": (
                f"Les données que {organisation.name} détient sur vous dans l'assistant SMS : votre fiche, "
                "vos invitations et rendez-vous, votre carnet, les messages échangés, les messages "
                "programmés, les demandes transmises à un professionnel et les consultations de "
                "votre dossier."
            ),
        },
        "person": {
            "id": beneficiary.id,
            "first_name": beneficiary.first_name,
            "last_name": beneficiary.last_name,
            "phone": beneficiary.phone,
            "commune_insee_code": beneficiary.code_insee,
            "preferred_channel": beneficiary.preferred_channel,
            "opted_out": beneficiary.opted_out,
            "opted_out_at": at(beneficiary.opted_out_at),
            "phone_problem": beneficiary.phone_problem,
            "created_at": at(beneficiary.created_at),
            "last_message_received_at": at(beneficiary.last_inbound_at),
            "pending_question": beneficiary.pending_question,
            "followup_status": followup_status(session, beneficiary_id=person, now=now),
        },
        "invitations": [
            {
                "id": invitation.id,
                "kind": invitation.kind,
                "status": invitation.status,
                "motif": motif(invitation.motif_id),
                "place": place(invitation.place_id),
                "created_at": at(invitation.created_at),
                "expires_at": at(invitation.expires_at),
                "slots_offered": [
                    at(offered[slot_id].start)
                    for slot_id in invitation.offered_slot_ids
                    if slot_id in offered
                ],
            }
            for invitation in invitations
        ],
        "appointments": [
            {
                "id": appointment.id,
                "status": appointment.status,
                "motif": motif(slot.motif_id),
                "place": place(slot.place_id),
                "start": at(slot.start),
                "end": at(slot.end),
                "booked_at": at(appointment.created_at),
                "confirmed_at": at(appointment.confirmed_at),
                "status_changed_at": at(appointment.status_changed_at),
            }
            for appointment, slot in appointments
        ],
        "carnet": [
            {
                "at": at(entry.created_at),
                "kind": entry.kind,
                "author": entry.author,
                "channel": entry.channel,
                "text": entry.body,
                "details": entry.data,
            }
            for entry in carnet
        ],
        "messages_received": [
            {
                "received_at": at(message.received_at),
                "channel": message.channel,
                "from": message.from_phone,
                "text": message.body,
                "attachments": message.num_media,
            }
            for message in received
        ],
        "messages_sent": [
            {
                "created_at": at(message.created_at),
                "sent_at": at(message.sent_at),
                "channel": message.channel,
                "to": message.to_phone,
                "kind": message.kind,
                "text": message.body,
                "state": message.state,
                "delivery_status": message.delivery_status,
                "error_code": message.error_code,
                "delivery_statuses": [
                    {"status": event.status, "error_code": event.error_code, "at": at(event.received_at)}
                    for event in statuses.get(message.provider_sid or "", [])
                ],
            }
            for message in sent
        ],
        "scheduled_messages": [
            {
                "kind": row.kind,
                "due_at": at(row.due_at),
                "state": row.state,
                "decided_at": at(row.decided_at),
                "note": row.note,
            }
            for row in scheduled
        ],
        "queue_entries": [
            {
                "reason": entry.reason,
                "text": entry.text,
                "state": entry.state,
                "created_at": at(entry.created_at),
                "taken_at": at(entry.taken_at),
                "closed_at": at(entry.closed_at),
            }
            for entry in queue
        ],
        "barriers": [
            {
                "at": at(entry.created_at),
                "group": entry.data.get("group"),
                "themes": entry.data.get("themes", []),
                "words": entry.body,
                "offers_shown": entry.data.get("offer_names", []),
            }
            for entry in carnet
            if entry.kind == "barrier"
        ],
        "accesses": [{"at": at(line.at), "action": line.action} for line in accesses],
    }
