"""The consent to share, asked by SMS and answered in the person's own words (issue 15, point 2).

A professional of a structure that follows the person asks; the question goes out through the
outbox and waits on the person (`pending_question`). The person's next "yes" or "no", as the
dialogue understood it, answers it (POST /internal/bot/appointment-reply calls
`answer_pending`). Any other request leaves it waiting. A yes or a no after a later question (a
reminder, an invitation, the questionnaire) answers that one, and the consent question is
dropped. A "yes" records the consent given by SMS, a "no" only the refusal in the carnet.
"""

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.errors import AppError, Conflict
from api.followers import service as followers_service
from api.messaging import outbox
from api.messaging.models import OutboxMessage
from api.messaging.segments import count_segments, to_gsm7

PENDING = "sharing_consent"
KIND = "consent_question"
# Outbound messages that ask the person something: a yes answers the one sent last.
_ASKING_KINDS = ("invitation", "relance", "reminder", "move", "questionnaire", "professional", KIND)

# One SMS: the structures named when their names fit, otherwise said in general.
_NAMED = (
    "{names} vous suivent. Acceptez-vous qu'ils voient tous vos messages, "
    "pour ne pas tout redire ? Répondez OUI ou NON."
)
_GENERAL = (
    "Bonjour, acceptez-vous que les structures qui vous accompagnent voient tous vos "
    "messages, pour ne pas tout redire ? Répondez OUI ou NON."
)


def question_text(names: list[str]) -> str:
    """The question, in one SMS."""
    if len(names) >= 2:
        # in GSM-7 as the outbox will send it ("Drôme" -> "Drome"), or it would not fit
        named = to_gsm7(_NAMED.format(names=", ".join(names[:-1]) + " et " + names[-1]))
        if count_segments(named).segments == 1:
            return named
    return _GENERAL


def ask(session: Session, *, beneficiary: Beneficiary, user_id: int) -> OutboxMessage:
    """Send the question; 409 if the consent is already given or the person opted out of SMS."""
    if beneficiary.opted_out:
        raise AppError(409, "the person asked for no more messages (STOP)")
    if followers_service.current_consent(session, beneficiary_id=beneficiary.id) is not None:
        raise Conflict("the person's consent to share is already recorded")
    names = [
        line.organisation_name
        for line in followers_service.list_followers(session, beneficiary_id=beneficiary.id)
        if line.follower.ended_at is None
    ]
    message = outbox.enqueue(session, body=question_text(names), kind=KIND, beneficiary=beneficiary)
    beneficiary.pending_question = PENDING
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="consent_asked",
        author="professional",
        data={"user_id": user_id, "outbox_message_id": message.id},
    )
    return message


def is_pending(beneficiary: Beneficiary) -> bool:
    return beneficiary.pending_question == PENDING


def _asked_last(session: Session, beneficiary: Beneficiary) -> bool:
    """No reminder, invitation or other question went out after the consent question."""
    latest = session.scalar(
        select(OutboxMessage.kind)
        .where(OutboxMessage.beneficiary_id == beneficiary.id, OutboxMessage.kind.in_(_ASKING_KINDS))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return latest == KIND


Answer = Literal["consent_given", "consent_refused"]


def answer_pending(
    session: Session, *, beneficiary: Beneficiary, intent: str, text: str, now: datetime
) -> Answer | None:
    """The outcome of a yes ("consent_given") or a no ("consent_refused") to a pending question,
    or None when no question waits or the words answer something else."""
    if not is_pending(beneficiary) or intent not in ("affirm", "deny"):
        return None
    beneficiary.pending_question = None
    if not _asked_last(session, beneficiary):
        return None  # "oui" to the reminder sent since: the consent question is dropped
    given = intent == "affirm"
    if given and followers_service.current_consent(session, beneficiary_id=beneficiary.id) is None:
        followers_service.give_consent(
            session, beneficiary_id=beneficiary.id, how="sms", now=now, user_id=None, note=text[:300]
        )
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="consent_given" if given else "consent_refused",
        author="beneficiary",
        data={"how": "sms"},
    )
    answer: Answer = "consent_given" if given else "consent_refused"
    return answer
