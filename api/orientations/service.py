"""Orientation requests: search the catalogue for a person, send a request, answer it; no HTTP here.

Lifecycle: open -> accepted | refused (the receiving structure answers, with a reason) | expired
(no answer after `orientation_expiry_days`, api/orientations/lifecycle.py). Each step is one
conditional UPDATE from `open`, so two answers at once (or an answer and the expiry) cannot both win.
Every step is a carnet entry of the person; an accepted request tells the person by SMS (outbox).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.config import get_settings
from api.errors import Conflict, Invalid, NotFound
from api.messaging import outbox
from api.offers import matching
from api.offers import service as offers_service
from api.offers.models import Service
from api.organisations.models import Organisation
from api.orientations import texts
from api.orientations.models import OrientationMail, OrientationRequest
from api.orientations.recipients import Recipient, contact_of, recipient_of
from api.scheduling.policy import next_sending_time


@dataclass(frozen=True)
class Candidate:
    """A service of the catalogue that can take the person, and who would answer the request."""

    service: Service
    recipient: Recipient


def themes_of(value: str) -> list[str]:
    """A taxonomy theme, or a group of them ("mobilite"...): the themes to search (422 if unknown)."""
    if value in matching.theme_groups():
        return matching.theme_group_themes(value)
    if value in matching.theme_labels():
        return [value]
    raise Invalid(f"unknown theme {value!r}")


def search_services(
    session: Session, *, beneficiary: Beneficiary, theme: str, limit: int = 10
) -> list[Candidate]:
    """Services on this theme whose zone covers the person's commune, that a request can reach."""
    holder = session.get(Organisation, beneficiary.organisation_id)
    assert holder is not None
    code = beneficiary.code_insee
    departement = matching.departement_of(code) if code else holder.departement_code
    found = matching.match_offers(
        session, themes=themes_of(theme), code_insee=code, departement_code=departement, limit=200
    )
    candidates = []
    for service in found:
        recipient = recipient_of(session, service)
        if recipient is not None:
            candidates.append(Candidate(service, recipient))
    return candidates[:limit]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def answer_link(token: str) -> str:
    """The page where a structure without an account answers (api/console/orientation_answer_pages.py)."""
    return f"{get_settings().console_base_url.rstrip('/')}/orientations/reponse/{token}"


def send_request(
    session: Session,
    *,
    beneficiary: Beneficiary,
    from_organisation_id: int,
    user_id: int,
    service_id: int,
    theme: str,
    reason: str,
    now: datetime,
) -> OrientationRequest:
    """Ask the service to take the person on: 422 if it covers neither the theme nor the person's
    commune, or has no one to answer; 409 if a request to it for the person is still open."""
    service = offers_service.get_service(session, service_id=service_id)
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid("a reason is required")
    wanted = themes_of(theme)
    if not set(wanted).intersection(service.thematiques or ()):
        raise Invalid("this service does not offer this theme")
    if not any(
        c.service.id == service.id
        for c in search_services(session, beneficiary=beneficiary, theme=theme, limit=10_000)
    ):
        raise Invalid("this service covers neither the person's commune nor can it receive a request")
    recipient = recipient_of(session, service)
    assert recipient is not None
    still_open = session.scalar(
        select(OrientationRequest.id).where(
            OrientationRequest.beneficiary_id == beneficiary.id,
            OrientationRequest.service_id == service.id,
            OrientationRequest.state == "open",
        )
    )
    if still_open is not None:
        raise Conflict("a request to this service for this person is still open")
    request = OrientationRequest(
        beneficiary_id=beneficiary.id,
        from_organisation_id=from_organisation_id,
        sent_by_user_id=user_id,
        service_id=service.id,
        service_name=service.nom[:150],
        structure_name=service.structure.nom[:150],
        contact=contact_of(service),
        to_organisation_id=recipient.organisation_id,
        to_email=recipient.email,
        theme=theme[:150],
        reason=reason[:500],
        state="open",
        created_at=now,
    )
    session.add(request)
    session.flush()
    record_step(session, request, "orientation_sent", author="professional", body=request.reason)
    queue_mail(session, request=request, kind="request", now=now)
    return request


def queue_mail(
    session: Session, *, request: OrientationRequest, kind: str, now: datetime
) -> OrientationMail | None:
    """Queue the mail of a request, or of its reminder, to the structure without an account; each
    mail carries its own answer link (only its hash is stored)."""
    if request.to_email is None:
        return None
    token = secrets.token_urlsafe(32)
    settings = get_settings()
    person = session.get(Beneficiary, request.beneficiary_id)
    sender = session.get(Organisation, request.from_organisation_id)
    assert person is not None and sender is not None
    link = answer_link(token)
    surname = (person.last_name or "").strip()
    values = {
        "from_name": sender.name,
        "service": request.service_name,
        "first_name": person.first_name or "",
        "initial": f"{surname[0]}." if surname else "",
        "theme": matching.theme_labels().get(request.theme, request.theme),
        "reason": request.reason,
        "link": link,
        "reminder_days": settings.orientation_reminder_days,
        "expiry_days": settings.orientation_expiry_days,
        "sent_on": request.created_at.astimezone(sender.zone).strftime("%d/%m/%Y"),
        "expires_on": expires_at(request).astimezone(sender.zone).strftime("%d/%m/%Y"),
    }
    subject, body = (
        (texts.REQUEST_SUBJECT, texts.REQUEST_BODY)
        if kind == "request"
        else (texts.REMINDER_SUBJECT, texts.REMINDER_BODY)
    )
    mail = OrientationMail(
        orientation_id=request.id,
        kind=kind,
        to_address=request.to_email,
        subject=" ".join(subject.format(**values).split())[:200],
        body=body.format(**values),
        link_token_hash=_token_hash(token),
        state="pending",
        next_attempt_at=now,
        created_at=now,
    )
    session.add(mail)
    session.flush()
    return mail


