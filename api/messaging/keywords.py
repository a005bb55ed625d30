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


# Words that may follow STOP without changing what it means: "stop svp", "stop merci",
# "stop arretez les sms", "stop je veux plus de messages". Any other word ("stop ou encore")
# makes it a sentence for the dialogue to understand.
_STOP_REINFORCEMENTS = {
    "SVP", "STP", "MERCI", "BIEN", "BCP", "C", "CEST", "EST", "FINI", "ARRETEZ", "ARRETER", "PLUS",
    "DE", "D", "SMS", "MESSAGE", "MESSAGES", "MSG", "LES", "ME", "M", "ENVOYER", "ENVOYEZ", "JE",
    "VEUX", "NE", "N", "RECEVOIR", "PAS", "RIEN", "A", "MOI", "QUESTION", "QUESTIONS", "ECRIRE",
    "ECRIVEZ", "TOUT", "DU", "STOP", "AU", "REVOIR",
}  # fmt: skip


def detect_keyword(body: str) -> Keyword | None:
    """The keyword a message consists of ('Stop', 'STOP SMS', 'arrêt !', 'stop svp'), or None."""
    without_accents = unicodedata.normalize("NFKD", body).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Z]+", " ", without_accents.upper()).split()
    keyword = _KEYWORDS.get(" ".join(words))
    if keyword is None and words and words[0] in ("STOP", "STOPSMS"):
        if all(word in _STOP_REINFORCEMENTS for word in words[1:]):
            return Keyword.STOP
    return keyword
