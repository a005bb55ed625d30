"""The console's form for the person's consent to share with the structures that follow them:
a professional of the record's organisation notes it, or its withdrawal (docs/access.md)."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.consent_question import service as consent_question
from api.console.rendering import harden
from api.console.session import ConsoleUser, CurrentConsoleUser, audit_person, member_beneficiary
from api.db import utcnow
from api.deps import SessionDep
from api.errors import AppError
from api.followers import service as followers_service

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)


@router.post("/beneficiaires/{beneficiary_id}/partage")
def record_consent(
    beneficiary_id: int,
    session: SessionDep,
    user: CurrentConsoleUser,
    csrf_token: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """`action=donner`: the person agreed to share (noted by the user); `action=retirer`: withdrawn;
    `action=demander`: the question goes to the person by SMS (api/consent_question)."""
    user.check_csrf(csrf_token)
    beneficiary = member_beneficiary(session, user, beneficiary_id)
    now = utcnow()
    if action == "demander":
        return _ask_by_sms(session, user, beneficiary)
    try:
        if action == "donner":
            followers_service.give_consent(
                session,
                beneficiary_id=beneficiary.id,
                how="professional",
                now=now,
                user_id=user.user_id,
                note=note,
            )
        elif action == "retirer":
            followers_service.withdraw_consent(
                session, beneficiary_id=beneficiary.id, now=now, user_id=user.user_id
            )
        else:
            raise AppError(422, "action must be donner or retirer")
        outcome = "partage-donne" if action == "donner" else "partage-retire"
        audit_person(
            session,
            user,
            "consent.give" if action == "donner" else "consent.withdraw",
            beneficiary,
            "console",
        )
    except AppError as refused:
        if refused.status_code == 422:
            raise
        outcome = "partage-inchange"  # given twice, or withdrawn with none given: nothing changed
    return harden(RedirectResponse(f"/console/beneficiaires/{beneficiary.id}?ok={outcome}#suivi", 303))


def _ask_by_sms(session: Session, user: ConsoleUser, beneficiary: Beneficiary) -> Response:
    try:
        consent_question.ask(session, beneficiary=beneficiary, user_id=user.user_id)
    except AppError:
        # already given (the form offers the question only without consent), or STOP
        outcome = "partage-inchange" if not beneficiary.opted_out else "partage-non-demande"
        return harden(RedirectResponse(f"/console/beneficiaires/{beneficiary.id}?ok={outcome}#suivi", 303))
    audit_person(session, user, "consent.ask_by_sms", beneficiary, "console")
    return harden(RedirectResponse(f"/console/beneficiaires/{beneficiary.id}?ok=partage-demande#suivi", 303))
