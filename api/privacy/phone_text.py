"""Phone numbers inside free text (log lines, URLs, CSV files): found, masked, compared.

Recognised: international numbers (+33612345678, whatsapp:+33612345678, 0033..., %2B33... as
in a URL query string) and French national ones (0612345678, 06 12 34 56 78, 06.12.34.56.78,
06-12-...), with spaces, dots, dashes, '+' or '%20' between the digits.
"""

import re

import phonenumbers
from phonenumbers import NumberParseException

_SEP = r"(?:[ .\-+]|%20)?"
PHONE_PATTERN = re.compile(
    # Not inside a longer word or number (a Twilio SID, a UUID, a timestamp).
    rf"(?<![\w%])(?P<international>(?:\+|%2[Bb]|00)[1-9](?:{_SEP}\d){{7,14}})(?!\d)"
    rf"|(?<![\w%+])(?P<national>0[1-9](?:{_SEP}\d{{2}}){{4}})(?!\d)"
)
_INTERNATIONAL_PREFIX = re.compile(r"^(?:\+|%2[Bb]|00)")
_UNITS = re.compile(r"%20|.")


def _masked(match: re.Match[str]) -> str:
    """Keep the prefix, the country code and first digit (or 06), and the last two digits."""
    text = match.group(0)
    prefix = ""
    if match.group("international"):
        prefix = _INTERNATIONAL_PREFIX.match(text).group(0)  # type: ignore[union-attr]
        text = text[len(prefix) :]
    head = 3 if prefix else 2
    units = _UNITS.findall(text)  # "%20" is one separator, not two digits
    total = sum(unit.isdigit() for unit in units)
    out, seen = [], 0
    for unit in units:
        if unit.isdigit():
            seen += 1
            out.append(unit if seen <= head or seen > total - 2 else "*")
        else:
            out.append(unit)
    return prefix + "".join(out)


def mask_phones(text: str) -> str:
    """The text with every phone number masked: +33612345678 -> +336******78."""
    return PHONE_PATTERN.sub(_masked, text)


def has_phone(text: str) -> bool:
    return PHONE_PATTERN.search(text) is not None


def _written_numbers(text: str, default_region: str) -> list[phonenumbers.PhoneNumber]:
    numbers = []
    for match in PHONE_PATTERN.finditer(text):
        raw = match.group(0).replace("%20", "").replace("%2B", "+").replace("%2b", "+")
        digits = re.sub(r"[^\d]", "", raw)
        if raw.startswith("00"):
            candidate = "+" + digits[2:]
        else:
            candidate = "+" + digits if raw.startswith("+") else digits
        try:
            numbers.append(phonenumbers.parse(candidate, default_region))
        except NumberParseException:
            continue
    return numbers


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_in(text: str, default_region: str = "FR") -> set[str]:
    """The E.164 form of every valid phone number written in the text."""
    return {
        _e164(number)
        for number in _written_numbers(text, default_region)
        if phonenumbers.is_valid_number(number)
    }


def mentions(text: str, phone: str, default_region: str = "FR") -> bool:
    """Whether the text writes this E.164 number, in any of the forms above (valid or not: the
    demo numbers, 06 39 98 xx xx, are reserved for fiction and unknown to phonenumbers)."""
    if phone[-8:] not in re.sub(r"\D", "", text):
        return False
    return any(_e164(number) == phone for number in _written_numbers(text, default_region))
