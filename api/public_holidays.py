"""French public holidays per département (metropolitan France, Alsace-Moselle, overseas).

Holidays come from the ``holidays`` package (0.74). Its ``France`` subdivision codes are:
``GES`` (Alsace-Moselle: Good Friday and 26 December; the package also names it Alsace,
Champagne-Ardenne, Lorraine, but by law those days only apply to départements 57, 67 and 68,
so only those three are mapped to it), ``GP`` Guadeloupe, ``MQ`` Martinique, ``GY`` Guyane
(not "GF"), ``RE`` La Réunion, ``YT`` Mayotte. Département codes themselves ("57", "974")
are not accepted by the package, and the old long names ("Alsace-Moselle") are deprecated.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

import holidays
from holidays.countries import France

# Département code (INSEE) -> subdivision code of holidays.France. Anything else is plain France.
_SUBDIVISION_BY_DEPARTEMENT: dict[str, str] = {
    "57": "GES",  # Moselle
    "67": "GES",  # Bas-Rhin
    "68": "GES",  # Haut-Rhin
    "971": "GP",  # Guadeloupe
    "972": "MQ",  # Martinique
    "973": "GY",  # Guyane
    "974": "RE",  # La Réunion
    "976": "YT",  # Mayotte
}


def _subdivision_for(departement_code: str) -> str | None:
    return _SUBDIVISION_BY_DEPARTEMENT.get(departement_code.strip().upper())


@lru_cache(maxsize=64)
def _holidays(subdivision: str | None, years: tuple[int, ...] | None) -> holidays.HolidayBase:
    if years is None:
        return France(subdiv=subdivision, expand=True)
    return France(subdiv=subdivision, years=years, expand=False)


@lru_cache(maxsize=512)
def _holiday_dates(subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(France(subdiv=subdivision, years=year, expand=False).keys())


def public_holidays_for(
    departement_code: str, years: int | Iterable[int] | None = None
) -> holidays.HolidayBase:
    """French public holidays for a département (cached per subdivision and year range).

    Without ``years`` the calendar expands lazily to whatever year is looked up. The returned
    object is shared between callers: read it, do not modify it.
    """
    key: tuple[int, ...] | None
    if years is None:
        key = None
    elif isinstance(years, int):
        key = (years,)
    else:
        key = tuple(sorted(set(years)))
    return _holidays(_subdivision_for(departement_code), key)


def local_day_is_holiday(day: date, departement_code: str) -> bool:
    """True if ``day`` (a local calendar date) is a public holiday in the département."""
    if isinstance(day, datetime):
        day = day.date()
    return day in _holiday_dates(_subdivision_for(departement_code), day.year)