def expires_at(request: OrientationRequest) -> datetime:
    return request.created_at + timedelta(days=get_settings().orientation_expiry_days)


def get_request(session: Session, *, orientation_id: int) -> OrientationRequest:
    request = session.get(OrientationRequest, orientation_id)
    if request is None:
        raise NotFound("orientation")
    return request


def by_token(session: Session, *, token: str) -> OrientationRequest:
    """The request of an answer link, or 404."""
    request = session.scalar(
        select(OrientationRequest)
        .join(OrientationMail, OrientationMail.orientation_id == OrientationRequest.id)
        .where(OrientationMail.link_token_hash == _token_hash(token))
    )
    if request is None:
        raise NotFound("orientation")
    return request


def answer(
    session: Session,
    *,
    request: OrientationRequest,
    accept: bool,
    reason: str,
    user_id: int | None,
    now: datetime,
) -> OrientationRequest:
    """The receiving structure accepts or refuses (a refusal needs a reason); 409 unless still open."""
    reason = " ".join(reason.split())[:500]
    if not accept and not reason:
        raise Invalid("a refusal needs a reason")
    state = "accepted" if accept else "refused"
    changed = session.execute(
        update(OrientationRequest)
        .where(OrientationRequest.id == request.id, OrientationRequest.state == "open")
        .values(state=state, closed_at=now, answer_reason=reason, answered_by_user_id=user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(request)
    if changed != 1:
        raise Conflict(f"this request is already {request.state}")
    record_step(session, request, f"orientation_{state}", author="professional", body=reason)
    if accept:
        _tell_the_person(session, request, now)
    return request


def _tell_the_person(session: Session, request: OrientationRequest, now: datetime) -> None:
    """The SMS of an accepted request, in the holder's sending hours; none to a person who said STOP."""
    person = session.get(Beneficiary, request.beneficiary_id)
    holder = session.get(Organisation, person.organisation_id) if person else None
    assert person is not None and holder is not None
    if person.opted_out:
        record_step(session, request, "orientation_not_told", author="system", body="")
        return
    body = texts.accepted_sms(
        structure=request.structure_name, service=request.service_name, contact=request.contact
    )
    message = outbox.enqueue(
        session,
        beneficiary=person,
        body=body,
        kind="orientation_accepted",
        not_before=next_sending_time(holder, now),
    )
    request.outbox_message_id = message.id
    session.flush()


def record_step(
    session: Session, request: OrientationRequest, kind: str, *, author: str, body: str = ""
) -> None:
    """One step of the request in the person's carnet."""
    carnet_service.add_entry(
        session,
        beneficiary_id=request.beneficiary_id,
        kind=kind,
        author=author,
        body=body,
        data={
            "orientation_id": request.id,
            "service": request.service_name,
            "structure": request.structure_name,
            "theme": request.theme,
            "from_organisation_id": request.from_organisation_id,
        },
    )


def for_person(session: Session, *, beneficiary_id: int) -> list[OrientationRequest]:
    """The person's requests, newest first."""
    query = (
        select(OrientationRequest)
        .where(OrientationRequest.beneficiary_id == beneficiary_id)
        .order_by(OrientationRequest.created_at.desc(), OrientationRequest.id.desc())
    )
    return list(session.scalars(query))


def for_organisations(
    session: Session, *, organisation_ids: list[int], box: str, state: str | None = None
) -> list[OrientationRequest]:
    """Requests these organisations received (box "received") or sent ("sent"), newest first."""
    if not organisation_ids:
        return []
    column = (
        OrientationRequest.to_organisation_id
        if box == "received"
        else OrientationRequest.from_organisation_id
    )
    query = select(OrientationRequest).where(column.in_(organisation_ids))
    if state is not None:
        query = query.where(OrientationRequest.state == state)
    query = query.order_by(OrientationRequest.created_at.desc(), OrientationRequest.id.desc())
    return list(session.scalars(query))


def mail_state(session: Session, *, orientation_id: int) -> str | None:
    """Where the request's own mail is: pending, sent, failed; None when it went to an organisation."""
    return session.scalar(
        select(OrientationMail.state)
        .where(OrientationMail.orientation_id == orientation_id, OrientationMail.kind == "request")
        .limit(1)
    )


def forget_person(session: Session, *, beneficiary_id: int) -> int:
    """Delete the person's requests and their mails (the record's erasure)."""
    ids = list(
        session.scalars(
            select(OrientationRequest.id).where(OrientationRequest.beneficiary_id == beneficiary_id)
        )
    )
    if ids:
        session.execute(
            delete(OrientationMail)
            .where(OrientationMail.orientation_id.in_(ids))
            .execution_options(synchronize_session="fetch")
        )
        session.execute(
            delete(OrientationRequest)
            .where(OrientationRequest.id.in_(ids))
            .execution_options(synchronize_session="fetch")
        )
    return len(ids)


def person_of(session: Session, request: OrientationRequest) -> Beneficiary:
    person = session.get(Beneficiary, request.beneficiary_id)
    assert person is not None
    return person
