"""A short optional questionnaire by SMS before a first appointment. Answers fill the same
carnet entries as barriers heard in conversation.

The dialogue asks and understands it like any other message (issue 12): the first question
follows the booking confirmation (slot-choice answer), and each later message reaches the
questionnaire only after Rasa has understood it (POST /internal/bot/questionnaire, with the
intent). An intent that is another request (cancel, move, a question, a human) sets the
questionnaire aside and the dialogue answers it; a barrier of another theme is answered with
its offers and the question is asked again. Only what Rasa took for an answer is read here,
against the current question's choices.

State lives on the beneficiary (`pending_question`): "questionnaire:<step>".
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.barriers.service import record_barrier
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.messaging import texts
from api.organisations.models import Organisation
from api.text_safety import ascii_digits

PREFIX = "questionnaire:"
STEPS = ("transport", "childcare", "note")
QUESTIONS = {
    "transport": texts.QUESTIONNAIRE_TRANSPORT,
    "childcare": texts.QUESTIONNAIRE_CHILDCARE,
    "note": texts.QUESTIONNAIRE_NOTE,
}

# Intents that are requests of their own: the dialogue answers them, the questionnaire stops.
OTHER_REQUESTS = frozenset(
    {
        "cancel_appointment",
        "reschedule_appointment",
        "cannot_come",
        "other_slots",
        "ask_human",
        "ask_appointment_info",
        "who_are_you",
        "ask_immersion",
        "greet",
    }
)
CHANGES_TO_THE_APPOINTMENT = frozenset({"cancel_appointment", "reschedule_appointment", "cannot_come"})
# The barrier groups that answer a question ("pas de voiture" at the transport question).
ANSWERING_GROUPS = {"transport": ("mobilite", "permis"), "childcare": ("garde_enfants",)}

SKIP = re.compile(r"\b(plus tard|pas maintenant|pas le temps|laisse[rz]? tomber|pas envie)\b")
NOTHING = re.compile(r"^(non|nan|no|rien|ras|non merci|merci non|pas besoin|c bon|cest bon|ca va)\b")
# "pas de voiture", "plus de voiture", "voiture en panne", "le bus ne passe pas": no solution.
NEGATED = re.compile(
    r"\b(pas|plus|aucune?|sans|jamais)\b( d[ e']| de la| du| le| la| les| mon| ma| mes)?"
    r"|\ben panne\b|\bne (marche|roule|passe|fonctionne) (pas|plus)\b"
)
TRANSPORT_WORDS = {
    "car": r"\b(voiture|auto|caisse|vehicule|scooter|moto|covoiturage|depose|emmene|amene)\b",
    "public": r"\b(bus|train|tram|transports?|metro|navette|car|ter)\b",
    # not "marche": "mon ordi marche plus" is about something broken
    "walk": r"\b(pied|marchant|velo|trottinette)\b",
}
TRANSPORT_NUMBERS = {"1": "car", "2": "public", "3": "walk", "4": "none"}
CHILDCARE_YES = r"\b(oui|ouais|ouai|yes|besoin|personne pour garder|nounou|creche|garde)\b"
CHILDCARE_NO = r"\b(non|nan|no|pas besoin|pas d.?enfants?|pas la peine)\b"


@dataclass
class Outcome:
    """What the questionnaire made of a message: `answered` (texts to send), `set_aside` (the
    dialogue answers it as the request it is) or `not_pending`."""

    outcome: Literal["answered", "set_aside", "not_pending"]
    texts: list[str] = field(default_factory=list)


def _fold(text: str) -> str:
    # "٢" and "２" are 2 as "2" is (api/text_safety.py), then ASCII only.
    without_accents = unicodedata.normalize("NFKD", ascii_digits(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9?' ]+", " ", without_accents.lower()).strip()


def _lone_number(folded: str, allowed: str) -> str | None:
    match = re.fullmatch(rf"(?:le |la |n |numero |reponse )?([{allowed}])", folded)
    return match.group(1) if match else None


def start_after_booking(session: Session, *, beneficiary: Beneficiary) -> str:
    """After a first booking: the first question, to send after the confirmation ("" if none)."""
    organisation = session.get(Organisation, beneficiary.organisation_id)
    if organisation is None or not organisation.questionnaire_enabled or beneficiary.opted_out:
        return ""
    already = session.scalar(
        select(CarnetEntry.id).where(
            CarnetEntry.beneficiary_id == beneficiary.id, CarnetEntry.kind == "questionnaire_started"
        )
    )
    if already is not None:
        return ""
    carnet_service.add_entry(
        session, beneficiary_id=beneficiary.id, kind="questionnaire_started", author="assistant"
    )
    beneficiary.pending_question = f"{PREFIX}{STEPS[0]}"
    return QUESTIONS[STEPS[0]]


def in_progress(beneficiary: Beneficiary) -> bool:
    return (beneficiary.pending_question or "").startswith(PREFIX)


def current_question(beneficiary: Beneficiary) -> str:
    """The question waiting for an answer, to ask again after another request ("" if none)."""
    if not in_progress(beneficiary):
        return ""
    return QUESTIONS.get((beneficiary.pending_question or "").removeprefix(PREFIX), "")


def take(
    session: Session,
    *,
    beneficiary: Beneficiary,
    intent: str,
    text: str,
    inbound_id: int,
    now: datetime,
    barrier_group: str | None = None,
) -> Outcome:
    """Take a message Rasa understood as `intent` while a question waits for its answer; a
    barrier comes with its group (`barrier_group`, as the actions map barrier intents)."""
    if not in_progress(beneficiary):
        return Outcome("not_pending")
    step = (beneficiary.pending_question or "").removeprefix(PREFIX)
    if step not in STEPS:  # a state written by an older version ("transport:unasked")
        beneficiary.pending_question = None
        return Outcome("not_pending")
    if "+" in intent:
        # two requests at once ("affirm+ask_appointment_info"): both are answered, the
        # questionnaire is dropped rather than asked again after them
        beneficiary.pending_question = None
        return Outcome("set_aside")
    folded = _fold(text)
    group = barrier_group
    if group is not None and group not in ANSWERING_GROUPS.get(step, ()):
        return Outcome("set_aside")  # offers for that barrier, then the question again
    if intent not in CHANGES_TO_THE_APPOINTMENT and SKIP.search(folded):
        # "plus tard", "pas maintenant": later for the questionnaire, not another date
        beneficiary.pending_question = None
        _record(session, beneficiary, "skipped", text, inbound_id)
        return Outcome("answered", [texts.QUESTIONNAIRE_DONE])
    if intent in OTHER_REQUESTS or (intent == "thanks" and step != "note"):
        beneficiary.pending_question = None
        return Outcome("set_aside")

    sent: list[str] = []
    if step == "transport":
        choice = "none" if group is not None else _transport_choice(folded)
        if choice is None:
            beneficiary.pending_question = None
            return Outcome("set_aside")
        _record(session, beneficiary, "transport", text, inbound_id, choice=choice)
        if choice == "none":
            sent += _barrier(session, beneficiary, group or "mobilite", text, now)
    elif step == "childcare":
        needs = True if group is not None else _childcare_need(intent, folded)
        if needs is None:
            beneficiary.pending_question = None
            return Outcome("set_aside")
        _record(session, beneficiary, "childcare", text, inbound_id, choice="yes" if needs else "no")
        if needs:
            sent += _barrier(session, beneficiary, "garde_enfants", text, now)
    else:  # note: anything but a question or a plain "no" is for the professional
        if "?" in text:
            beneficiary.pending_question = None
            return Outcome("set_aside")
        if intent not in ("deny", "thanks") and not NOTHING.match(folded):
            _record(session, beneficiary, "note", text, inbound_id)

    next_index = STEPS.index(step) + 1
    if next_index < len(STEPS):
        beneficiary.pending_question = f"{PREFIX}{STEPS[next_index]}"
        return Outcome("answered", [*sent, QUESTIONS[STEPS[next_index]]])
    beneficiary.pending_question = None
    return Outcome("answered", [*sent, texts.QUESTIONNAIRE_DONE])


def _transport_choice(folded: str) -> str | None:
    number = _lone_number(folded, "1-4")
    if number is not None:
        return TRANSPORT_NUMBERS[number]
    if "pas de solution" in folded or "sais pas" in folded:
        return "none"
    for choice, pattern in TRANSPORT_WORDS.items():
        word = re.search(pattern, folded)
        if word is not None:
            # "pas de voiture", "la voiture est en panne": the opposite of the word
            before = folded[max(0, word.start() - 16) : word.start()]
            after = folded[word.end() : word.end() + 24]
            return "none" if NEGATED.search(before) or NEGATED.search(after) else choice
    return None


def _childcare_need(intent: str, folded: str) -> bool | None:
    number = _lone_number(folded, "1-2")
    if number is not None:
        return number == "1"
    if intent == "deny" or re.search(CHILDCARE_NO, folded):
        return False
    if intent == "affirm" or re.search(CHILDCARE_YES, folded):
        return True
    return None


def _record(
    session: Session, beneficiary: Beneficiary, question: str, text: str, inbound_id: int, choice: str = ""
) -> None:
    carnet_service.add_entry(
        session,
        beneficiary_id=beneficiary.id,
        kind="questionnaire_note" if question == "note" else "questionnaire_answer",
        author="beneficiary",
        body=text,
        inbound_message_id=inbound_id,
        data={"question": question, "choice": choice} if choice else {"question": question},
    )


def _barrier(session: Session, beneficiary: Beneficiary, group: str, text: str, now: datetime) -> list[str]:
    result = record_barrier(
        session, beneficiary=beneficiary, group=group, words=text, source="questionnaire", now=now
    )
    return [result.offers_text] if result.offers_text else []
