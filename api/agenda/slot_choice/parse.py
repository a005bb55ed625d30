"""Reading an answer into tokens: normalised words, then weekdays, dates, times, option numbers,
negations and the rest (see the package's docstring for what is read how)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from api.agenda.slot_choice.vocabulary import (
    ALL_WORDS,
    APRES,
    CIVILITIES,
    EXCEPT_WORDS,
    LAST_WORDS,
    MONTH_WORDS,
    NEGATION_WORDS,
    NEUTRALISED_AFTER_PAS,
    NUMBER_CONTEXT,
    NUMBER_WORDS,
    ONE_CONTEXT,
    OPTION_MARKERS,
    ORDINAL_WORDS,
    PART_WORDS,
    POLITE_WORDS,
    POST_NEGATIONS,
    UNIT_WORDS,
    WEEKDAY_WEAK,
    WEEKDAY_WORDS,
    WORK_WORDS,
    YES_WORDS,
    canonical_word,
)
from api.text_safety import ascii_digits


@dataclass
class Token:
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


def lex(text: str) -> list[list[str]]:
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


def _date_token(day: int, month_or_name: int | str, year: str) -> Token:
    month = month_or_name if isinstance(month_or_name, int) else MONTH_WORDS[month_or_name]
    return Token("date", (day, month, int(year) if year else None))


def tokenise(words: list[str]) -> list[Token]:
    """Typed tokens for one clause's words."""
    out: list[Token] = []
    # no typo correction on placeholders or on a name after a civility ("Mme Jeudy")
    words = [
        w if w.startswith("\x00") or (k and words[k - 1] in CIVILITIES) else canonical_word(w)
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
            out.append(Token("time", (int(h), minute)))
            i += 1
            continue
        if w.startswith("\x00date_"):
            _, d, mo, y = w.split("_")
            out.append(_date_token(int(d), int(mo), y))
            i += 1
            continue
        # ---- parts of day, "apres-midi", "apres-demain", ranges
        if w in APRES and nxt == "midi":
            out.append(Token("part", "aprem"))
            i += 2
            continue
        if w in APRES and nxt == "demain":
            out.append(Token("rel", 2))
            i += 2
            continue
        if w == "apredemain" or w == "apresdemain":
            out.append(Token("rel", 2))
            i += 1
            continue
        if w in PART_WORDS:
            if prev_kind() == "word" and out[-1].value in ("ce", "cet", "cette"):
                out[-1] = Token("rel", 0)
            out.append(Token("part", PART_WORDS[w]))
            i += 1
            continue
        if w == "fin" and nxt == "de" and at(i + 2) in ("journee", "journe"):
            out.append(Token("part", "soir"))
            i += 3
            continue
        if w in ("avant", "apres", "partir", "des", "vers", "entre") or w in APRES:
            bound = _time_at(words, i + 1)
            if bound is not None:
                t, used = bound
                if w == "entre" and at(i + 1 + used) == "et":
                    end = _time_at(words, i + 2 + used, second=True)
                    if end is not None:
                        out.append(Token("range", (t, end[0])))
                        i += 2 + used + end[1]
                        continue
                if w == "avant":
                    out.append(Token("range", (None, t)))
                elif w == "vers":
                    out.append(Token("time", t, approx=True))
                elif w != "entre":
                    out.append(Token("range", (t, None)))
                i += 1 + used
                continue
        if w == "midi":
            if nxt == "et" and at(i + 2) in ("demi", "demie"):
                out.append(Token("time", (12, 30)))
                i += 3
                continue
            out.append(Token("time", (12, 0)))
            i += 1
            continue
        if w == "a" and nxt.isdigit() and len(nxt) <= 2 and int(nxt) <= 23 and (at(i + 2) not in MONTH_WORDS):
            out.append(Token("time", (int(nxt), None)))
            i += 2
            continue
        # ---- relative days, weeks
        if w == "demain":
            out.append(Token("rel", 1))
            i += 1
            continue
        if w in ("auj", "ajd", "ojd", "aujourdhui", "aujourd", "aujour"):
            out.append(Token("rel", 0))
            i += 2 if nxt == "hui" else 1
            continue
        if w in ("semaine", "sem"):
            if prev_kind() == "word" and out[-1].value in ("cette", "cet", "ce"):
                out[-1] = Token("week", 0)
                i += 1
                continue
            if nxt in ("prochaine", "pro", "suivante", "prochain"):
                out.append(Token("week", 1))
                i += 2
                continue
            if nxt == "d" and at(i + 2) == "apres":
                out.append(Token("week", 1))
                i += 3
                continue
        if w == "weekend" or (w == "week" and nxt == "end"):
            out.append(Token("wd", 5))
            out.append(Token("wd", 6))
            i += 2 if w == "week" else 1
            continue
        if w == "dans" and nxt.isdigit() and at(i + 2) in ("jour", "jours", "j"):
            out.append(Token("rel", int(nxt)))
            i += 3
            continue
        # ---- weekdays
        if w in WEEKDAY_WORDS and (w not in WEEKDAY_WEAK or _is_day_number(nxt)):
            wd = WEEKDAY_WORDS[w]
            i += 1
            if at(i) in ("prochain", "prochaine", "pro", "qui"):  # "mardi prochain", "qui vient"
                i += 2 if at(i) == "qui" and at(i + 1) == "vient" else 1
            if at(i) == "en" and at(i + 1) in ("8", "huit"):
                out.append(Token("wd_in8", wd))
                i += 2
                continue
            out.append(Token("wd", wd))
            if at(i) == "le" and _is_day_number(at(i + 1)):  # "jeudi le 3"
                i += 1
            if _is_day_number(at(i)) and not MONTH_WORDS.get(at(i + 1)):
                out.append(Token("mday", _day_number(at(i))))
                i += 1
            continue
        # ---- numbers and ordinals
        ordinal = _ORDINAL_RE.match(w)
        if w.isdigit() or ordinal or w in ("premier", "premiere", "premiers"):
            num = int(ordinal.group(1)) if ordinal else (1 if not w.isdigit() else int(w))
            is_first_form = not w.isdigit() and num == 1  # 1er, premier: also a day
            if w.isdigit() and len(w) > 2:
                out.append(Token("word", w))
                i += 1
                continue
            if nxt in MONTH_WORDS and (w.isdigit() or is_first_form):
                year = at(i + 2) if re.fullmatch(r"\d{4}", at(i + 2)) else ""
                out.append(_date_token(num, nxt, year))
                i += 3 if year else 2
                continue
            if w.isdigit() and nxt in UNIT_WORDS:
                i += 2
                continue
            if _phone_like(words, i):
                i += 1
                continue
            if at(i - 1) in OPTION_MARKERS or (ordinal and not is_first_form):
                out.append(Token("opt", num))
            else:
                # "14 c bien" may be an hour; "le 14" may not
                article = at(i - 1) in ("le", "la", "l", "du")
                out.append(Token("num", num, approx=not article and w.isdigit()))
            i += 1
            continue
        if w in ORDINAL_WORDS and (
            w not in ("second", "seconde") or at(i - 1) in ("le", "la", "l")
        ):  # "une seconde" is a second
            out.append(Token("opt", ORDINAL_WORDS[w]))
            i += 1
            continue
        if w in LAST_WORDS:
            if at(i - 1) == "avant":
                if out and out[-1].kind == "word" and out[-1].value == "avant":
                    out.pop()
                out.append(Token("penult"))
            else:
                out.append(Token("last"))
            i += 1
            continue
        if w in ("un", "une") and at(i - 1) in ONE_CONTEXT:  # "le numero un", "je prends le un"
            out.append(Token("num", 1))
            i += 1
            continue
        if w in NUMBER_WORDS and (
            at(i - 1) in NUMBER_CONTEXT | OPTION_MARKERS or n == 1 or _only_polite_after(words, i)
        ):  # "trois", "deux merci", "le trois"
            if nxt in MONTH_WORDS:
                out.append(_date_token(NUMBER_WORDS[w], nxt, ""))
                i += 2
                continue
            out.append(Token("num", NUMBER_WORDS[w]))
            i += 1
            continue
        # ---- "le plus tot possible", "au plus vite"
        if (
            w == "plus"
            and nxt in ("tot", "vite", "rapide", "rapidement", "proche", "tard")
            and (at(i - 1) in ("le", "au", "la") or at(i + 2) == "possible")
        ):  # "le plus tot possible", "au plus vite"; "je rappelle plus tard" is not a choice
            out.append(Token("pick", "last" if nxt == "tard" else "first"))
            i += 2
            continue
        if w == "asap" or (w == "des" and nxt == "que" and at(i + 2) == "possible"):
            out.append(Token("pick", "first"))
            i += 1 if w == "asap" else 3
            continue
        # ---- negation, exceptions, alternatives, "any"
        if w in ("pas", "pa"):
            if at(i - 1) == "pourquoi":  # "pourquoi pas"
                i += 1
                continue
            follow = NEUTRALISED_AFTER_PAS.get(nxt)
            if follow is not None and not follow:  # "pas mal", "pas grave"
                i += 2
                continue
            if follow and at(i + 2) in follow:  # "pas de souci"
                i += 3
                continue
        if w in ("aucun", "aucune") and nxt in NEUTRALISED_AFTER_PAS["de"]:
            i += 2
            continue
        if w == "rien" and nxt == "de" and at(i + 2) in ("prevu", "special"):
            i += 3
            continue
        if w in ("plutot", "pluto") and nxt == "que":
            out.append(Token("except"))
            i += 2
            continue
        if w == "au" and nxt == "lieu" and at(i + 2) in ("de", "du", "d"):
            out.append(Token("except"))
            i += 3
            continue
        if w in EXCEPT_WORDS:
            out.append(Token("except"))
            i += 1
            continue
        if w in WORK_WORDS and nxt in ("pas", "pa", "plus"):  # "je travaille pas lundi"
            i += 2
            continue
        if w in WORK_WORDS and w in ("formation", "stage") and prev_kind() != "word":
            out.append(Token("word", w))
            i += 1
            continue
        if w in NEGATION_WORDS or w in WORK_WORDS:
            out.append(Token("neg", "post" if w in POST_NEGATIONS else "pre"))
            i += 1
            continue
        if w in ("peu", "peux", "pe", "peut", "px", "jpeux", "jpx") and nxt in ("pas", "pa"):
            out.append(Token("neg", "pre"))
            i += 2
            continue
        if w == "ou":
            out.append(Token("ou"))
            i += 1
            continue
        if w in ALL_WORDS or (
            w in ("tout", "tous", "toutes") and nxt in ("me", "m", "va", "vont", "convient")
        ):
            out.append(Token("all"))
            i += 1
            continue
        if w == "comme" and nxt in ("vous", "tu") and at(i + 2) in ("voulez", "veux", "voulais"):
            out.append(Token("all"))
            i += 3
            continue
        if w in YES_WORDS:
            out.append(Token("yes"))
            i += 1
            continue
        out.append(Token("word", w))
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
    return i == 0 and all(word in POLITE_WORDS for word in words[1:])


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
