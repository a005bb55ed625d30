"""What the Rasa actions ask of the API: the conversation's effects on the agenda."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from api.agenda import service as agenda_service
from api.agenda.labels import options_text
from api.agenda.models import Slot
from api.agenda.slot_choice import (
    OfferedSlot,
    format_slot_label,
    opens_with_option_number,
    resolve_slot_choice,
)
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.barriers.service import record_barrier
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.botapi.schemas import (
    AppointmentView,
    BarrierReply,
    BotState,
    HandoffResult,
    MoreSlotsResult,
    QuestionnaireReply,
    SlotChoiceResult,
)
from api.handoffs import service as handoff_service
from api.handoffs.expectations import expected_call_label
from api.invitations import service as invitation_service
from api.invitations.models import Invitation
from api.organisations import service as organisation_service
from api.questionnaire import service as questionnaire


def time_zone(session: Session, beneficiary: Beneficiary) -> ZoneInfo:
    organisation = organisation_service.get_organisation(session, organisation_id=beneficiary.organisation_id)
    return organisation.zone


def appointment_view(appointment: Appointment, tz: ZoneInfo) -> AppointmentView:
    date_label, time_label = format_slot_label(appointment.slot.start, tz)
    return AppointmentView(
        date_label=date_label,
        time_label=time_label,
        place_name=appointment.slot.place.name,
        address=appointment.slot.place.address,
    )


def _offer(session: Session, invitation: Invitation, slots: list[Slot], tz: ZoneInfo) -> str:
    """Make `slots` the person's current numbered list and return it as text."""
    invitation_service.reoffer(session, invitation=invitation, slots=slots)
    return options_text([slot.start for slot in slots], tz)


def _next_free(session: Session, invitation: Invitation, now: datetime, exclude: list[int]) -> list[Slot]:
    return invitation_service.offerable_slots(
        session, motif_id=invitation.motif_id, place_id=invitation.place_id, now=now, exclude=exclude
    )


def choose_slot(session: Session, *, beneficiary_id: int, text: str, now: datetime) -> SlotChoiceResult:
    """Resolve the person's words against their offered slots and book a single match."""
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    tz = time_zone(session, beneficiary)
    upcoming = appointment_service.upcoming_appointment(session, beneficiary_id=beneficiary_id, now=now)
    invitation = invitation_service.current_invitation(session, beneficiary_id=beneficiary_id, now=now)
    moving = invitation is not None and invitation.kind == "move"
    if upcoming is not None and not moving:
        return SlotChoiceResult(outcome="already_booked", appointment=appointment_view(upcoming, tz))
    if invitation is None:
        return SlotChoiceResult(outcome="no_invitation")

    offered_slots = agenda_service.slots_in_order(session, invitation.offered_slot_ids)
    offered = [
        OfferedSlot(number=number, slot_id=slot.id, start=slot.start)
        for number, slot in enumerate(offered_slots, 1)
    ]
    choice = resolve_slot_choice(text, offered, now=now, tz=tz)
    chosen_ids = choice.slot_ids
    if choice.excludes_all and not moving:
        # other slots come from more-slots, which offers them to book, not to move to
        return SlotChoiceResult(outcome="none_fit")
    if not chosen_ids:
        return SlotChoiceResult(
            outcome="no_match", options_text=options_text([s.start for s in offered_slots], tz)
        )
    if len(chosen_ids) > 1:
        matching = [slot for slot in offered_slots if slot.id in chosen_ids]
        return SlotChoiceResult(outcome="ambiguous", options_text=_offer(session, invitation, matching, tz))

    if moving:
        return _move(session, invitation, chosen_ids[0], tz, now)
    appointment = appointment_service.book(
        session, beneficiary=beneficiary, slot_id=chosen_ids[0], now=now, invitation_id=invitation.id
    )
    if appointment is None:
        fresh = _next_free(session, invitation, now, exclude=[chosen_ids[0]])
        return SlotChoiceResult(outcome="slot_taken", options_text=_offer(session, invitation, fresh, tz))
    invitation.status = "booked"
    first_question = questionnaire.start_after_booking(session, beneficiary=beneficiary)
    session.flush()
    return SlotChoiceResult(
        outcome="booked", appointment=appointment_view(appointment, tz), follow_up_text=first_question
    )


def _move(
    session: Session, invitation: Invitation, slot_id: int, tz: ZoneInfo, now: datetime
) -> SlotChoiceResult:
    appointment = session.get(Appointment, invitation.appointment_id)
    if appointment is None or appointment.status != "unknown":
        invitation.status = "replaced"
        return SlotChoiceResult(outcome="no_invitation")
    if not appointment_service.move(session, appointment=appointment, new_slot_id=slot_id, now=now):
        fresh = _next_free(session, invitation, now, exclude=[slot_id, appointment.slot_id])
        return SlotChoiceResult(outcome="slot_taken", options_text=_offer(session, invitation, fresh, tz))
    invitation.status = "booked"
    session.flush()
    return SlotChoiceResult(outcome="moved", appointment=appointment_view(appointment, tz))


