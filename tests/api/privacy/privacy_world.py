"""A person with everything a person can leave in the database, and a scan for what is left of them.

Built through the real services and the gateway's triage, as their messages would arrive: texted
before being registered (unknown number), invited, booked by answering "1", Rasa's reply, a
barrier, CONTACT, asked for a human, delivery statuses, a note, a manual reminder, carnet reads.
"""

import json
import re
from dataclasses import dataclass, field

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.agenda.models import Slot
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.barriers import service as barrier_service
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.botapi import service as bot_service
from api.carnet import service as carnet_service
from api.config import get_settings
from api.db import Base, utcnow
from api.handoffs import service as handoff_service
from api.inbound import triage
from api.invitations import service as invitation_service
from api.messaging.delivery import record_status
from api.messaging.inbound import record_inbound
from api.messaging.models import InboundMessage, OutboxMessage
from api.scheduling import service as scheduling_service
from tests.api.world import Org

PHONE = "+33764219853"
FIRST_NAME = "Zéphyrine"
LAST_NAME = "Quillebeuf"
WORD = "Xylocoptère"  # a word only this person wrote
SID_PREFIX = "SMprivacy"  # every Twilio MessageSid of their messages, both ways
# Any way the number may be written: E.164, without '+', national, spaced, its last nine digits.
PHONE_FORMS = ("+33764219853", "33764219853", "0764219853", "07 64 21 98 53", "07.64.21.98.53", "764219853")


@dataclass
class Everything:
    org: Org
    person: Beneficiary
    person_id: int
    appointment_id: int
    slot_id: int
    needles: tuple[str, ...] = field(default=(FIRST_NAME, LAST_NAME, WORD, SID_PREFIX, *PHONE_FORMS))


def _inbound(session: Session, sid: str, body: str, phone: str = PHONE) -> InboundMessage:
    message, created = record_inbound(
        session, message_sid=sid, channel="sms", from_phone=phone, to_address="38123", body=body, num_media=0
    )
    assert created
    return message


def build_everything(session: Session, org: Org) -> Everything:
    """A person of `org` (next to org.person) who did everything; flushed, not committed."""
    now = utcnow()
    settings = get_settings()
    # Texted before being registered: the operator's queue, and one reply to the number.
    early = _inbound(session, "SMprivacyEarlyMessageFromUnknown", f"Bonjour c'est {FIRST_NAME} {WORD}")
    assert triage.triage(session, inbound=early, settings=settings) is None

    person = beneficiary_service.create_beneficiary(
        session,
        organisation_id=org.organisation.id,
        phone=PHONE,
        first_name=FIRST_NAME,
        last_name=LAST_NAME,
        code_insee="26362",
    )
    invitation_service.create_invitation(
        session, beneficiary_id=person.id, motif_id=org.motif.id, place_id=org.place.id, now=now
    )
    answer = _inbound(session, "SMprivacyAnswerOneToTheInvitation", "1")
    forward = triage.triage(session, inbound=answer, settings=settings)
    assert forward is not None
    booked = bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=now)
    assert booked.outcome == "booked" and booked.appointment is not None
    triage.record_rasa_reply(
        session, forward=forward, texts_out=[f"C'est note {FIRST_NAME}, a bientot."], escalations=[]
    )
    appointment = session.scalars(select(Appointment).where(Appointment.beneficiary_id == person.id)).one()
    scheduling_service.schedule_reminder_now(session, appointment=appointment, now=now)
    appointment_service.confirm(session, appointment=appointment, now=now)

    barrier_service.record_barrier(
        session,
        beneficiary=person,
        group="mobilite",
        words=f"pas de voiture {WORD}",
        source="conversation",
        now=now,
    )
    contact = _inbound(session, "SMprivacyContactKeywordMessage", "CONTACT")
    assert triage.triage(session, inbound=contact, settings=settings) is None
    human = _inbound(session, "SMprivacyAskedForSomeoneToCall", f"je veux parler a quelqu'un {WORD}")
    handoff_service.open_request(
        session, reason="asked_human", text=human.body, beneficiary=person, inbound_message_id=human.id
    )
    carnet_service.add_entry(
        session,
        beneficiary_id=person.id,
        kind="note",
        author="professional",
        body=f"Appelé {FIRST_NAME} {LAST_NAME} au 07 64 21 98 53",
        data={"user_id": org.agent.user.id},
    )
    for reader in (org.agent, org.admin):
        accounts_service.record_audit(
            session,
            user_id=reader.user.id,
            action="carnet.read",
            organisation_id=org.organisation.id,
            beneficiary_id=person.id,
            detail="console",
            now=now,
        )
    # Every message to the number left and was delivered (or failed), as Twilio reports it.
    sent = session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_phone == PHONE).order_by(OutboxMessage.id)
    )
    for number, message in enumerate(sent):
        message.state, message.provider_sid = "sent", f"SMprivacyOutboundNumber{chr(65 + number)}"
        session.flush()
        record_status(session, message_sid=message.provider_sid, status="sent", error_code=None)
        record_status(session, message_sid=message.provider_sid, status="delivered", error_code=None)
    session.flush()
    return Everything(org, person, person.id, appointment.id, appointment.slot_id)


def leftovers(session: Session, *, person_id: int, needles: tuple[str, ...]) -> list[str]:
    """Every row of every table that still points at the person or holds one of the needles
    (in any text or JSON column): a table added later is scanned too."""
    found: list[str] = []
    lowered = [needle.lower() for needle in needles]
    for table in Base.metadata.sorted_tables:
        id_columns = [
            column
            for column in table.columns
            if column.name == "beneficiary_id"
            or any(key.column.table.name == "beneficiaries" for key in column.foreign_keys)
            or (table.name == "beneficiaries" and column.name == "id")
        ]
        text_columns = [column for column in table.columns if isinstance(column.type, String | JSON)]
        for row in session.execute(select(table)).mappings():
            for column in id_columns:
                if row[column.name] == person_id:
                    found.append(f"{table.name}.{column.name} = {person_id} (row {dict(row)})")
            for column in text_columns:
                value = row[column.name]
                if value is None:
                    continue
                text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).lower()
                for needle in lowered:
                    if needle in text or (needle.isdigit() and needle in re.sub(r"[ .]", "", text)):
                        found.append(f"{table.name}.{column.name} holds {needle!r}: {text[:120]!r}")
    return found


def rows_about(session: Session, beneficiary_id: int) -> dict[str, int]:
    """How many rows of each table point at this person (to show someone else is untouched)."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if "beneficiary_id" in table.columns:
            rows = session.execute(select(table).where(table.c.beneficiary_id == beneficiary_id)).all()
            counts[table.name] = len(rows)
    return counts


def booked_count(session: Session, slot_id: int) -> int:
    return session.scalars(select(Slot.booked_count).where(Slot.id == slot_id)).one()
