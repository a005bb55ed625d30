"""SMS segment counting for GSM-7 and UCS-2 (GSM 03.38 / 3GPP TS 23.038).

One character outside the GSM-7 alphabet switches the whole message to UCS-2:
70 code units in a single SMS instead of 160 septets, then 67 instead of 153 per
part of a concatenated message. Every segment is billed, so keep replies GSM-7.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

# GSM 03.38 default alphabet, in table order (0x00-0x7F, 0x1B = escape omitted).
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"  # 0x1B (escape to the extension table) is not a character
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# Extension table: each costs two septets (escape + code).
GSM7_EXTENDED: frozenset[str] = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE_LIMIT = 160
GSM7_PART_LIMIT = 153
UCS2_SINGLE_LIMIT = 70
UCS2_PART_LIMIT = 67


@dataclass(frozen=True)
class SegmentCount:
    encoding: Literal["GSM-7", "UCS-2"]
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character of text is in the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def non_gsm7_chars(text: str) -> list[str]:
    """The distinct characters of text outside GSM-7, in order of first appearance."""
    seen: list[str] = []
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED and ch not in seen:
            seen.append(ch)
    return seen


def _pack(costs: list[int], single: int, part: int) -> int:
    """Number of segments for units of the given costs; a unit is never split."""
    total = sum(costs)
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments += 1
            used = 0
        used += cost
    return segments


def count_segments(text: str) -> SegmentCount:
    """Encoding, length in units and number of billed segments of an SMS body.

    An empty body counts as one segment (it is still one message). In GSM-7 an
    extension character (2 septets) is never split across two parts; in UCS-2 a
    surrogate pair (emoji, 2 code units) is never split either.
    """
    if is_gsm7(text):
        costs = [2 if ch in GSM7_EXTENDED else 1 for ch in text]
        return SegmentCount(
            encoding="GSM-7",
            units=sum(costs),
            segments=_pack(costs, GSM7_SINGLE_LIMIT, GSM7_PART_LIMIT),
        )
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentCount(
        encoding="UCS-2",
        units=sum(costs),
        segments=_pack(costs, UCS2_SINGLE_LIMIT, UCS2_PART_LIMIT),
    )


_REPLACEMENTS: dict[str, str] = {
    "\u2019": "'",  # ’
    "\u2018": "'",  # ‘
    "\u201b": "'",
    "\u02bc": "'",
    "\u00b4": "'",  # ´
    "`": "'",
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u2039": "'",  # ‹
    "\u203a": "'",  # ›
    "\u2026": "...",  # …
    "\u2013": "-",  # –
    "\u2014": "-",  # —
    "\u2012": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2212": "-",  # minus sign
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space (French typography before : ; ! ?)
    "\u2009": " ",  # thin space
    "\u2007": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u200b": "",  # zero-width space
    "\ufeff": "",
    "\t": " ",
    "\u2022": "-",  # •
    "\u00b7": "-",  # ·
    "â": "a",
    "ê": "e",
    "î": "i",
    "ô": "o",
    "û": "u",
    "ç": "c",
    "ë": "e",
    "ï": "i",
    "ÿ": "y",
    "á": "a",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "œ": "oe",
    "Œ": "OE",
    "À": "A",
    "Â": "A",
    "È": "E",
    "Ê": "E",
    "Ë": "E",
    "Î": "I",
    "Ï": "I",
    "Ô": "O",
    "Ù": "U",
    "Û": "U",
    "Ÿ": "Y",
    "°": "o",  # n° -> no
    "º": "o",
    "ª": "a",
    "²": "2",
    "³": "3",
}


def to_gsm7(text: str) -> str:
    """Replace common non-GSM-7 characters with GSM-7 lookalikes.

    Keeps é è à ù ì ò É Ç (they are GSM-7). Any other accented letter loses its
    accent when that makes it GSM-7; characters with no lookalike (emojis) stay,
    so `is_gsm7` on the result tells whether the message is now GSM-7.
    """
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENDED:
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        else:
            stripped = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
            out.append(stripped if stripped and is_gsm7(stripped) else ch)
    return "".join(out)
