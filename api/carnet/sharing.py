"""What of a person's carnet another structure that follows them may see (issue 15).

The organisation that holds the record sees every entry. Another structure that follows or
followed the person sees:
- no entry newer than the end of its follow-up, once it stopped following;
- none of the holder's professional notes (written for the organisation's professionals only);
- the entries that hold the person's own words (their messages, barriers, questionnaire answers,
  what they asked a professional, any text they authored) only while the person's consent to
  share is given.
Every entry is today written for the holder (messages, bookings, notes): the holder is each
entry's author organisation.
"""

from api.carnet.models import CarnetEntry
from api.followers.access import Reader

# Kinds whose body is what the person said or wrote.
WORDS_KINDS = frozenset(
    {"inbound_message", "barrier", "questionnaire_answer", "questionnaire_note", "handoff_requested"}
)
# Kinds the holder's professionals keep to themselves.
HOLDER_ONLY_KINDS = frozenset({"note"})


def holds_words(entry: CarnetEntry) -> bool:
    """The entry holds the person's own words (sensitive: shared only with their consent)."""
    return entry.kind in WORDS_KINDS or (entry.author == "beneficiary" and bool(entry.body))


def visible_to(reader: Reader, entries: list[CarnetEntry]) -> list[CarnetEntry]:
    """The entries this reader may see, in the given order."""
    if reader.holder:
        return entries
    return [
        entry
        for entry in entries
        if (reader.until is None or entry.created_at <= reader.until)
        and entry.kind not in HOLDER_ONLY_KINDS
        and (reader.consent_given or not holds_words(entry))
    ]


def read_detail(reader: Reader, shown: int) -> str:
    """The audit detail of a read from another structure: how many entries, words shown or not."""
    return f"{shown} entries, {'words shown' if reader.consent_given else 'words withheld'}"
