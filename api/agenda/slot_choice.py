"""Resolve a person's free-text SMS answer against the slots offered to them.

The person received a numbered list ("1. jeudi 3 décembre 14h00 ..."), and
answers in SMS French: "le 2", "jeudi c mieux", "mardi aprem", "pas jeudi",
"le 3 a 15h". We read the answer as a set of constraints (option number, day,
date, time, part of day, exclusions) and keep the offered slots that satisfy
them. Nothing is ever matched outside the offered list.

How the text is read (the engineering guide, section 3, has the measured dateparser facts):

- accents, case, emojis and punctuation are normalised away; words are matched
  against small tables (weekdays, months, parts of day, ordinals), with a
  one-typo tolerance for words of five letters or more, two from nine letters
  ("mecredi", "jeudii", "vendedi"), except for listed lookalikes ("merci", "latin");
  "je"/"j'" never count as jeudi, "a"/"à" before a time is only a preposition;
- "14h", "14h30", "14:30", "10 h", "10 h 15", "10H15", "16 heures", "midi" are times,
  handwritten;
- "3 decembre", "1er dec", "3/12", "03/12/2026" are dates, parsed by dateparser
  1.5 with RELATIVE_BASE = now in the organisation's time zone, future
  preference, French, day-month order;
- a number alone ("2", "le 2", "ok 3", "2 svp") is the offered option; it is a
  day of the month only when followed by a month, after a weekday ("mardi 8"),
  or when no such option exists (or the option does not fit the other
  constraints) and an offered slot falls on that day ("le 14");
- "pas", "sauf", "plutot que", "je peux pas", "impossible", "je travaille"... make their
  clause an exclusion; in a clause naming several days ("plutot vendredi le lundi je
  travaille") the negation excludes only the day it is attached to;
- "ou" separates alternatives ("mardi ou jeudi aprem": both in the afternoon);
- with a single offered slot, a bare "oui"/"ok" selects it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import dateparser

from api.calendar_words import SMS_MONTHS, WEEKDAYS
from api.text_safety import ascii_digits


@dataclass(frozen=True)
class OfferedSlot:
    number: int  # 1-based position in the list the person received
    slot_id: int
    start: datetime  # timezone-aware


@dataclass(frozen=True)
class SlotChoice:
    slot_ids: tuple[int, ...]  # matching offered slots, in the offered order; empty = no match


# --------------------------------------------------------------------------- labels



def format_slot_label(start: datetime, tz: ZoneInfo) -> tuple[str, str]:
    """("jeudi 3 décembre", "14h00") for a slot start, in the organisation's time zone."""
    local = start.astimezone(tz)
    day = "1er" if local.day == 1 else str(local.day)
    date_label = f"{WEEKDAYS[local.weekday()]} {day} {SMS_MONTHS[local.month - 1]}"
    return date_label, f"{local.hour}h{local.minute:02d}"


# --------------------------------------------------------------------------- vocabulary

_WEEKDAY_WORDS: dict[str, int] = {
    "lundi": 0, "lundis": 0, "lun": 0, "lu": 0,
    "mardi": 1, "mardis": 1, "mar": 1, "mard": 1, "ma": 1,
    "mercredi": 2, "mercredis": 2, "mer": 2, "merc": 2, "mercr": 2, "me": 2,
    "jeudi": 3, "jeudis": 3, "jeu": 3, "jeud": 3,
    "vendredi": 4, "vendredis": 4, "ven": 4, "vend": 4, "vendr": 4, "vdd": 4, "vdr": 4,
    "samedi": 5, "samedis": 5, "sam": 5,
    "dimanche": 6, "dimanches": 6, "dim": 6,
}  # fmt: skip
# two-letter abbreviations are far too ambiguous ("me", "ma", "lu") outside "mardi 8"-like use
_WEEKDAY_WEAK = {"lu", "ma", "me"}

_MONTH_WORDS: dict[str, int] = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11,
    "nov": 11, "decembre": 12, "dec": 12, "decemb": 12,
}  # fmt: skip
_MONTH_CANONICAL = (
    "janvier", "fevrier", "mars", "avril", "mai", "juin",
    "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
)  # fmt: skip

_PART_WORDS: dict[str, str] = {
    "matin": "matin", "matins": "matin", "mat": "matin", "matinee": "matin",
    "aprem": "aprem", "aprems": "aprem", "apm": "aprem", "aprm": "aprem",
    "apremidi": "aprem", "apmidi": "aprem", "apresmidi": "aprem", "aprmidi": "aprem",
    "soir": "soir", "soirs": "soir", "soiree": "soir", "soirees": "soir",
}  # fmt: skip
_APRES = {"apres", "ap", "apr", "aprs", "apre", "aprè"}

