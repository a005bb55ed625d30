"""Phone numbers: parsed with phonenumbers, stored in E.164, landlines refused."""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from api.errors import Invalid

TEXTABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
# ARCEP reserves 06 39 98 00 00 to 06 39 98 99 99 for fiction: never given to anyone, so demos,
# tests and docs/exemple-import.csv use them (phonenumbers calls them unassigned, hence invalid).
FICTION_MOBILE = re.compile(r"\+3363998\d{4}")


def normalise_mobile(raw: str, default_region: str = "FR") -> str:
    """Return the E.164 form of a mobile number, or raise Invalid with a plain reason."""
    try:
        number = phonenumbers.parse(raw.strip(), default_region)
    except NumberParseException as exc:
        raise Invalid(f"not a phone number: {raw!r}") from exc
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if FICTION_MOBILE.fullmatch(e164):
        return e164
    if not phonenumbers.is_valid_number(number):
        raise Invalid(f"invalid phone number: {raw!r}")
    if phonenumbers.number_type(number) not in TEXTABLE_TYPES:
        raise Invalid(f"not a mobile number (cannot receive SMS): {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str) -> str:
    """Mask a phone number for logs: +33612345678 -> +336******78."""
    if len(phone) <= 6:
        return "***"
    return phone[:4] + "*" * (len(phone) - 6) + phone[-2:]
