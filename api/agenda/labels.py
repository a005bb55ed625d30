"""Short French labels for slots in numbered lists (GSM-7 only)."""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from api.calendar_words import WEEKDAYS


def option_label(start: datetime, tz: ZoneInfo) -> str:
    """'jeudi 3/12 9h00'."""
    local = start.astimezone(tz)
    return f"{WEEKDAYS[local.weekday()]} {local.day}/{local.month} {local.hour}h{local.minute:02d}"


def options_text(starts: Sequence[datetime], tz: ZoneInfo) -> str:
    """'1) jeudi 3/12 9h00' one per line, numbered from 1."""
    return "\n".join(f"{number}) {option_label(start, tz)}" for number, start in enumerate(starts, 1))