_ORDINAL_WORDS: dict[str, int] = {
    "premier": 1, "premiere": 1, "premiers": 1,
    "deuxieme": 2, "second": 2, "seconde": 2, "deuxiem": 2,
    "troisieme": 3, "troisiem": 3, "quatrieme": 4, "quatriem": 4,
    "cinquieme": 5, "sixieme": 6, "septieme": 7, "huitieme": 8,
    "neuvieme": 9, "dixieme": 10,
}  # fmt: skip
_LAST_WORDS = {"dernier", "derniere", "dernie", "derniers"}
_NUMBER_WORDS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
}  # fmt: skip
_OPTION_MARKERS = {
    "numero", "num", "n", "no", "nr", "option", "options", "choix", "creneau",
    "proposition", "propo", "opt",
}  # fmt: skip
_NUMBER_CONTEXT = {"le", "la", "l", "prends", "prend", "ok", "choisis", "choisi", "pour"}
# "un" is a number only right after these ("je prends un rdv" is not a choice)
_ONE_CONTEXT = {"le", "numero", "num", "no", "option", "choix"}
_POLITE_WORDS = {
    "merci", "mrc", "stp", "svp", "s", "il", "sil", "vous", "te", "plait", "bcp", "beaucoup", "bien",
}  # fmt: skip
_UNIT_WORDS = {
    "jour", "jours", "j", "semaine", "semaines", "sem", "mois", "an", "ans", "annee", "min",
    "mn", "minute", "minutes", "personne", "personnes", "enfant", "enfants", "euro", "euros",
    "eur", "fois", "km", "kms",
}  # fmt: skip
_NEGATION_WORDS = {
    "pas", "pa", "jamais", "impossible", "imposible", "indispo", "indisponible", "ni",
    "non", "nan", "aucun", "aucune", "rien", "peuxpas", "peuxpa", "pourrai", "empeche",
    "empechee", "occupe", "occupee", "bloque", "bloquee",
}  # fmt: skip
# "le lundi je travaille", "je bosse mardi": that day is taken ("je travaille pas" is not)
_WORK_WORDS = {
    "travaille", "travail", "travailles", "travaillerai", "bosse", "bosses", "bosserai",
    "taf", "taff", "boulot", "formation", "stage",
}  # fmt: skip
# negations that come after what they negate ("lundi impossible", "lundi je travaille")
_POST_NEGATIONS = {
    "impossible", "imposible", "indispo", "indisponible", "empeche", "empechee", "occupe",
    "occupee", "bloque", "bloquee", "pourrai",
}  # fmt: skip
_EXCEPT_WORDS = {"sauf", "hors", "excepte", "exepte", "except"}
_NEUTRALISED_AFTER_PAS = {
    "de": {"souci", "soucis", "soucy", "probleme", "problemes", "pb", "pbm", "prob"},
    "mal": set(),
    "grave": set(),
}
_ALL_WORDS = {"importe", "indifferent", "indiferent", "egal"}
_YES_WORDS = {
    "oui", "ok", "okay", "okey", "oki", "ouais", "ouai", "dac", "daccord", "accord", "parfait",
    "super", "top", "nickel", "go", "valide", "confirme", "yes", "marche", "va", "convient",
}  # fmt: skip
_CIVILITIES = {"mme", "madame", "m", "mr", "monsieur", "mlle", "mademoiselle", "dr"}
_CLAUSE_WORDS = {"mais", "sinon", "parcontre", "cependant", "donc"}

# Words checked with a one-typo tolerance (five letters or more only).
_FUZZY_VOCAB: dict[str, tuple[str, Any]] = {}
_ABBREVIATIONS = {
    "mercr", "vendr", "decemb", "deuxiem", "troisiem", "quatriem", "second", "seconde",
}  # fmt: skip
for _w, _d in _WEEKDAY_WORDS.items():
    if len(_w) >= 5 and _w not in _ABBREVIATIONS:
        _FUZZY_VOCAB[_w] = ("wd", _d)
for _w, _m in _MONTH_WORDS.items():
    if len(_w) >= 5 and _w not in _ABBREVIATIONS:
        _FUZZY_VOCAB[_w] = ("month", _m)
for _w, _o in _ORDINAL_WORDS.items():
    if len(_w) >= 6 and _w not in _ABBREVIATIONS:
        _FUZZY_VOCAB[_w] = ("ordinal", _o)
