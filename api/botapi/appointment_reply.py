"""What a person's answer about their booked appointment does (confirm, cancel, move)."""

from datetime import datetime

from sqlalchemy.orm import Session

from api.agenda.labels import options_text
from api.appointments import service as appointment_service
from api.beneficiaries import service as beneficiary_service
from api.beneficiaries.models import Beneficiary
from api.botapi.schemas import AppointmentReplyResult
from api.botapi.service import appointment_view, time_zone
from api.consent_question import service as consent_question
from api.handoffs import service as handoff_service
from api.invitations import service as invitation_service
from api.scheduling import service as scheduling_service

CANCEL_OR_MOVE = "cancel_or_move"


def appointment_reply(
    session: Session, *, beneficiary_id: int, intent: str, text: str, now: datetime
) -> AppointmentReplyResult:
    """Apply the person's answer: to the consent question if one waits, else to their appointment.

    A consent question still waits after an answer about something else, unless that answer
    asked a question of its own (cancel or move?).
    """
    beneficiary = beneficiary_service.get_beneficiary(session, beneficiary_id=beneficiary_id)
    answered = consent_question.answer_pending(
        session, beneficiary=beneficiary, intent=intent, text=text, now=now
    )
    if answered is not None:
        return AppointmentReplyResult(outcome=answered)
    consent_waits = consent_question.is_pending(beneficiary)
    result = _reply_about_appointment(session, beneficiary=beneficiary, intent=intent, text=text, now=now)
    if consent_waits and beneficiary.pending_question is None:
        beneficiary.pending_question = consent_question.PENDING
    return result


def _reply_about_appointment(
    session: Session, *, beneficiary: Beneficiary, intent: str, text: str, now: datetime
) -> AppointmentReplyResult:
    """Apply the person's answer to their upcoming appointment.

    An explicit cancellation ("annulez mon rdv") cancels at once. Words that only say the
    person will not come ("non", "je pourrai pas venir") ask once whether to cancel or move:
    most people who cannot come on that day still want an appointment.
    """
    appointment = appointment_service.upcoming_appointment(session, beneficiary_id=beneficiary.id, now=now)
    was_asked = beneficiary.pending_question == CANCEL_OR_MOVE
    beneficiary.pending_question = None
    if intent == "acknowledge":
        # "ok merci", "d'accord merci": a confirmation only as the answer to a reminder
        # still unconfirmed; otherwise the conversation thanks back (not_applicable).
        if (
            appointment is None
            or was_asked
            or appointment.confirmed_at is not None
            or not scheduling_service.reminder_sent(session, appointment=appointment)
        ):
            beneficiary.pending_question = CANCEL_OR_MOVE if was_asked else None
            return AppointmentReplyResult(outcome="not_applicable")
        intent = "affirm"
    if appointment is None:
        return AppointmentReplyResult(outcome="not_applicable")
    tz = time_zone(session, beneficiary)
    view = appointment_view(appointment, tz)

    def ask() -> AppointmentReplyResult:
        beneficiary.pending_question = CANCEL_OR_MOVE
        return AppointmentReplyResult(outcome="asked_cancel_or_move", appointment=view)

    if intent in ("reschedule_appointment", "other_slots"):
        slots = invitation_service.open_move_offer(session, appointment=appointment, now=now)
        if not slots:
            handoff_service.open_request(
                session, reason="no_slot_left", text=text or "Demande de déplacement", beneficiary=beneficiary
            )
            return AppointmentReplyResult(outcome="no_more_slots", appointment=view)
        return AppointmentReplyResult(
            outcome="move_offered", appointment=view, options_text=options_text([s.start for s in slots], tz)
        )
    if intent == "cancel_appointment":
        late = appointment_service.cancel_by_person(session, appointment=appointment, now=now)
        return AppointmentReplyResult(outcome="cancelled_late" if late else "cancelled", appointment=view)
    if intent == "affirm" and was_asked:
        # "finalement je viens", "je garde le rdv": the question was about not coming.
        return AppointmentReplyResult(outcome="kept", appointment=view)
    if intent == "affirm":
        appointment_service.confirm(session, appointment=appointment, now=now)
        return AppointmentReplyResult(outcome="confirmed", appointment=view)
    # "non", "je pourrai pas venir": ask whether to cancel or move.
    return ask()
