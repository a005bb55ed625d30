"""Text from outside (an SMS, a WhatsApp message, the simulator) made safe to store and to read.

One job: whatever a phone sends, the message is kept. `clean_inbound_text` is applied once,
where an inbound message is recorded (api/messaging/inbound.py: the Twilio webhook and the
simulator both go through it), so the stored message, the carnet, the queue of professionals,
triage and Rasa all see the same text. What it does, and why:

- NUL and the other C0 control characters are removed, except newline and tab (PostgreSQL
  refuses NUL in a text column: the message was lost with an HTTP 500); a carriage return
  becomes a newline ("\\r\\n" and "\\r" are how some phones end lines); DEL and the C1 controls
  (U+0080-U+009F) are removed too;
- a lone surrogate (possible in JSON, "\\ud800", never in valid UTF-8) cannot be encoded in
  UTF-8 by any database driver: it becomes U+FFFD, the replacement character; a surrogate pair
  becomes the character it encodes;
- bidirectional control marks (LRM, RLM, ALM, embeddings, overrides, isolates) and the BOM /
  zero-width no-break space are removed: invisible, they make a "STOP" or a "le 2" fail to be
  read and can make a professional read the text in the wrong order;
- the text is cut to MAX_TEXT_CHARS characters (far above any real message: Twilio joins an
  SMS to at most 1,600 characters, WhatsApp to 4,096); triage answers a message over
  `max_inbound_chars` (640) itself and hands it to a professional;
- accents, emoji (with their zero-width joiners and variation selectors), every script and
  the characters themselves are kept as typed: the carnet shows what the person wrote.

Digits. The stored text keeps the digits as typed ("²", "٢", "２"). Where a number is *read*
from a person's text (the option chosen in "le 2", an answer "1" to the questionnaire),
`ascii_digits` first turns every single-digit character into its ASCII digit: Arabic-Indic
"٢" and Persian "۲" (people write numbers with the keyboard they have), fullwidth "２"
(Asian keyboards), superscript "²" (the key at the top left of a French AZERTY keyboard,
next to "&", often hit for a digit) and circled "①" are read as 2, 2, 2, 2 and 1. After that
the readers match ASCII digits only (`re.ASCII`, `is_ascii_number`): `"²".isdigit()` is True
but `int("²")` raises, and `\\d` matches any script's digits. Numbers that are not written by
a person (ids in console URLs and forms, Twilio's NumMedia) are ASCII digits or nothing:
`is_ascii_number`, `parse_count`.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT_CHARS = 16_000
REPLACEMENT = "\ufffd"

# C0 controls except tab (09) and newline (0A); CR (0D) is handled first. DEL, C1 controls.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# LRM, RLM, ALM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI, BOM (zero-width no-break space).
_BIDI_AND_BOM = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\x7f]")


def fix_surrogates(text: str) -> str:
    """Pairs of surrogates joined into their character, lone ones replaced by U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_inbound_text(text: str | None, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """The text of an inbound message as it is stored and read everywhere (see above)."""
    if not text:
        return ""
    text = fix_surrogates(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    text = _BIDI_AND_BOM.sub("", text)
    return text[:max_chars]


def clean_field(value: str | None, *, max_chars: int) -> str:
    """A one-line value stored in a bounded column (an address, an id): no control characters,
    no lone surrogate, at most max_chars characters."""
    return clean_inbound_text(value, max_chars=max_chars).replace("\n", "").replace("\t", "")


def is_ascii_number(value: str) -> bool:
    """Only ASCII digits 0-9, at least one: what int() can be given without surprise."""
    return value.isascii() and value.isdecimal()


def ascii_int(value: str | None, *, max_digits: int = 9) -> int | None:
    """An id or a page number from a URL or a form: ASCII digits that fit a database integer,
    else None ("²", "٢", "12a", "" and 99999999999 are None, never an exception)."""
    value = (value or "").strip()
    if not is_ascii_number(value) or len(value) > max_digits:
        return None
    return int(value)


def parse_count(value: str | None, *, default: int = 0, max_digits: int = 6) -> int:
    """A small count sent as text (Twilio's NumMedia): ASCII digits, else the default."""
    value = (value or "").strip()
    if not is_ascii_number(value) or len(value) > max_digits:
        return default
    return int(value)


def _ascii_digit(match: re.Match[str]) -> str:
    digit = unicodedata.digit(match.group(0), None)
    return str(digit) if digit is not None else match.group(0)


def ascii_digits(text: str) -> str:
    """The text with every single-digit character ("٢", "２", "²", "①") as its ASCII digit."""
    if text.isascii():
        return text
    return _NON_ASCII_DIGIT.sub(_ascii_digit, text)