for _w in ("demain", "matin", "matinee", "aprem", "soiree", "semaine", "prochain",
           "prochaine", "numero", "option", "dernier", "derniere", "impossible",
           "indisponible", "apresmidi", "sauf"):  # fmt: skip
    _FUZZY_VOCAB.setdefault(_w, ("word", _w))
# Words one typo away from the vocabulary that mean something else: never corrected.
_NOT_TYPOS = (
    {
        "apres", "avant", "merci", "malin", "maman", "mamie", "demande", "demander", "jeune",
        "jeunes", "mairie", "madame", "demie", "sorti", "sortie", "martin", "martine",
        "matis", "vendre", "vendu", "semer", "option", "options", "seconde", "secondes",
        "seconds", "domaine", "sauve", "premie", "disponible", "disponibles", "possible",
        "possibles", "latin",
    }
    | set(_NEGATION_WORDS)
    | _WORK_WORDS
    | set(_YES_WORDS)
    | set(_UNIT_WORDS)
    | set(_OPTION_MARKERS)
    | set(_NUMBER_WORDS)
)  # fmt: skip


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


@lru_cache(maxsize=4096)
def _fuzzy(word: str) -> tuple[str, Any] | None:
    """Vocabulary entry for a word with at most one typo (two for long words)."""
    if len(word) < 5 or word in _NOT_TYPOS or not word.isalpha():
        return None
    limit = 2 if len(word) >= 9 else 1
    best: tuple[int, tuple[str, Any]] | None = None
    for vocab, entry in _FUZZY_VOCAB.items():
        d = _osa_distance(word, vocab, limit)
        if d <= limit and (best is None or d < best[0]):
            best = (d, entry)
    return best[1] if best else None


def _canonical(word: str) -> str:
    entry = _FUZZY_VOCAB.get(word) or _fuzzy(word)
    if entry is None:
        return word
    kind, value = entry
    if kind == "wd":
        return WEEKDAYS[value]
    if kind == "month":
        return _MONTH_CANONICAL[value - 1]
    if kind == "ordinal":
        return next(w for w, n in _ORDINAL_WORDS.items() if n == value)
    return str(value)


# --------------------------------------------------------------------------- tokens


@dataclass
class _Tok:
    kind: str  # wd month num opt ord last penult date time range rel week part neg except
    #            ou all yes pick word
    value: Any = None
    approx: bool = False


_EMOJI_YES = re.compile("[\U0001f44d\U0001f44c\u2705\u2714\U0001f197]")
# ASCII digits only (re.ASCII): other scripts' digits were made ASCII by _normalise.
_DATE_RE = re.compile(r"(?<![\d:/.-])(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?(?![\d:h/.-])", re.ASCII)
# "10h15", "10 h 15", "10h 15", "10H15", "16 heures", "10:15"; minutes after a space only
# when no month or date follows ("10h 15 dec" is 10h on the 15th).
_TIME_RE = re.compile(
    r"(?<![\d/])(\d{1,2})(?:\s*(?:h|hr|hrs|heure|heures)"
    r"(?:(\d{2})|\s+([0-5]\d)(?!\s*(?:[/.-]\d|janv|fev|mars|avr|mai|juin|juil|aout|sep|oct|nov|dec)))?"
    r"|:(\d{2}))(?![a-z\d])",
    re.ASCII,
)
_ORDINAL_RE = re.compile(r"^(\d{1,2})(er|ere|re|e|eme|em|ieme|iem|nd|nde|d)$", re.ASCII)
_SEPARATORS = re.compile(r"[,;!?\n\r.]+")


def _normalise(text: str) -> str:
    # "le ٢", "le ２", "le ²" are option 2 (api/text_safety.py); NUL marks our own
    # placeholders below, so a NUL in the text is a space.
    text = ascii_digits(text.replace("\x00", " "))
    text = _EMOJI_YES.sub(" ok ", text)
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("’", "'").replace("`", "'")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"\bn\s*[°o]\s*(?=[0-9])", " numero ", text)
    text = re.sub(r"#\s*(?=[0-9])", " numero ", text)
    return text


