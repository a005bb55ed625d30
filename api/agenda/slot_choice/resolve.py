"""The entry point: an answer split into clauses, alternatives and exclusions, resolved against
the offered slots."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from api.agenda.slot_choice.match import Constraints, Matcher, build_constraints
from api.agenda.slot_choice.offered import OfferedSlot, SlotChoice
from api.agenda.slot_choice.parse import Token, lex, tokenise
from api.agenda.slot_choice.vocabulary import CLAUSE_WORDS
from api.text_safety import ascii_digits


def _alternatives(tokens: list[Token]) -> list[list[Token]]:
    alts: list[list[Token]] = [[]]
    for t in tokens:
        if t.kind == "ou":
            alts.append([])
        else:
            alts[-1].append(t)
    return [a for a in alts if a]


def _constraints_for(tokens: list[Token], matcher: Matcher) -> list[Constraints]:
    alts = [build_constraints(a, matcher.numbers, matcher.today) for a in _alternatives(tokens)]
    alts = [a for a in alts if a.any()]
    # "mardi ou jeudi aprem": a time of day stated only in the last alternative applies to all
    if len(alts) > 1 and alts[-1].has_time_of_day():
        last = alts[-1]
        for a in alts[:-1]:
            if not a.has_time_of_day():
                a.parts, a.times, a.ranges = set(last.parts), list(last.times), list(last.ranges)
    return alts


_DIMENSIONS = {
    "wd": "day", "wd_in8": "day", "date": "day", "rel": "day", "mday": "day", "week": "day",
    "time": "time", "part": "time", "range": "time",
    "opt": "option", "num": "option", "last": "option", "penult": "option",
}  # fmt: skip
_FILLERS = {"le", "la", "l", "les", "du", "de", "d", "a", "au", "ce", "cette", "je", "j", "moi"}


def _split_negated(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    """(positive, negated) tokens of a clause holding a negation.

    With one group of constraints ("pas lundi matin") the whole clause is negated. With
    several ("plutot vendredi le lundi je travaille"), a negation applies to one group:
    the one right after it ("pas lundi", "je travaille lundi") unless that one is then
    confirmed ("lundi non jeudi oui"), else the one before ("lundi impossible"); groups
    joined by "et"/"ni" go together.
    """
    groups: list[list[int]] = []  # token indexes of each group's constraints
    group_of: dict[int, int] = {}
    seen: set[str] = set()
    for k, t in enumerate(tokens):
        dim = _DIMENSIONS.get(t.kind)
        if dim is None:
            continue
        if not groups or dim in seen:
            groups.append([])
            seen = set()
        groups[-1].append(k)
        seen.add(dim)
        group_of[k] = len(groups) - 1
    if len(groups) < 2:
        return [], tokens
    first = [g[0] for g in groups]
    last = [g[-1] for g in groups]

    def between(a: int, b: int) -> list[Token]:
        return tokens[a + 1 : b]

    def confirmed(g: int) -> bool:  # "mardi oui", "jeudi ok": that group is wanted
        end = first[g + 1] if g + 1 < len(groups) else len(tokens)
        return any(t.kind == "yes" for t in between(last[g], end))

    negated: set[int] = set()
    for k, t in enumerate(tokens):
        if t.kind != "neg":
            continue
        after = next((j for j in range(k + 1, len(tokens)) if tokens[j].kind != "word"
                      or tokens[j].value not in _FILLERS), None)  # fmt: skip
        before = next((j for j in range(k - 1, -1, -1) if j in group_of), None)
        forward = group_of.get(after) if after is not None else None  # the group right after
        if t.value == "pre" and forward is not None and not (before is not None and confirmed(forward)):
            negated.add(forward)
        elif before is not None:
            negated.add(group_of[before])
        elif forward is not None:
            negated.add(forward)
        else:
            nxt = next((j for j in range(k + 1, len(tokens)) if j in group_of), None)
            if nxt is not None:
                negated.add(group_of[nxt])
    # "lundi et mardi je travaille", "je travaille lundi et mardi": joined groups go together
    changed = True
    while changed:
        changed = False
        for g in range(len(groups) - 1):
            link = between(last[g], first[g + 1])
            joined = any(t.kind == "word" and t.value in ("et", "ni") for t in link) and all(
                t.kind == "word" and t.value in _FILLERS | {"et", "ni"} for t in link
            )
            if joined and (g in negated) != (g + 1 in negated):
                negated |= {g, g + 1}
                changed = True
    positive = [tokens[k] for k in group_of if group_of[k] not in negated]
    negative = [tokens[k] for k in group_of if group_of[k] in negated]
    return positive, negative


_OPENING_OPTION = re.compile(
    r"^\W*(?:(?:le|la|n|no|num|numero|option|choix|ok|je prends le|jprends le|jprend le)\W*){0,2}"
    r"([1-9])(?!\s*(?:\d|h\b|heures?\b|:|er\b|e\b|eme\b|enfants?\b|ans?\b|km\b|mois\b|jours?\b))\b"
)


def opens_with_option_number(text: str) -> bool:
    """The message opens with an option number ("le 1, et...", "3 svp. et..."), so it
    chooses a slot even when it is mostly about something else."""
    folded = unicodedata.normalize("NFKD", ascii_digits(text)).encode("ascii", "ignore").decode().lower()
    return _OPENING_OPTION.match(folded) is not None


def resolve_slot_choice(
    text: str, offered: Sequence[OfferedSlot], *, now: datetime, tz: ZoneInfo
) -> SlotChoice:
    """Offered slots that the person's answer designates (all of them if ambiguous)."""
    if not offered or not text or not text.strip():
        return SlotChoice(slot_ids=())
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    matcher = Matcher(offered, now, tz)

    positive: list[Token] = []
    negative_parts: list[list[Token]] = []
    negated = False
    for words in lex(text):
        if len(words) > 1 and words[0] in ("non", "nan"):  # "non, le 2" / "non le 2"
            words = words[1:]
        if len(words) > 1 and words[0] == "mais":
            words = words[1:]
        # split on "mais", "sinon"...: each part is its own clause
        chunks: list[list[str]] = [[]]
        for w in words:
            if w in CLAUSE_WORDS or (w in ("plutot", "pluto") and chunks[-1]):
                chunks.append([])
                if w in ("plutot", "pluto"):
                    chunks[-1].append(w)
            else:
                chunks[-1].append(w)
        for chunk in chunks:
            if not chunk:
                continue
            tokens = tokenise(chunk)
            if any(t.kind == "neg" for t in tokens):
                negated = True
                pos, neg = _split_negated(tokens)
                positive += pos
                negative_parts.append([t for t in neg if t.kind not in ("neg", "except")])
            elif any(t.kind == "except" for t in tokens):
                k = next(j for j, t in enumerate(tokens) if t.kind == "except")
                positive += tokens[:k]
                negative_parts.append(tokens[k + 1 :])
            else:
                positive += tokens

    excluded: set[int] = set()
    has_exclusion = False
    for part in negative_parts:
        for c in _constraints_for(part, matcher):
            has_exclusion = True
            excluded.update(s.slot_id for s in matcher.match(c))

    alternatives = _constraints_for(positive, matcher)
    if alternatives:
        chosen = {s.slot_id for c in alternatives for s in matcher.match(c)}
    elif has_exclusion or any(t.kind == "all" for t in positive):
        chosen = {s.slot_id for s in offered}
    elif len(offered) == 1 and not negated and any(t.kind == "yes" for t in positive):
        chosen = {offered[0].slot_id}
    else:
        chosen = set()
    offered_ids = {s.slot_id for s in offered}
    return SlotChoice(
        slot_ids=tuple(s.slot_id for s in offered if s.slot_id in chosen - excluded),
        excludes_all=has_exclusion and not alternatives and offered_ids <= excluded,
    )
