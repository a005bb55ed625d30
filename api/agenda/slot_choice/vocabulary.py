"""The words an answer is read with: weekdays, months, parts of day, ordinals, negations...,
and the typo tolerance that maps a misspelt word to one of them ("mecredi", "jeudii")."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from api.calendar_words import WEEKDAYS

WEEKDAY_WORDS: dict[str, int] = {
    "lundi": 0, "lundis": 0, "lun": 0, "lu": 0,
    "mardi": 1, "mardis": 1, "mar": 1, "mard": 1, "ma": 1,
    "mercredi": 2, "mercredis": 2, "mer": 2, "merc": 2, "mercr": 2, "me": 2,
    "jeudi": 3, "jeudis": 3, "jeu": 3, "jeud": 3,
    "vendredi": 4, "vendredis": 4, "ven": 4, "vend": 4, "vendr": 4, "vdd": 4, "vdr": 4,
    "samedi": 5, "samedis": 5, "sam": 5,
    "dimanche": 6, "dimanches": 6, "dim": 6,
}  # fmt: skip
# two-letter abbreviations are far too ambiguous ("me", "ma", "lu") outside "mardi 8"-like use
WEEKDAY_WEAK = {"lu", "ma", "me"}

MONTH_WORDS: dict[str, int] = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11,
    "nov": 11, "decembre": 12, "dec": 12, "decemb": 12,
}  # fmt: skip
MONTH_CANONICAL = (
    "janvier", "fevrier", "mars", "avril", "mai", "juin",
    "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
)  # fmt: skip

PART_WORDS: dict[str, str] = {
    "matin": "matin", "matins": "matin", "mat": "matin", "matinee": "matin",
    "aprem": "aprem", "aprems": "aprem", "apm": "aprem", "aprm": "aprem",
    "apremidi": "aprem", "apmidi": "aprem", "apresmidi": "aprem", "aprmidi": "aprem",
    "soir": "soir", "soirs": "soir", "soiree": "soir", "soirees": "soir",
}  # fmt: skip
APRES = {"apres", "ap", "apr", "aprs", "apre", "aprè"}

ORDINAL_WORDS: dict[str, int] = {
    "premier": 1, "premiere": 1, "premiers": 1,
    "deuxieme": 2, "second": 2, "seconde": 2, "deuxiem": 2,
    "troisieme": 3, "troisiem": 3, "quatrieme": 4, "quatriem": 4,
    "cinquieme": 5, "sixieme": 6, "septieme": 7, "huitieme": 8,
    "neuvieme": 9, "dixieme": 10,
}  # fmt: skip
LAST_WORDS = {"dernier", "derniere", "dernie", "derniers"}
NUMBER_WORDS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
}  # fmt: skip
OPTION_MARKERS = {
    "numero", "num", "n", "no", "nr", "option", "options", "choix", "creneau",
    "proposition", "propo", "opt",
}  # fmt: skip
NUMBER_CONTEXT = {"le", "la", "l", "prends", "prend", "ok", "choisis", "choisi", "pour"}
# "un" is a number only right after these ("je prends un rdv" is not a choice)
ONE_CONTEXT = {"le", "numero", "num", "no", "option", "choix"}
POLITE_WORDS = {
    "merci", "mrc", "stp", "svp", "s", "il", "sil", "vous", "te", "plait", "bcp", "beaucoup", "bien",
}  # fmt: skip
UNIT_WORDS = {
    "jour", "jours", "j", "semaine", "semaines", "sem", "mois", "an", "ans", "annee", "min",
    "mn", "minute", "minutes", "personne", "personnes", "enfant", "enfants", "euro", "euros",
    "eur", "fois", "km", "kms",
}  # fmt: skip
NEGATION_WORDS = {
    "pas", "pa", "jamais", "impossible", "imposible", "indispo", "indisponible", "ni",
    "non", "nan", "aucun", "aucune", "rien", "peuxpas", "peuxpa", "pourrai", "empeche",
    "empechee", "occupe", "occupee", "bloque", "bloquee",
}  # fmt: skip
# "le lundi je travaille", "je bosse mardi": that day is taken ("je travaille pas" is not)
WORK_WORDS = {
    "travaille", "travail", "travailles", "travaillerai", "bosse", "bosses", "bosserai",
    "taf", "taff", "boulot", "formation", "stage",
}  # fmt: skip
# negations that come after what they negate ("lundi impossible", "lundi je travaille")
POST_NEGATIONS = {
    "impossible", "imposible", "indispo", "indisponible", "empeche", "empechee", "occupe",
    "occupee", "bloque", "bloquee", "pourrai",
}  # fmt: skip
EXCEPT_WORDS = {"sauf", "hors", "excepte", "exepte", "except"}
NEUTRALISED_AFTER_PAS = {
    "de": {"souci", "soucis", "soucy", "probleme", "problemes", "pb", "pbm", "prob"},
    "mal": set(),
    "grave": set(),
}
ALL_WORDS = {"importe", "indifferent", "indiferent", "egal"}
YES_WORDS = {
    "oui", "ok", "okay", "okey", "oki", "ouais", "ouai", "dac", "daccord", "accord", "parfait",
    "super", "top", "nickel", "go", "valide", "confirme", "yes", "marche", "va", "convient",
}  # fmt: skip
CIVILITIES = {"mme", "madame", "m", "mr", "monsieur", "mlle", "mademoiselle", "dr"}
CLAUSE_WORDS = {"mais", "sinon", "parcontre", "cependant", "donc"}

# Words checked with a one-typo tolerance (five letters or more only).
FUZZY_VOCAB: dict[str, tuple[str, Any]] = {}
ABBREVIATIONS = {
    "mercr", "vendr", "decemb", "deuxiem", "troisiem", "quatriem", "second", "seconde",
}  # fmt: skip
for _w, _d in WEEKDAY_WORDS.items():
    if len(_w) >= 5 and _w not in ABBREVIATIONS:
        FUZZY_VOCAB[_w] = ("wd", _d)
for _w, _m in MONTH_WORDS.items():
    if len(_w) >= 5 and _w not in ABBREVIATIONS:
        FUZZY_VOCAB[_w] = ("month", _m)
for _w, _o in ORDINAL_WORDS.items():
    if len(_w) >= 6 and _w not in ABBREVIATIONS:
        FUZZY_VOCAB[_w] = ("ordinal", _o)
for _w in ("demain", "matin", "matinee", "aprem", "soiree", "semaine", "prochain",
           "prochaine", "numero", "option", "dernier", "derniere", "impossible",
           "indisponible", "apresmidi", "sauf"):  # fmt: skip
    FUZZY_VOCAB.setdefault(_w, ("word", _w))
# Words one typo away from the vocabulary that mean something else: never corrected.
NOT_TYPOS = (
    {
        "apres", "avant", "merci", "malin", "maman", "mamie", "demande", "demander", "jeune",
        "jeunes", "mairie", "madame", "demie", "sorti", "sortie", "martin", "martine",
        "matis", "vendre", "vendu", "semer", "option", "options", "seconde", "secondes",
        "seconds", "domaine", "sauve", "premie", "disponible", "disponibles", "possible",
        "possibles", "latin",
    }
    | set(NEGATION_WORDS)
    | WORK_WORDS
    | set(YES_WORDS)
    | set(UNIT_WORDS)
    | set(OPTION_MARKERS)
    | set(NUMBER_WORDS)
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
    if len(word) < 5 or word in NOT_TYPOS or not word.isalpha():
        return None
    limit = 2 if len(word) >= 9 else 1
    best: tuple[int, tuple[str, Any]] | None = None
    for vocab, entry in FUZZY_VOCAB.items():
        d = _osa_distance(word, vocab, limit)
        if d <= limit and (best is None or d < best[0]):
            best = (d, entry)
    return best[1] if best else None


def canonical_word(word: str) -> str:
    entry = FUZZY_VOCAB.get(word) or _fuzzy(word)
    if entry is None:
        return word
    kind, value = entry
    if kind == "wd":
        return WEEKDAYS[value]
    if kind == "month":
        return MONTH_CANONICAL[value - 1]
    if kind == "ordinal":
        return next(w for w, n in ORDINAL_WORDS.items() if n == value)
    return str(value)
