"""An organisation's messaging policy: its sending window and when things are due."""

from datetime import datetime, time, timedelta

from api.organisations.models import Organisation
from api.scheduling.sending_hours import SendingWindow, next_allowed


def window_of(organisation: Organisation) -> SendingWindow:
    end = (
        time(23, 59, 59, 999999)
        if organisation.sending_end_hour >= 24
        else time(organisation.sending_end_hour)
    )
    return SendingWindow(
        start=time(organisation.sending_start_hour),
        end=end,
        weekdays=frozenset(int(day) for day in organisation.sending_weekdays),
        skip_public_holidays=organisation.skip_public_holidays,
    )


def next_sending_time(organisation: Organisation, at: datetime) -> datetime:
    """The first instant at or after `at` when this organisation may send an SMS."""
    return next_allowed(
        at,
        window=window_of(organisation),
        tz=organisation.zone,
        departement_code=organisation.departement_code,
    )


def local_time_on(organisation: Organisation, day_of: datetime, *, days_before: int, hour: int) -> datetime:
    """`hour`:00 local time, `days_before` days before the local date of `day_of`."""
    tz = organisation.zone
    day = day_of.astimezone(tz).date() - timedelta(days=days_before)
    return datetime.combine(day, time(hour), tzinfo=tz)
