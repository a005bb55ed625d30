"""When a professional will call: two working days, in the organisation's own calendar."""

from datetime import datetime, timedelta

from api.agenda.slot_choice import format_slot_label
from api.organisations.models import Organisation
from api.public_holidays import local_day_is_holiday

CALL_WITHIN_WORKING_DAYS = 2


def expected_call_label(organisation: Organisation, now: datetime) -> str:
    """'d'ici mardi 1er décembre'."""
    tz = organisation.zone
    day = now.astimezone(tz)
    remaining = CALL_WITHIN_WORKING_DAYS
    while remaining:
        day += timedelta(days=1)
        if day.weekday() < 5 and not local_day_is_holiday(day.date(), organisation.departement_code):
            remaining -= 1
    date_label, _ = format_slot_label(day, tz)
    return f"d'ici {date_label}"