def _lex(text: str) -> list[list[str]]:
    """Clauses of raw words, with dates and times replaced by placeholders."""
    text = _normalise(text)

    def date_sub(m: re.Match[str]) -> str:
        d, mo = int(m.group(1)), int(m.group(2))
        sep = m.group(0)[len(m.group(1))]
        if 1 <= d <= 31 and 1 <= mo <= 12:
            return f" \x00date_{d}_{mo}_{m.group(3) or ''} "
        if sep == "." and d <= 23 and mo < 60 and not m.group(3):  # "9.30"
            return f" \x00time_{d}_{mo} "
        return " "

    text = _DATE_RE.sub(date_sub, text)

    def time_sub(m: re.Match[str]) -> str:
        h = int(m.group(1))
        minute = m.group(2) or m.group(3) or m.group(4)
        if h > 24 or (minute is not None and int(minute) > 59):
            return " "
        return f" \x00time_{h % 24}_{minute or ''} "

    text = _TIME_RE.sub(time_sub, text)
    clauses = []
    for part in _SEPARATORS.split(text):
        part = re.sub(r"[^a-z0-9\x00_]+", " ", part)  # ASCII words: isdigit() below is 0-9
        words = part.split()
        if words:
            clauses.append(words)
    return clauses


def _date_token(day: int, month_or_name: int | str, year: str) -> _Tok:
    month = month_or_name if isinstance(month_or_name, int) else _MONTH_WORDS[month_or_name]
    return _Tok("date", (day, month, int(year) if year else None))


