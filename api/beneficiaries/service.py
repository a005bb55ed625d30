from sqlalchemy import select
from sqlalchemy.orm import Session

from api.beneficiaries.models import Beneficiary
from api.beneficiaries.phones import normalise_mobile
from api.db import utcnow
from api.errors import Conflict, Invalid, NotFound
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
    """Register a person; the phone must be a valid mobile number, unique."""
    organisation_service.get_organisation(session, organisation_id=organisation_id)
    if preferred_channel not in ("sms", "whatsapp"):
        raise Invalid("preferred_channel must be sms or whatsapp")
    e164 = normalise_mobile(phone)
    if find_by_phone(session, phone=e164) is not None:
        raise Conflict("a beneficiary already has this phone number")
    beneficiary = Beneficiary(
        organisation_id=organisation_id,
        phone=e164,
        first_name=first_name,
        last_name=last_name,
        preferred_channel=preferred_channel,
        code_insee=code_insee,
    )
    session.add(beneficiary)
    session.flush()
    return beneficiary


def get_beneficiary(session: Session, *, beneficiary_id: int) -> Beneficiary:
    """One beneficiary, or 404."""
    beneficiary = session.get(Beneficiary, beneficiary_id)
    if beneficiary is None:
        raise NotFound("beneficiary")
    return beneficiary


def find_by_phone(session: Session, *, phone: str) -> Beneficiary | None:
    """The beneficiary with this E.164 number, if any."""
    return session.scalar(select(Beneficiary).where(Beneficiary.phone == phone))


def list_beneficiaries(session: Session, *, organisation_id: int | None = None) -> list[Beneficiary]:
    """Beneficiaries, optionally of one organisation."""
    query = select(Beneficiary).order_by(Beneficiary.id)
    if organisation_id is not None:
        query = query.where(Beneficiary.organisation_id == organisation_id)
    return list(session.scalars(query))


def set_opted_out(session: Session, *, beneficiary: Beneficiary, opted_out: bool) -> None:
    """Record STOP or START."""
    beneficiary.opted_out = opted_out
    beneficiary.opted_out_at = utcnow() if opted_out else None
    session.flush()
