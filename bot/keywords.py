"""Keywords handled by the gateway itself, before and without Rasa."""

import re
import unicodedata
from enum import Enum


class Keyword(Enum):
    STOP = "stop"
    START = "start"
    CONTACT = "contact"


_KEYWORDS = {
    "STOP": Keyword.STOP,
    "STOP SMS": Keyword.STOP,
    "STOPSMS": Keyword.STOP,
    "ARRET": Keyword.STOP,
    "ARRET SMS": Keyword.STOP,
    "DESABONNER": Keyword.STOP,
    "START": Keyword.START,
    "UNSTOP": Keyword.START,
    "CONTACT": Keyword.CONTACT,
}


def detect_keyword(body: str) -> Keyword | None:
    """The keyword a message consists of ('Stop', 'STOP SMS', 'arrêt !'), or None."""
    without_accents = unicodedata.normalize("NFKD", body).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Z]+", " ", without_accents.upper()).split()
    return _KEYWORDS.get(" ".join(words))
