"""REST API: a structure that follows the person asks them by SMS for their consent to share."""

from fastapi import APIRouter

from api.auth import CurrentUser
from api.consent_question import service
from api.consent_question.schemas import ConsentQuestionRead
from api.deps import SessionDep
from api.followers import audit
from api.followers.access import following_reader

router = APIRouter(prefix="/api", tags=["followers"])


@router.post(
    "/beneficiaries/{beneficiary_id}/sharing-consent/question",
    response_model=ConsentQuestionRead,
    status_code=202,
)
def ask_consent_by_sms(beneficiary_id: int, session: SessionDep, user: CurrentUser) -> ConsentQuestionRead:
    """Ask the person by SMS; their "oui" records the consent (given by SMS), their "non" the
    refusal. 409 if the consent is already given or the person opted out (STOP)."""
    reader = following_reader(session, user, beneficiary_id)
    message = service.ask(session, beneficiary=reader.beneficiary, user_id=user.user_id)
    audit.record(session, user, reader, "consent.ask_by_sms")
    return ConsentQuestionRead(outbox_message_id=message.id, body=message.body, asked_at=message.created_at)