def _tokens(words: list[str]) -> list[_Tok]:
    """Typed tokens for one clause's words."""
    out: list[_Tok] = []
    # no typo correction on placeholders or on a name after a civility ("Mme Jeudy")
    words = [
        w if w.startswith("\x00") or (k and words[k - 1] in _CIVILITIES) else _canonical(w)
        for k, w in enumerate(words)
    ]
    n = len(words)
    i = 0

    def at(k: int) -> str:
        return words[k] if 0 <= k < n else ""

    def prev_kind() -> str:
        return out[-1].kind if out else ""

    while i < n:
        w = words[i]
        nxt = at(i + 1)
        if w.startswith("\x00time_"):
            _, h, m = w.split("_")
            minute: int | None = int(m) if m else None
            if minute is None and nxt == "et" and at(i + 2) in ("demi", "demie", "quart"):
                minute = 15 if at(i + 2) == "quart" else 30
                i += 2
            out.append(_Tok("time", (int(h), minute)))
            i += 1
            continue
        if w.startswith("\x00date_"):
            _, d, mo, y = w.split("_")
            out.append(_date_token(int(d), int(mo), y))
            i += 1
            continue
        # ---- parts of day, "apres-midi", "apres-demain", ranges
        if w in _APRES and nxt == "midi":
            out.append(_Tok("part", "aprem"))
            i += 2
            continue
        if w in _APRES and nxt == "demain":
            out.append(_Tok("rel", 2))
            i += 2
            continue
        if w == "apredemain" or w == "apresdemain":
            out.append(_Tok("rel", 2))
            i += 1
            continue
        if w in _PART_WORDS:
            if prev_kind() == "word" and out[-1].value in ("ce", "cet", "cette"):
                out[-1] = _Tok("rel", 0)
            out.append(_Tok("part", _PART_WORDS[w]))
            i += 1
            continue
        if w == "fin" and nxt == "de" and at(i + 2) in ("journee", "journe"):
            out.append(_Tok("part", "soir"))
            i += 3
            continue
        if w in ("avant", "apres", "partir", "des", "vers", "entre") or w in _APRES:
            bound = _time_at(words, i + 1)
            if bound is not None:
                t, used = bound
                if w == "entre" and at(i + 1 + used) == "et":
                    end = _time_at(words, i + 2 + used, second=True)
                    if end is not None:
                        out.append(_Tok("range", (t, end[0])))
                        i += 2 + used + end[1]
                        continue
                if w == "avant":
                    out.append(_Tok("range", (None, t)))
                elif w == "vers":
                    out.append(_Tok("time", t, approx=True))
                elif w != "entre":
                    out.append(_Tok("range", (t, None)))
                i += 1 + used
                continue
        if w == "midi":
            if nxt == "et" and at(i + 2) in ("demi", "demie"):
                out.append(_Tok("time", (12, 30)))
                i += 3
                continue
            out.append(_Tok("time", (12, 0)))
            i += 1
            continue
        if (
            w == "a"
            and nxt.isdigit()
            and len(nxt) <= 2
            and int(nxt) <= 23
            and (at(i + 2) not in _MONTH_WORDS)
        ):
            out.append(_Tok("time", (int(nxt), None)))
            i += 2
            continue
        # ---- relative days, weeks
        if w == "demain":
            out.append(_Tok("rel", 1))
            i += 1
            continue
        if w in ("auj", "ajd", "ojd", "aujourdhui", "aujourd", "aujour"):
            out.append(_Tok("rel", 0))
            i += 2 if nxt == "hui" else 1
            continue
        if w in ("semaine", "sem"):
            if prev_kind() == "word" and out[-1].value in ("cette", "cet", "ce"):
                out[-1] = _Tok("week", 0)
                i += 1
                continue
            if nxt in ("prochaine", "pro", "suivante", "prochain"):
                out.append(_Tok("week", 1))
                i += 2
                continue
            if nxt == "d" and at(i + 2) == "apres":
                out.append(_Tok("week", 1))
                i += 3
                continue
        if w == "weekend" or (w == "week" and nxt == "end"):
            out.append(_Tok("wd", 5))
            out.append(_Tok("wd", 6))
            i += 2 if w == "week" else 1
            continue
        if w == "dans" and nxt.isdigit() and at(i + 2) in ("jour", "jours", "j"):
            out.append(_Tok("rel", int(nxt)))
            i += 3
            continue
        # ---- weekdays
        if w in _WEEKDAY_WORDS and (w not in _WEEKDAY_WEAK or _is_day_number(nxt)):
            wd = _WEEKDAY_WORDS[w]
            i += 1
            if at(i) in ("prochain", "prochaine", "pro", "qui"):  # "mardi prochain", "qui vient"
                i += 2 if at(i) == "qui" and at(i + 1) == "vient" else 1
            if at(i) == "en" and at(i + 1) in ("8", "huit"):
                out.append(_Tok("wd_in8", wd))
                i += 2
                continue
            out.append(_Tok("wd", wd))
            if at(i) == "le" and _is_day_number(at(i + 1)):  # "jeudi le 3"
                i += 1
            if _is_day_number(at(i)) and not _MONTH_WORDS.get(at(i + 1)):
                out.append(_Tok("mday", _day_number(at(i))))
                i += 1
            continue
        # ---- numbers and ordinals
        ordinal = _ORDINAL_RE.match(w)
        if w.isdigit() or ordinal or w in ("premier", "premiere", "premiers"):
            num = int(ordinal.group(1)) if ordinal else (1 if not w.isdigit() else int(w))
            is_first_form = not w.isdigit() and num == 1  # 1er, premier: also a day
            if w.isdigit() and len(w) > 2:
                out.append(_Tok("word", w))
                i += 1
                continue
            if nxt in _MONTH_WORDS and (w.isdigit() or is_first_form):
                year = at(i + 2) if re.fullmatch(r"\d{4}", at(i + 2)) else ""
                out.append(_date_token(num, nxt, year))
                i += 3 if year else 2
                continue
            if w.isdigit() and nxt in _UNIT_WORDS:
                i += 2
                continue
            if _phone_like(words, i):
                i += 1
                continue
            if at(i - 1) in _OPTION_MARKERS or (ordinal and not is_first_form):
                out.append(_Tok("opt", num))
            else:
                # "14 c bien" may be an hour; "le 14" may not
                article = at(i - 1) in ("le", "la", "l", "du")
                out.append(_Tok("num", num, approx=not article and w.isdigit()))
            i += 1
            continue
        if w in _ORDINAL_WORDS and (
            w not in ("second", "seconde") or at(i - 1) in ("le", "la", "l")
        ):  # "une seconde" is a second
            out.append(_Tok("opt", _ORDINAL_WORDS[w]))
            i += 1
            continue
        if w in _LAST_WORDS:
            if at(i - 1) == "avant":
                if out and out[-1].kind == "word" and out[-1].value == "avant":
                    out.pop()
                out.append(_Tok("penult"))
            else:
                out.append(_Tok("last"))
            i += 1
            continue
        if w in ("un", "une") and at(i - 1) in _ONE_CONTEXT:  # "le numero un", "je prends le un"
            out.append(_Tok("num", 1))
            i += 1
            continue
        if w in _NUMBER_WORDS and (
            at(i - 1) in _NUMBER_CONTEXT | _OPTION_MARKERS or n == 1 or _only_polite_after(words, i)
        ):  # "trois", "deux merci", "le trois"
            if nxt in _MONTH_WORDS:
                out.append(_date_token(_NUMBER_WORDS[w], nxt, ""))
                i += 2
                continue
            out.append(_Tok("num", _NUMBER_WORDS[w]))
            i += 1
            continue
        # ---- "le plus tot possible", "au plus vite"
        if (
            w == "plus"
            and nxt in ("tot", "vite", "rapide", "rapidement", "proche", "tard")
            and (at(i - 1) in ("le", "au", "la") or at(i + 2) == "possible")
        ):  # "le plus tot possible", "au plus vite"; "je rappelle plus tard" is not a choice
            out.append(_Tok("pick", "last" if nxt == "tard" else "first"))
            i += 2
            continue
        if w == "asap" or (w == "des" and nxt == "que" and at(i + 2) == "possible"):
            out.append(_Tok("pick", "first"))
            i += 1 if w == "asap" else 3
            continue
        # ---- negation, exceptions, alternatives, "any"
        if w in ("pas", "pa"):
            if at(i - 1) == "pourquoi":  # "pourquoi pas"
                i += 1
                continue
            follow = _NEUTRALISED_AFTER_PAS.get(nxt)
            if follow is not None and not follow:  # "pas mal", "pas grave"
                i += 2
                continue
            if follow and at(i + 2) in follow:  # "pas de souci"
                i += 3
                continue
        if w in ("aucun", "aucune") and nxt in _NEUTRALISED_AFTER_PAS["de"]:
            i += 2
            continue
        if w == "rien" and nxt == "de" and at(i + 2) in ("prevu", "special"):
            i += 3
            continue
        if w in ("plutot", "pluto") and nxt == "que":
            out.append(_Tok("except"))
            i += 2
            continue
        if w == "au" and nxt == "lieu" and at(i + 2) in ("de", "du", "d"):
            out.append(_Tok("except"))
            i += 3
            continue
        if w in _EXCEPT_WORDS:
            out.append(_Tok("except"))
            i += 1
            continue
        if w in _WORK_WORDS and nxt in ("pas", "pa", "plus"):  # "je travaille pas lundi"
            i += 2
            continue
        if w in _WORK_WORDS and w in ("formation", "stage") and prev_kind() != "word":
            out.append(_Tok("word", w))
            i += 1
            continue
        if w in _NEGATION_WORDS or w in _WORK_WORDS:
            out.append(_Tok("neg", "post" if w in _POST_NEGATIONS else "pre"))
            i += 1
            continue
        if w in ("peu", "peux", "pe", "peut", "px", "jpeux", "jpx") and nxt in ("pas", "pa"):
            out.append(_Tok("neg", "pre"))
            i += 2
            continue
        if w == "ou":
            out.append(_Tok("ou"))
            i += 1
            continue
        if w in _ALL_WORDS or (
            w in ("tout", "tous", "toutes") and nxt in ("me", "m", "va", "vont", "convient")
        ):
            out.append(_Tok("all"))
            i += 1
            continue
        if w == "comme" and nxt in ("vous", "tu") and at(i + 2) in ("voulez", "veux", "voulais"):
            out.append(_Tok("all"))
            i += 3
            continue
        if w in _YES_WORDS:
            out.append(_Tok("yes"))
            i += 1
            continue
        out.append(_Tok("word", w))
        i += 1
    return out


