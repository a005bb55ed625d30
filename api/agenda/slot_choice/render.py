"""How a slot reads in an SMS: "jeudi 3 décembre", "14h00", in the organisation's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from api.calendar_words import SMS_MONTHS, WEEKDAYS


def format_slot_label(start: datetime, tz: ZoneInfo) -> tuple[str, str]:
    """("jeudi 3 décembre", "14h00") for a slot start, in the organisation's time zone."""
    local = start.astimezone(tz)
    day = "1er" if local.day == 1 else str(local.day)
    date_label = f"{WEEKDAYS[local.weekday()]} {day} {SMS_MONTHS[local.month - 1]}"
    return date_label, f"{local.hour}h{local.minute:02d}"
