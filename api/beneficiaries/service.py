from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.beneficiaries.phones import normalise_mobile
from api.db import utcnow
from api.errors import Conflict, Invalid, NotFound
from api.followers import service as followers_service
from api.organisations import service as organisation_service


def create_beneficiary(
    session: Session,
    *,
    organisation_id: int,
    phone: str,
    first_name: str | None = None,
    last_name: str | None = None,
    preferred_channel: str = "sms",
    code_insee: str | None = None,
) -> Beneficiary:
    """Register a person; the phone must be a valid mobile number, unique within the organisation.

    A number known in another organisation is registered again here, and nothing tells that it
    exists elsewhere (docs/security.md: a number in two organisations)."""
    organisation_service.get_organisation(session, organisation_id=organisation_id)
    if preferred_channel not in ("sms", "whatsapp"):
        raise Invalid("preferred_channel must be sms or whatsapp")
    e164 = normalise_mobile(phone)
    if find_in_organisation(session, organisation_id=organisation_id, phone=e164) is not None:
        raise Conflict("a beneficiary of this organisation already has this phone number")
    opted_out_at = opted_out_numbers(session, phones=[e164]).get(e164)
    beneficiary = Beneficiary(
        opted_out=opted_out_at is not None,
        opted_out_at=opted_out_at,
        organisation_id=organisation_id,
        phone=e164,
        first_name=first_name,
        last_name=last_name,
        preferred_channel=preferred_channel,
        code_insee=code_insee,
    )
    session.add(beneficiary)
    session.flush()
    followers_service.holders_follow(session, beneficiaries=[beneficiary], now=beneficiary.created_at)
    return beneficiary


def get_beneficiary(session: Session, *, beneficiary_id: int) -> Beneficiary:
    """One beneficiary, or 404."""
    beneficiary = session.get(Beneficiary, beneficiary_id)
    if beneficiary is None:
        raise NotFound("beneficiary")
    return beneficiary


def find_in_organisation(session: Session, *, organisation_id: int, phone: str) -> Beneficiary | None:
    """The organisation's beneficiary with this E.164 number, if any."""
    return session.scalar(
        select(Beneficiary).where(Beneficiary.organisation_id == organisation_id, Beneficiary.phone == phone)
    )


def records_of_number(session: Session, *, phone: str) -> list[Beneficiary]:
    """Every beneficiary with this E.164 number, in every organisation, oldest first."""
    query = select(Beneficiary).where(Beneficiary.phone == phone).order_by(Beneficiary.id)
    return list(session.scalars(query))


def list_beneficiaries(session: Session, *, organisation_id: int | None = None) -> list[Beneficiary]:
    """Beneficiaries, optionally of one organisation."""
    query = select(Beneficiary).order_by(Beneficiary.id)
    if organisation_id is not None:
        query = query.where(Beneficiary.organisation_id == organisation_id)
    return list(session.scalars(query))


def opted_out_numbers(session: Session, *, phones: list[str]) -> dict[str, datetime]:
    """The numbers among these that said STOP (on any record, in any organisation), and when."""
    if not phones:
        return {}
    rows = session.execute(
        select(Beneficiary.phone, func.min(Beneficiary.opted_out_at))
        .where(Beneficiary.phone.in_(set(phones)), Beneficiary.opted_out.is_(True))
        .group_by(Beneficiary.phone)
    )
    return {phone: at or utcnow() for phone, at in rows}


def set_opted_out(session: Session, *, beneficiary: Beneficiary, opted_out: bool) -> None:
    """Record STOP or START for the number, on every record of it (in every organisation).

    The short code is shared: a person who says STOP to one département gets no SMS from another
    (and the carrier would block them anyway), and START lifts it for all.
    """
    session.execute(
        update(Beneficiary)
        .where(Beneficiary.phone == beneficiary.phone)
        .values(opted_out=opted_out, opted_out_at=utcnow() if opted_out else None)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