def _is_day_number(word: str) -> bool:
    return _day_number(word) is not None


def _day_number(word: str) -> int | None:
    if word.isdigit() and len(word) <= 2 and 1 <= int(word) <= 31:
        return int(word)
    if word in ("1er", "premier"):
        return 1
    return None


def _only_polite_after(words: list[str], i: int) -> bool:
    """The number word opens the message and only politeness follows ("trois stp")."""
    return i == 0 and all(word in _POLITE_WORDS for word in words[1:])


def _phone_like(words: list[str], i: int) -> bool:
    """Part of a run of three or more bare numbers ("06 12 34 56 78")."""
    lo = i
    while lo > 0 and words[lo - 1].isdigit():
        lo -= 1
    hi = i
    while hi + 1 < len(words) and words[hi + 1].isdigit():
        hi += 1
    return hi - lo >= 2


def _time_at(words: list[str], k: int, *, second: bool = False) -> tuple[tuple[int, int | None], int] | None:
    """A time starting at words[k] (skipping "de"/"du"/"le"): ((h, m), words used)."""
    skip = 0
    while k + skip < len(words) and words[k + skip] in ("de", "du", "d", "a", "la"):
        skip += 1
    w = words[k + skip] if k + skip < len(words) else ""
    if w.startswith("\x00time_"):
        _, h, m = w.split("_")
        return (int(h), int(m) if m else None), skip + 1
    if w == "midi":
        return (12, 0), skip + 1
    if w.isdigit() and len(w) <= 2 and int(w) <= 23:
        return (int(w), None), skip + 1
    if second and w == "deux":  # "entre midi et deux"
        return (14, 0), skip + 1
    return None


# --------------------------------------------------------------------------- constraints


