"""Resolving a person's SMS answer against the slots offered to them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from api.agenda.slot_choice import (
    OfferedSlot,
    SlotChoice,
    format_slot_label,
    resolve_slot_choice,
)
from api.messaging.segments import is_gsm7

PARIS = ZoneInfo("Europe/Paris")
CAYENNE = ZoneInfo("America/Cayenne")  # UTC-3, no DST
REUNION = ZoneInfo("Indian/Reunion")  # UTC+4, no DST

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)  # Friday
NOW_SUNDAY = datetime(2026, 11, 29, 18, 0, tzinfo=PARIS)


def _p(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=PARIS)


def _u(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# What the person received, numbered as in the SMS:
#   1. mardi 1er décembre 9h30     2. jeudi 3 décembre 15h00
#   3. mardi 8 décembre 14h00      4. vendredi 11 décembre 17h30
OFFERED = [
    OfferedSlot(number=1, slot_id=101, start=_p(2026, 12, 1, 9, 30)),
    OfferedSlot(number=2, slot_id=102, start=_p(2026, 12, 3, 15, 0)),
    OfferedSlot(number=3, slot_id=103, start=_p(2026, 12, 8, 14, 0)),
    OfferedSlot(number=4, slot_id=104, start=_p(2026, 12, 11, 17, 30)),
]
# Two slots on the same day: 1. lundi 30 novembre 9h00  2. lundi 30 novembre 14h30
# 3. mercredi 2 décembre 11h00
SAME_DAY = [
    OfferedSlot(number=1, slot_id=201, start=_p(2026, 11, 30, 9, 0)),
    OfferedSlot(number=2, slot_id=202, start=_p(2026, 11, 30, 14, 30)),
    OfferedSlot(number=3, slot_id=203, start=_p(2026, 12, 2, 11, 0)),
]
SINGLE = [OfferedSlot(number=1, slot_id=301, start=_p(2026, 12, 3, 15, 0))]


def _ids(text: str, offered=OFFERED, now=NOW, tz=PARIS) -> tuple[int, ...]:
    result = resolve_slot_choice(text, offered, now=now, tz=tz)
    assert isinstance(result, SlotChoice)
    return result.slot_ids


# ------------------------------------------------------------------ option numbers

NUMBERS = [
    ("2", (102,)),
    ("le 2", (102,)),
    ("Le 2 svp merci 🙏", (102,)),
    ("n°2", (102,)),
    ("N° 3", (103,)),
    ("numero 2", (102,)),
    ("le numéro 4 svp", (104,)),
    ("#2", (102,)),
    ("2)", (102,)),
    ("2.", (102,)),
    ("2️⃣", (102,)),
    ("option 3", (103,)),
    ("choix 1", (101,)),
    ("Je prends le créneau 2", (102,)),
    ("la proposition 4", (104,)),
    ("ok 3", (103,)),
    ("Ok pour le 3", (103,)),
    ("je prends le 1", (101,)),
    ("jpeux le 2", (102,)),
    ("c le 2 merci", (102,)),
    ("2 svp", (102,)),
    ("3 👍", (103,)),
    ("va pour le 4", (104,)),
    ("le deux", (102,)),
    ("1 ou 3", (101, 103)),
    ("le 2 ou le 4", (102, 104)),
    ("Bonjour, je suis Mme Martin, le 2 svp", (102,)),
    ("Mme Jeudy, le 2", (102,)),  # a name after a civility is not corrected to jeudi
    ("numéro deux", (102,)),
    ("la 4", (104,)),
    ("bonjour oui le deux", (102,)),
    # a number word alone with politeness, and "un" after "le" or "numero"
    ("trois stp", (103,)),
    ("deux merci bien", (102,)),
    ("quatre s'il vous plait", (104,)),
    ("le numero un", (101,)),
    ("je prends le un", (101,)),
]

ORDINALS = [
    ("le deuxieme", (102,)),
    ("le deuxième", (102,)),
    ("la premiere", (101,)),
    ("le premier", (101,)),
    ("le 1er", (101,)),
    ("la 2e", (102,)),
    ("le 3ème", (103,)),
    ("la quatrième", (104,)),
    ("le second", (102,)),
    ("le dernier", (104,)),
    ("la derniere svp", (104,)),
    ("l'avant-dernier", (103,)),
    ("le troisiem", (103,)),
]

# ------------------------------------------------------------------ days and dates

WEEKDAYS = [
    ("jeudi", (102,)),
    ("JEUDI !!!", (102,)),
    ("jeudi c mieux", (102,)),
    ("plutot jeudi", (102,)),
    ("plutôt vendredi", (104,)),
    ("mardi", (101, 103)),  # two Tuesdays offered: both
    ("mardi prochain", (101, 103)),  # "prochain" dropped, as the guide says
    ("jeu", (102,)),
    ("ven", (104,)),
    ("mar", (101, 103)),
    ("jeudi dispo", (102,)),
    ("dispo jeudi 😊", (102,)),
    ("jeudii", (102,)),
    ("vendredie", (104,)),
    ("vendedi", (104,)),
    ("mardie", (101, 103)),
    ("mardi ou jeudi", (101, 102, 103)),
    ("mercredi", ()),  # no Wednesday offered
    ("mecredi", ()),
    ("samedi", ()),
    ("mardi en 8", (103,)),  # Tuesday after the coming one
    ("mardi qui vient", (101, 103)),
    ("je suis disponible jeudi", (102,)),
    ("je peux que jeudi", (102,)),
    ("j'ai 2 enfants, jeudi", (102,)),
    ("peu importe", (101, 102, 103, 104)),
    ("n'importe lequel", (101, 102, 103, 104)),
    ("la semaine prochaine", (101, 102)),
    ("semaine pro", (101, 102)),
]

DATES = [
    ("le 3 décembre", (102,)),
    ("le 3 decembre", (102,)),
    ("3 dec", (102,)),
    ("Jeudi 3 Décembre", (102,)),
    ("3/12", (102,)),
    ("03/12", (102,)),
    ("le 08/12", (103,)),
    ("8.12", (103,)),
    ("11/12/2026", (104,)),
    ("le 11", (104,)),  # no option 11: the 11th of the month
    ("le 8", (103,)),
    ("8", (103,)),
    ("mardi 8", (103,)),  # after a weekday: a day of the month
    ("mardi 1er", (101,)),
    ("le 1er decembre", (101,)),
    ("le 11 decembre", (104,)),
    ("11 dec", (104,)),
    ("dans 4 jours", (101,)),
    ("le 2 decembre", ()),  # a month follows: the 2nd, not option 2
    ("jeudi 4 decembre", ()),  # contradiction: not guessed
    ("le 14", ()),  # neither option 14 nor a slot on the 14th
    ("le 30", ()),
    ("45", ()),
]

# ------------------------------------------------------------------ times and parts of day

TIMES = [
    ("14h", (103,)),
    ("14h00", (103,)),
    ("14:00", (103,)),
    ("a 14h", (103,)),
    ("à 9h30", (101,)),
    ("9h30", (101,)),
    ("15 h", (102,)),
    ("17h30", (104,)),
    ("vers 17h", (104,)),
    ("2h de l'aprem", (103,)),
    ("3h", (102,)),  # 3h in an appointment context is 15h
    ("midi", ()),
    ("9h00", ()),  # the 9h30 slot is not 9h00
    ("matin", (101,)),
    ("le matin", (101,)),
    ("mat", (101,)),
    ("aprem", (102, 103, 104)),
    ("aprèm", (102, 103, 104)),
    ("apres midi", (102, 103, 104)),
    ("plutôt l'après-midi", (102, 103, 104)),
    ("ap midi", (102, 103, 104)),
    ("apremidi", (102, 103, 104)),
    ("soir", (104,)),
    ("en fin de journee", (104,)),
    ("apres 15h", (102, 104)),
    ("a partir de 15h", (102, 104)),
    ("avant midi", (101,)),
    ("entre 14h et 16h", (102, 103)),
    ("le plus tot possible", (101,)),
    ("au plus vite", (101,)),
]

COMBINATIONS = [
    ("mardi aprem", (103,)),
    ("mar 14h", (103,)),
    ("mardi mat", (101,)),
    ("mardi matin", (101,)),
    ("mardi 9h30", (101,)),
    ("mardie apres-midi", (103,)),
    ("jeudi 15h", (102,)),
    ("jeudi 14h", ()),  # Thursday slot is 15h00
    ("mardi 15h", ()),
    ("ven soir", (104,)),
    ("vendredi soir c parfait", (104,)),
    ("le 3 a 15h", (102,)),  # option 3 is at 14h: the 3rd of the month at 15h
    ("le 3 à 14h", (103,)),  # option 3 is at 14h: the option
    ("03/12 15h", (102,)),
    ("le 8 a 14h", (103,)),
    ("la semaine prochaine le matin", (101,)),
    ("mardi ou jeudi aprem", (102, 103)),
    ("mardi matin ou jeudi", (101, 102)),
    ("jeudi le plus tot", (102,)),
    ("mardi le plus tard possible", (103,)),
    ("Le jeudi 3 décembre à 15h00", (102,)),
    ("ok pour jeudi 15h", (102,)),
    ("mardi 8 decembre 14h", (103,)),
    ("14 c bien", (103,)),  # no option 14, no slot on the 14th: an hour
    ("fin d'aprem", (102, 103, 104)),
]

# ------------------------------------------------------------------ negations

NEGATIONS = [
    ("pas jeudi", (101, 103, 104)),
    ("jeudi je peux pas", (101, 103, 104)),
    ("jeudi jpeux pas", (101, 103, 104)),
    ("je ne peux pas mardi", (102, 104)),
    ("mardi impossible", (102, 104)),
    ("sauf le 2", (101, 103, 104)),
    ("tout sauf mardi", (102, 104)),
    ("pas le matin", (102, 103, 104)),
    ("pas avant 15h", (102, 104)),
    ("pas jeudi, mardi", (101, 103)),
    ("pas mardi mais jeudi ok", (102,)),
    ("pas jeudi plutot mardi aprem", (103,)),
    ("mardi mais pas le matin", (103,)),
    ("le 2 plutot que le 3", (102,)),
    ("jeudi non", (101, 103, 104)),
    ("non, le 2", (102,)),
    ("ni mardi ni jeudi", (104,)),
    ("pas de souci pour jeudi", (102,)),
    ("pourquoi pas jeudi", (102,)),
    ("jeudi je suis occupée, le 4 ok", (104,)),
    ("sauf jeudi et mardi", (104,)),
    ("je suis indisponible jeudi", (101, 103, 104)),
    ("je ne suis pas dispo le 3", (101, 102, 104)),  # "le 3" is option 3
    ("mardi ça m'arrange pas", (102, 104)),
    ("pas le soir", (101, 102, 103)),
]

# ------------------------------------------------------------------ nothing recognisable

NON_MATCHES = [
    ("aucune", ()),
    ("aucun ne me va", ()),
    ("bof", ()),
    ("je sais pas", ()),
    ("", ()),
    ("   ", ()),
    ("😅", ()),
    ("non", ()),
    ("non merci", ()),
    ("je peux pas", ()),
    ("rappelez moi svp", ()),
    ("c'est qui ?", ()),
    ("ok", ()),  # four slots offered: "ok" chooses none
    ("06 12 34 56 78", ()),  # a phone number is not three options
    ("demain", ()),  # Saturday: nothing offered
    ("une seconde", ()),
    ("je vous rappelle plus tard", ()),
    ("je voudrais annuler mon rendez-vous", ()),
    ("je suis malade", ()),
    ("je prends un rdv", ()),
    ("un enfant", ()),
    ("deux enfants merci", ()),
]

ALL_CASES = NUMBERS + ORDINALS + WEEKDAYS + DATES + TIMES + COMBINATIONS + NEGATIONS + NON_MATCHES


@pytest.mark.parametrize(("text", "expected"), ALL_CASES, ids=[c[0] or "<empty>" for c in ALL_CASES])
def test_resolve_against_four_offered_slots(text, expected):
    assert _ids(text) == expected


def test_phrasings_are_distinct_and_numerous():
    texts = [t for t, _ in ALL_CASES]
    assert len(texts) == len(set(texts))
    assert len(texts) >= 70


# ------------------------------------------------------------------ two slots the same day

SAME_DAY_CASES = [
    ("lundi", NOW, (201, 202)),
    ("lundi matin", NOW, (201,)),
    ("lundi aprem", NOW, (202,)),
    ("lundi 14h", NOW, (202,)),  # no 14h00 slot: the one in the 14h hour
    ("lundi 14h30", NOW, (202,)),
    ("lundi 9h", NOW, (201,)),
    ("le 30", NOW, (201, 202)),
    ("lundi 30 novembre", NOW, (201, 202)),
    ("mercredi", NOW, (203,)),
    ("merc", NOW, (203,)),
    ("mer 11h", NOW, (203,)),
    ("demain", NOW_SUNDAY, (201, 202)),
    ("demain matin", NOW_SUNDAY, (201,)),
    ("demain apres-midi", NOW_SUNDAY, (202,)),
    ("pas demain", NOW_SUNDAY, (203,)),
    ("mercredi 11h ou lundi", NOW, (201, 202, 203)),
    ("lundi mais pas le matin", NOW, (202,)),
]


@pytest.mark.parametrize(("text", "now", "expected"), SAME_DAY_CASES, ids=[c[0] for c in SAME_DAY_CASES])
def test_two_slots_on_the_same_day(text, now, expected):
    assert _ids(text, SAME_DAY, now=now) == expected


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [("apres demain", NOW_SUNDAY, (101,)), ("après-demain matin", NOW_SUNDAY, (101,))],
)
def test_day_after_tomorrow(text, now, expected):
    assert _ids(text, OFFERED, now=now) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("oui", (301,)), ("ok 👍", (301,)), ("d'accord", (301,)), ("1", (301,)),
     ("non", ()), ("je peux pas", ()), ("le 2", ())],
)  # fmt: skip
def test_single_offered_slot(text, expected):
    assert _ids(text, SINGLE) == expected


def test_nothing_offered():
    assert _ids("le 2", []) == ()


def test_numbers_follow_the_offered_numbering():
    # a second page of the list: numbers 5 and 6
    offered = [
        OfferedSlot(number=5, slot_id=105, start=_p(2026, 12, 15, 9, 0)),
        OfferedSlot(number=6, slot_id=106, start=_p(2026, 12, 16, 9, 0)),
    ]
    assert _ids("6", offered) == (106,)
    assert _ids("le dernier", offered) == (106,)
    assert _ids("le 15", offered) == (105,)


def test_result_in_offered_order():
    shuffled = [OFFERED[3], OFFERED[0], OFFERED[2], OFFERED[1]]
    assert _ids("mardi ou vendredi", shuffled) == (104, 101, 103)


def test_naive_now_rejected():
    with pytest.raises(ValueError):
        resolve_slot_choice("2", OFFERED, now=datetime(2026, 11, 27, 10), tz=PARIS)


# ------------------------------------------------------------------ other time zones

# Cayenne (UTC-3). Slot starts stored in UTC.
#   1. mardi 1er décembre 9h00 Cayenne  = 12:00 UTC
#   2. jeudi 3 décembre 21h30 Cayenne   = vendredi 4 décembre 00:30 UTC (phone slot)
CAYENNE_OFFERED = [
    OfferedSlot(number=1, slot_id=501, start=_u(2026, 12, 1, 12, 0)),
    OfferedSlot(number=2, slot_id=502, start=_u(2026, 12, 4, 0, 30)),
]
NOW_CAYENNE = _u(2026, 11, 27, 13, 0)  # Friday 10:00 in Cayenne


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jeudi soir", (502,)),
        ("jeudi", (502,)),
        ("vendredi", ()),  # Friday only in UTC
        ("le 3", (502,)),  # no option 3: the 3rd, a local date (the 4th in UTC)
        ("9h", (501,)),
        ("12h", ()),  # the UTC hour
        ("21h30", (502,)),
        ("mardi matin", (501,)),
        ("3/12", (502,)),
        ("4/12", ()),
    ],
)
def test_cayenne_local_weekday_and_hour(text, expected):
    assert _ids(text, CAYENNE_OFFERED, now=NOW_CAYENNE, tz=CAYENNE) == expected


# Réunion (UTC+4): at 22:00 UTC on Monday it is already Tuesday 02:00 in Réunion.
REUNION_OFFERED = [
    OfferedSlot(number=1, slot_id=401, start=_u(2026, 12, 1, 5, 0)),  # mardi 9h00 local
    OfferedSlot(number=2, slot_id=402, start=_u(2026, 12, 2, 10, 0)),  # mercredi 14h00 local
]
NOW_REUNION = _u(2026, 11, 30, 22, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("demain", (402,)),  # in UTC, "demain" would be Tuesday
        ("aujourd'hui", (401,)),
        ("auj 9h", (401,)),
        ("14h", (402,)),
        ("10h", ()),  # the UTC hour of slot 2
        ("mercredi aprem", (402,)),
    ],
)
def test_reunion_relative_days(text, expected):
    assert _ids(text, REUNION_OFFERED, now=NOW_REUNION, tz=REUNION) == expected


# ------------------------------------------------------------------ labels


@pytest.mark.parametrize(
    ("start", "tz", "expected"),
    [
        (_p(2026, 12, 3, 14, 0), PARIS, ("jeudi 3 décembre", "14h00")),
        (_p(2026, 12, 1, 9, 30), PARIS, ("mardi 1er décembre", "9h30")),
        (_p(2027, 2, 10, 8, 5), PARIS, ("mercredi 10 février", "8h05")),
        (_p(2027, 8, 16, 16, 45), PARIS, ("lundi 16 aout", "16h45")),
        (_u(2026, 12, 4, 0, 30), CAYENNE, ("jeudi 3 décembre", "21h30")),
        (_u(2026, 12, 1, 5, 0), REUNION, ("mardi 1er décembre", "9h00")),
    ],
)
def test_format_slot_label(start, tz, expected):
    assert format_slot_label(start, tz) == expected


def test_all_labels_are_gsm7():
    for month in range(1, 13):
        for day in (1, 2, 3, 4, 5, 6, 7):
            date_label, time_label = format_slot_label(_p(2027, month, day, 9, 0), PARIS)
            assert is_gsm7(date_label + time_label), date_label


# ------------------------------------------------------------------ issue 12, point 4
# 1. lundi 30 novembre 10h15   2. mardi 1er décembre 16h00
# 3. jeudi 3 décembre 10h00    4. vendredi 4 décembre 14h30
WEEK = [
    OfferedSlot(number=1, slot_id=401, start=_p(2026, 11, 30, 10, 15)),
    OfferedSlot(number=2, slot_id=402, start=_p(2026, 12, 1, 16, 0)),
    OfferedSlot(number=3, slot_id=403, start=_p(2026, 12, 3, 10, 0)),
    OfferedSlot(number=4, slot_id=404, start=_p(2026, 12, 4, 14, 30)),
]
TIME_FORMATS = [
    ("10h15", (401,)),
    ("10 h 15", (401,)),
    ("10h 15", (401,)),
    ("10 h15", (401,)),
    ("10H15", (401,)),
    ("10 H 15", (401,)),
    ("10:15", (401,)),
    ("a 10 h 15", (401,)),
    ("à 10h15 svp", (401,)),
    ("10h", (403,)),
    ("a 10 h", (403,)),
    ("10 heures", (403,)),
    ("16 heures", (402,)),
    ("à 16 heures", (402,)),
    ("16h", (402,)),
    ("16 h 00", (402,)),
    ("4h de l'après-midi", (402,)),
    ("4 h de l apres midi", (402,)),
    ("14 h 30", (404,)),
    ("14 heures 30", (404,)),
    # stays a no-match: 10h on the 15th, nothing offered then
    ("10h 15 décembre", ()),
    # stays ambiguous: two slots in the morning
    ("le matin", (401, 403)),
]
EXCLUSIONS = [
    ("plutôt le vendredi, le lundi je travaille", (404,)),
    ("plutot vendredi le lundi je travaille", (404,)),
    ("Plutôt le vendredi, le lundi je bosse", (404,)),
    ("vendredi, pas lundi", (404,)),
    ("vendredi sauf le lundi", (404,)),
    ("le mardi, le lundi je travaille", (402,)),
    ("je travaille le lundi, mardi ok", (402,)),
    ("lundi impossible, le jeudi", (403,)),
    ("le lundi je peux pas, jeudi", (403,)),
    ("le jeudi car lundi je suis occupé", (403,)),
    ("vendredi car je travaille lundi", (404,)),
    ("lundi je peux pas mardi oui", (402,)),
    ("lundi non jeudi oui", (403,)),
    ("jeudi pas possible lundi ok", (401,)),
    ("le lundi et le mardi je travaille, vendredi ok", (404,)),
    ("lundi je bosse mais jeudi 10h ok", (403,)),
    ("j'ai une formation lundi jeudi ca va", (403,)),
    ("je peux pas lundi mais vendredi oui", (404,)),
    ("vendredi 14h30 pas lundi", (404,)),
    # joined days are excluded together: two left, ambiguous
    ("je travaille lundi et mardi", (403, 404)),
    # a negated work day is a free day
    ("je travaille pas le lundi", (401,)),
    # exclusions alone leave several options: ambiguous, nothing booked
    ("pas lundi", (402, 403, 404)),
    ("sauf le lundi", (402, 403, 404)),
    ("lundi impossible", (402, 403, 404)),
    ("le lundi je travaille", (402, 403, 404)),
    ("le lundi je bosse", (402, 403, 404)),
    ("vendredi ou mardi, pas lundi", (402, 404)),
    # every option excluded: no match
    ("pas lundi ni mardi ni jeudi ni vendredi", ()),
]


@pytest.mark.parametrize(
    ("text", "expected"), TIME_FORMATS + EXCLUSIONS, ids=[c[0] for c in TIME_FORMATS + EXCLUSIONS]
)
def test_time_formats_and_exclusions(text, expected):
    assert _ids(text, offered=WEEK) == expected


@pytest.mark.parametrize(
    ("text", "none_fits"),
    [
        ("pas lundi ni mardi ni jeudi ni vendredi", True),
        ("ni le 1 ni le 2 ni le 3 ni le 4", True),
        ("aucun: ni le matin ni l'apres-midi", True),
        # some options left, or a choice made: something fits
        ("pas lundi", False),
        ("ni le 1 ni le 2", False),
        ("pas lundi ni mardi, jeudi ok", False),
        ("le 2", False),
    ],
)
def test_an_answer_ruling_out_every_option_says_none_fits(text, none_fits):
    """Then the dialogue offers other slots instead of saying it found no such slot."""
    result = resolve_slot_choice(text, WEEK, now=NOW, tz=PARIS)
    assert result.excludes_all is none_fits
    if none_fits:
        assert result.slot_ids == ()
