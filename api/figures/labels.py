"""French words and numbers for the figures, shared by the console page and the CSV file."""

from datetime import date

from api.calendar_words import MONTHS, WEEKDAYS
from api.console.labels import BARRIER_GROUPS

NONE = "—"  # a rate with nothing to divide, a median of nothing
UNSPECIFIED_GROUP = "Non précisé"


def day_label(day: date, *, weekday: bool = True, year: bool = True) -> str:
    """'lundi 2 novembre 2026' ('1er' for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    text = f"{number} {MONTHS[day.month - 1]}"
    if weekday:
        text = f"{WEEKDAYS[day.weekday()]} {text}"
    return f"{text} {day.year}" if year else text


def period_label(start: date, end: date) -> str:
    """'du lundi 2 novembre au dimanche 8 novembre 2026' (or 'le ...' for one day)."""
    if start == end:
        return f"le {day_label(start)}"
    return f"du {day_label(start, year=start.year != end.year)} au {day_label(end)}"


def short_day(day: date) -> str:
    """'2/11', under a bar of the chart."""
    return f"{day.day}/{day.month}"


def decimal(value: float, decimals: int = 1) -> str:
    """66.666 -> '66,7'; 24.0 -> '24' (no ',0')."""
    text = f"{value:.{decimals}f}".replace(".", ",")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def count(value: int) -> str:
    """40000 -> '40 000' (narrow no-break space, as French typography has it)."""
    return f"{value:,}".replace(",", "\u202f")


def percent(value: float | None) -> str:
    """0.75 -> '75 %'; None -> '—'."""
    return NONE if value is None else f"{decimal(value * 100)}\u00a0%"


def delay(hours: float | None) -> tuple[str, str]:
    """The median delay and the same in the other unit: hours under 48 hours, days from then on."""
    if hours is None:
        return NONE, ""
    days = hours / 24
    day_word = "jour" if days < 2 else "jours"
    if hours < 48:
        return f"{decimal(hours)}\u00a0h", f"soit {decimal(days)} {day_word}"
    return f"{decimal(days)} {day_word}", f"soit {decimal(hours, 0)}\u00a0h"


def barrier_label(group: str) -> str:
    return BARRIER_GROUPS.get(group, group) if group else UNSPECIFIED_GROUP


def granularity_label(granularity: str) -> str:
    return "par jour" if granularity == "day" else "par semaine"