@dataclass
class _Constraints:
    options: set[int] = field(default_factory=set)
    numbers: list[tuple[int, bool]] = field(default_factory=list)  # (n, may be an hour)
    dates: list[tuple[int, int, int | None]] = field(default_factory=list)
    rel_dates: set[date] = field(default_factory=set)
    month_days: set[int] = field(default_factory=set)
    weekdays: set[int] = field(default_factory=set)
    weeks: set[tuple[int, int]] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)
    times: list[tuple[int, int | None, bool]] = field(default_factory=list)
    ranges: list[tuple[tuple[int, int | None] | None, tuple[int, int | None] | None]] = field(
        default_factory=list
    )
    pick: str | None = None

    def any(self) -> bool:
        return bool(
            self.options or self.numbers or self.dates or self.rel_dates or self.month_days
            or self.weekdays or self.weeks or self.parts or self.times or self.ranges
            or self.pick
        )  # fmt: skip

    def has_time_of_day(self) -> bool:
        return bool(self.parts or self.times or self.ranges)


def _build(tokens: list[_Tok], offered_numbers: list[int], today: date) -> _Constraints:
    c = _Constraints()
    for t in tokens:
        if t.kind == "opt":
            c.options.add(t.value)
        elif t.kind == "num":
            c.numbers.append((t.value, t.approx))
        elif t.kind == "last" and offered_numbers:
            c.options.add(max(offered_numbers))
        elif t.kind == "penult" and len(offered_numbers) >= 2:
            c.options.add(sorted(offered_numbers)[-2])
        elif t.kind == "date":
            c.dates.append(t.value)
        elif t.kind == "rel":
            c.rel_dates.add(today + timedelta(days=t.value))
        elif t.kind == "mday":
            c.month_days.add(t.value)
        elif t.kind == "wd":
            c.weekdays.add(t.value)
        elif t.kind == "wd_in8":
            first = today + timedelta(days=(t.value - today.weekday()) % 7)
            c.rel_dates.add(first + timedelta(days=7))
        elif t.kind == "week":
            c.weeks.add(tuple((today + timedelta(days=7 * t.value)).isocalendar()[:2]))
        elif t.kind == "part":
            c.parts.add(t.value)
        elif t.kind == "time":
            h, m = t.value
            c.times.append((h, m, t.approx))
        elif t.kind == "range":
            c.ranges.append(t.value)
        elif t.kind == "pick":
            c.pick = t.value
    return c


