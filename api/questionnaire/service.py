"""A short optional questionnaire by SMS before a first appointment, answered in free words
or by numbers. Answers fill the same carnet entries as barriers heard in conversation.

State lives on the beneficiary (`pending_question`): "questionnaire:<step>", with the suffix
":unasked" until the first question has gone out after the booking confirmation.
"""

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.barriers.service import record_barrier
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.carnet.models import CarnetEntry
from api.messaging import outbox, texts
from api.messaging.text_safety import ascii_digits
from api.organisations.models import Organisation

PREFIX = "questionnaire:"
STEPS = ("transport", "childcare", "note")
QUESTIONS = {
    "transport": texts.QUESTIONNAIRE_TRANSPORT,
    "childcare": texts.QUESTIONNAIRE_CHILDCARE,
    "note": texts.QUESTIONNAIRE_NOTE,
}
SKIP = re.compile(r"\b(plus tard|pas maintenant|pas le temps|laisse[rz]? tomber|pas envie)\b")
NOTHING = re.compile(r"^(non|nan|no|rien|ras|non merci|merci non|pas besoin|c bon|cest bon|ca va)\b")
TRANSPORT_WORDS = {
    "car": r"\b(voiture|auto|caisse|vehicule)\b",
    "public": r"\b(bus|train|tram|transports?|metro|navette|car)\b",
    "walk": r"\b(pied|marche|velo|trottinette)\b",
    "none": r"\b(pas de solution|aucune?|pas de voiture|pas de moyen|personne pour|sais pas|loin)\b",
}
TRANSPORT_NUMBERS = {"1": "car", "2": "public", "3": "walk", "4": "none"}
CHILDCARE_YES = r"\b(oui|ouais|ouai|yes|besoin|personne pour garder|nounou|creche|garde)\b"
CHILDCARE_NO = r"\b(non|nan|no|pas besoin|pas d.?enfants?|pas la peine)\b"


def _fold(text: str) -> str:
    # "٢" and "２" are 2 as "2" is (api/messaging/text_safety.py), then ASCII only.
    without_accents = unicodedata.normalize("NFKD", ascii_digits(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9?' ]+", " ", without_accents.lower()).strip()


def _lone_number(folded: str, allowed: str) -> str | None:
    match = re.fullmatch(rf"(?:le |la |n |numero |reponse )?([{allowed}])", folded)
    return match.group(1) if match else None


def plan(session: Session, *, beneficiary: Beneficiary) -> None:
    """After a first booking: the first question follows the confirmation."""
    organisation = session.get(Organisation, beneficiary.organisation_id)
    if organisation is None or not organisation.questionnaire_enabled or beneficiary.opted_out:
        return
    already = session.scalar(
        select(CarnetEntry.id).where(
            CarnetEntry.beneficiary_id == beneficiary.id, CarnetEntry.kind == "questionnaire_started"
        )
    )
    if already is None:
        beneficiary.pending_question = f"{PREFIX}{STEPS[0]}:unasked"


def ask_if_planned(session: Session, *, beneficiary: Beneficiary, channel: str, in_reply_to_id: int) -> None:
    """Send the first question once the reply that booked has been queued."""
    if beneficiary.pending_question != f"{PREFIX}{STEPS[0]}:unasked":
        return
    carnet_service.add_entry(
        session, beneficiary_id=beneficiary.id, kind="questionnaire_started", author="assistant"
    )
    _ask(session, beneficiary, STEPS[0], channel, in_reply_to_id)


def in_progress(beneficiary: Beneficiary) -> bool:
    question = beneficiary.pending_question or ""
    return question.startswith(PREFIX) and not question.endswith(":unasked")


def answer(
    session: Session, *, beneficiary: Beneficiary, text: str, channel: str, inbound_id: int, now: datetime
) -> bool:
    """Take the person's answer to the current question. False: not an answer (the
    questionnaire stops and the message goes to the conversation as usual)."""
    step = (beneficiary.pending_question or "").removeprefix(PREFIX)
    folded = _fold(text)
    if SKIP.search(folded):
        beneficiary.pending_question = None
        _record(session, beneficiary, "skipped", text, inbound_id)
        return _reply(session, beneficiary, texts.QUESTIONNAIRE_DONE, channel, inbound_id)

    if step == "transport":
        choice = TRANSPORT_NUMBERS.get(_lone_number(folded, "1-4") or "")
        if choice is None:
            choice = next(
                (key for key, pattern in TRANSPORT_WORDS.items() if re.search(pattern, folded)), None
            )
        if choice is None:
            return _stop(beneficiary)
        _record(session, beneficiary, "transport", text, inbound_id, choice=choice)
        if choice == "none":
            _barrier(session, beneficiary, "mobilite", text, channel, inbound_id, now)
    elif step == "childcare":
        number = _lone_number(folded, "1-2")
        if number is not None:
            needs = number == "1"
        elif re.search(CHILDCARE_NO, folded):
            needs = False
        elif re.search(CHILDCARE_YES, folded):
            needs = True
        else:
            return _stop(beneficiary)
        _record(session, beneficiary, "childcare", text, inbound_id, choice="yes" if needs else "no")
        if needs:
            _barrier(session, beneficiary, "garde_enfants", text, channel, inbound_id, now)
    elif step == "note":
        if "?" in text:
            return _stop(beneficiary)
        if not NOTHING.match(folded):
            _record(session, beneficiary, "note", text, inbound_id)
    else:
        return _stop(beneficiary)

    next_index = STEPS.index(step) + 1
    if next_index < len(STEPS):
        return _ask(session, beneficiary, STEPS[next_index], channel, inbound_id)
    beneficiary.pending_question = None
    return _reply(session, beneficiary, texts.QUESTIONNAIRE_DONE, channel, inbound_id)


def _stop(beneficiary: Beneficiary) -> bool:
    beneficiary.pending_question = None
    return False


def _ask(session: Session, beneficiary: Beneficiary, step: str, channel: str, in_reply_to_id: int) -> bool:
    beneficiary.pending_question = f"{PREFIX}{step}"
    return _reply(session, beneficiary, QUESTIONS[step], channel, in_reply_to_id)


def _reply(session: Session, beneficiary: Beneficiary, body: str, channel: str, in_reply_to_id: int) -> bool:
    outbox.enqueue(
        session,
        beneficiary=beneficiary,
        body=body,
        kind="questionnaire",
        channel=channel,
        in_reply_to_id=in_reply_to_id,
    )
    return True


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


def _barrier(
    session: Session,
    beneficiary: Beneficiary,
    group: str,
    text: str,
    channel: str,
    inbound_id: int,
    now: datetime,
) -> None:
    result = record_barrier(
        session, beneficiary=beneficiary, group=group, words=text, source="questionnaire", now=now
    )
    if result.offers_text:
        _reply(session, beneficiary, result.offers_text, channel, inbound_id)