def more_slots(session: Session, *, beneficiary_id: int, now: datetime) -> MoreSlotsResult:
    """Offer the next free slots after the ones already offered."""
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    tz = time_zone(session, beneficiary)
    upcoming = appointment_service.upcoming_appointment(session, beneficiary_id=beneficiary_id, now=now)
    if upcoming is not None:
        return MoreSlotsResult(outcome="already_booked", appointment=appointment_view(upcoming, tz))
    invitation = invitation_service.current_invitation(session, beneficiary_id=beneficiary_id, now=now)
    if invitation is None:
        return MoreSlotsResult(outcome="no_invitation")
    later = _next_free(session, invitation, now, exclude=invitation.seen_slot_ids)
    if not later:
        handoff_service.open_request(
            session, reason="no_slot_left", text="Aucun créneau libre ne convient", beneficiary=beneficiary
        )
        return MoreSlotsResult(outcome="none_left")
    return MoreSlotsResult(outcome="offered", options_text=_offer(session, invitation, later, tz))


def state(session: Session, *, beneficiary_id: int, now: datetime) -> BotState:
    """What the conversation needs to know about the person right now."""
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    organisation = organisation_service.get_organisation(session, organisation_id=beneficiary.organisation_id)
    tz = organisation.zone
    upcoming = appointment_service.upcoming_appointment(session, beneficiary_id=beneficiary_id, now=now)
    invitation = invitation_service.current_invitation(session, beneficiary_id=beneficiary_id, now=now)
    # A numbered list is open: to book (no appointment yet) or to move the appointment.
    choosing = invitation is not None and (upcoming is None or invitation.kind == "move")
    options = ""
    places: set[tuple[str, str]] = set()
    if choosing and invitation is not None:
        slots = agenda_service.slots_in_order(session, invitation.offered_slot_ids)
        options = options_text([slot.start for slot in slots], tz)
        places = {(slot.place.name, slot.place.address) for slot in slots}
    # "c'est ou ?" before booking: the place, when every offered slot is at the same one
    offer_place, offer_address = places.pop() if len(places) == 1 else ("", "")
    return BotState(
        first_name=beneficiary.first_name,
        invitation_pending=choosing,
        options_text=options,
        offer_place_name=offer_place,
        offer_address=offer_address,
        appointment=appointment_view(upcoming, tz) if upcoming else None,
        organisation_name=organisation.name,
        contact_phone=organisation.contact_phone,
        contact_hours=organisation.contact_hours,
    )


def handoff(
    session: Session,
    *,
    beneficiary_id: int,
    reason: str,
    text: str,
    now: datetime,
    inbound_message_id: int | None = None,
) -> HandoffResult:
    """Queue the person for a professional; say when they can expect a call."""
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    handoff_service.open_request(
        session, reason=reason, text=text, beneficiary=beneficiary, inbound_message_id=inbound_message_id
    )
    organisation = organisation_service.get_organisation(session, organisation_id=beneficiary.organisation_id)
    return HandoffResult(ok=True, expected_label=expected_call_label(organisation, now))


def barrier(session: Session, *, beneficiary_id: int, group: str, text: str, now: datetime) -> BarrierReply:
    """A barrier heard in conversation: offers nearby, carnet entry, and the pending choice to resume.

    "le 1, et j'ai pas de voiture": while choosing, a message that opens with an option
    number books that slot too, before the offers.
    """
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    organisation = organisation_service.get_organisation(session, organisation_id=beneficiary.organisation_id)
    booking = None
    # the cheap test first: most barrier messages name no option, and state() queries
    if (
        opens_with_option_number(text)
        and state(session, beneficiary_id=beneficiary_id, now=now).invitation_pending
    ):
        choice = choose_slot(session, beneficiary_id=beneficiary_id, text=text, now=now)
        booking = choice if choice.outcome in ("booked", "moved") else None
    result = record_barrier(
        session, beneficiary=beneficiary, group=group, words=text, source="conversation", now=now
    )
    current = state(session, beneficiary_id=beneficiary_id, now=now)
    return BarrierReply(
        outcome="offers" if result.offers_text else "no_offer",
        offers_text=result.offers_text,
        pending_options_text=current.options_text if current.invitation_pending else "",
        resume_text=questionnaire.current_question(beneficiary),
        expected_label=expected_call_label(organisation, now),
        booking=booking,
    )


def questionnaire_answer(
    session: Session,
    *,
    beneficiary_id: int,
    intent: str,
    barrier_group: str | None,
    text: str,
    inbound_id: int,
    now: datetime,
) -> QuestionnaireReply:
    """A message Rasa understood, while a questionnaire question may be waiting for it."""
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    taken = questionnaire.take(
        session,
        beneficiary=beneficiary,
        intent=intent,
        barrier_group=barrier_group,
        text=text,
        inbound_id=inbound_id,
        now=now,
    )
    return QuestionnaireReply(outcome=taken.outcome, texts=taken.texts)