@lru_cache(maxsize=1024)
def _parse_date(day: int, month: int, year: int | None, base: datetime) -> date | None:
    """dateparser 1.5 on a canonical French date, relative to base (naive, org time)."""
    expr = f"{day} {_MONTH_CANONICAL[month - 1]}" + (f" {year}" if year else "")
    parsed = dateparser.parse(
        expr,
        languages=["fr"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return parsed.date() if parsed else None


def _hours(h: int) -> set[int]:
    """ "3h" in an appointment context is 15h: hours 1-7 also read as afternoon."""
    return {h, h + 12} if 1 <= h <= 7 else {h}


def _range_minutes(t: tuple[int, int | None]) -> int:
    """Bound of "apres 14h" / "avant 3h" in minutes; 1h-7h read as afternoon."""
    h, m = t
    return (h + 12 if 1 <= h <= 7 else h) * 60 + (m or 0)


def _minutes(local: datetime) -> int:
    return local.hour * 60 + local.minute


class _Matcher:
    def __init__(self, offered: Sequence[OfferedSlot], now: datetime, tz: ZoneInfo):
        self.offered = list(offered)
        self.local = {id(s): s.start.astimezone(tz) for s in self.offered}
        now_local = now.astimezone(tz)
        self.today = now_local.date()
        self.base = now_local.replace(tzinfo=None, second=0, microsecond=0)
        self.numbers = [s.number for s in self.offered]

    def _date_ok(self, c: _Constraints, loc: datetime) -> bool:
        d = loc.date()
        for day, month, year in c.dates:
            parsed = _parse_date(day, month, year, self.base)
            if parsed is None:
                return False
            same = (parsed.month, parsed.day) == (d.month, d.day)
            if not same or (year is not None and parsed.year != d.year):
                return False
        if c.rel_dates and d not in c.rel_dates:
            return False
        if c.month_days and d.day not in c.month_days:
            return False
        if c.weekdays and d.weekday() not in c.weekdays:
            return False
        if c.weeks and tuple(d.isocalendar()[:2]) not in c.weeks:
            return False
        return True

    def _time_ok(self, c: _Constraints, loc: datetime, loose: bool) -> bool:
        minutes = _minutes(loc)
        if c.parts:
            ok = False
            for part in c.parts:
                if part == "matin" and loc.hour < 12:
                    ok = True
                elif part == "aprem" and 12 <= loc.hour < 18:
                    ok = True
                elif part == "soir" and loc.hour >= 17:
                    ok = True
            if not ok:
                return False
        if c.times:
            ok = False
            for h, m, approx in c.times:
                for hh in _hours(h):
                    target = hh * 60 + (m or 0)
                    if minutes == target:
                        ok = True
                    elif loose and m is None and loc.hour == hh:
                        ok = True
                    elif loose and approx and abs(minutes - target) <= 60:
                        ok = True
            if not ok:
                return False
        for lo, hi in c.ranges:
            if lo is not None and minutes < _range_minutes(lo):
                return False
            if hi is not None and minutes >= _range_minutes(hi):
                return False
        return True

    def _filter(self, c: _Constraints, slots: list[OfferedSlot], loose: bool) -> list[OfferedSlot]:
        return [
            s
            for s in slots
            if self._date_ok(c, self.local[id(s)]) and self._time_ok(c, self.local[id(s)], loose)
        ]

    def _filter_with_fallback(self, c: _Constraints, slots: list[OfferedSlot]) -> list[OfferedSlot]:
        strict = self._filter(c, slots, loose=False)
        if strict or not c.times:
            return strict
        return self._filter(c, slots, loose=True)

    def match(self, c: _Constraints) -> list[OfferedSlot]:
        slots = self.offered
        if c.options:
            slots = [s for s in slots if s.number in c.options]
        if c.numbers:
            chosen: list[OfferedSlot] = []
            for num, may_be_hour in c.numbers:
                as_option = self._filter_with_fallback(c, [s for s in slots if s.number == num])
                if as_option:
                    chosen += as_option
                    continue
                as_day: list[OfferedSlot] = []
                if 1 <= num <= 31:
                    as_day = self._filter_with_fallback(c, [s for s in slots if self.local[id(s)].day == num])
                if not as_day and may_be_hour and 7 <= num <= 20:  # "14 c bien": an hour
                    hour = replace(c, times=[*c.times, (num, None, False)])
                    as_day = self._filter_with_fallback(hour, slots)
                chosen += as_day
            result = [s for s in self.offered if s in chosen]
        else:
            result = self._filter_with_fallback(c, slots)
        if c.pick and result:
            key = min if c.pick == "first" else max
            result = [key(result, key=lambda s: s.start)]
        return result


# --------------------------------------------------------------------------- entry point


def _alternatives(tokens: list[_Tok]) -> list[list[_Tok]]:
    alts: list[list[_Tok]] = [[]]
    for t in tokens:
        if t.kind == "ou":
            alts.append([])
        else:
            alts[-1].append(t)
    return [a for a in alts if a]


def _constraints_for(tokens: list[_Tok], matcher: _Matcher) -> list[_Constraints]:
    alts = [_build(a, matcher.numbers, matcher.today) for a in _alternatives(tokens)]
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


def _split_negated(tokens: list[_Tok]) -> tuple[list[_Tok], list[_Tok]]:
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

    def between(a: int, b: int) -> list[_Tok]:
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
        forward = after is not None and after in group_of
        if t.value == "pre" and forward and not (before is not None and confirmed(group_of[after])):
            negated.add(group_of[after])
        elif before is not None:
            negated.add(group_of[before])
        elif forward:
            negated.add(group_of[after])
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
    matcher = _Matcher(offered, now, tz)

    positive: list[_Tok] = []
    negative_parts: list[list[_Tok]] = []
    negated = False
    for words in _lex(text):
        if len(words) > 1 and words[0] in ("non", "nan"):  # "non, le 2" / "non le 2"
            words = words[1:]
        if len(words) > 1 and words[0] == "mais":
            words = words[1:]
        # split on "mais", "sinon"...: each part is its own clause
        chunks: list[list[str]] = [[]]
        for w in words:
            if w in _CLAUSE_WORDS or (w in ("plutot", "pluto") and chunks[-1]):
                chunks.append([])
                if w in ("plutot", "pluto"):
                    chunks[-1].append(w)
            else:
                chunks[-1].append(w)
        for chunk in chunks:
            if not chunk:
                continue
            tokens = _tokens(chunk)
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
    return SlotChoice(slot_ids=tuple(s.slot_id for s in offered if s.slot_id in chosen - excluded))
