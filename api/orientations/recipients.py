"""Who answers a request for a service of the catalogue, and how the person reaches the service."""

import re
from dataclasses import dataclass

import phonenumbers
from sqlalchemy.orm import Session

from api.offers.models import Service
from api.organisations.models import Organisation

_OWN_SOURCE = re.compile(r"organisation-(\d{1,18})")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Recipient:
    """An organisation with member accounts, or an e-mail address when the structure has none here."""

    organisation_id: int | None
    email: str | None


def recipient_of(session: Session, service: Service) -> Recipient | None:
    """An organisation's own offer goes to its members; any other to the service's or structure's e-mail."""
    own = _OWN_SOURCE.fullmatch(service.source)
    if own is not None and session.get(Organisation, int(own.group(1))) is not None:
        return Recipient(int(own.group(1)), None)
    for address in (service.courriel, service.structure.courriel):
        if address and _EMAIL.match(address.strip()) and len(address.strip()) <= 254:
            return Recipient(None, address.strip())
    return None


def contact_of(service: Service) -> str:
    """How the person reaches the service: a phone number, else an address, else an e-mail address."""
    phone = service.telephone or service.structure.telephone
    if phone:
        try:
            number = phonenumbers.parse(phone, "FR")
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        except phonenumbers.NumberParseException:
            pass
    street = service.adresse or service.structure.adresse
    commune = service.commune or service.structure.commune
    if street and commune:
        return f"{street}, {commune}"[:200]
    email = service.courriel or service.structure.courriel
    return (email or commune or "")[:200]
