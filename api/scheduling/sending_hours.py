"""When an SMS may be sent: Monday to Saturday, 8:00 to 20:00, never on a public holiday.

French carriers filter application-to-person traffic outside those hours, so reminders are
held back until the next allowed instant. Everything is computed in the organisation's own
time zone (Paris, Réunion, Guadeloupe...) and with the public holidays of its département,
then handed back as an aware UTC datetime.

Public holidays come from api/public_holidays.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.public_holidays import local_day_is_holiday

__all__ = [
    "SendingWindow",
    "is_allowed",
    "next_allowed",
]

# Upper bound on the number of local days next_allowed looks at. With at least one weekday in
# the window, the answer is at most a week plus a few holidays away; this only stops a bug
# from turning into an endless loop.
_MAX_DAYS_AHEAD = 400


@dataclass(frozen=True)
class SendingWindow:
    """Daily sending window, in the organisation's local wall-clock time."""

    start: time = time(8, 0)  # first allowed minute
    end: time = time(20, 0)  # exclusive
    weekdays: frozenset[int] = frozenset(range(6))  # Monday=0 .. Saturday=5
    skip_public_holidays: bool = True

    def __post_init__(self) -> None:
        weekdays = frozenset(self.weekdays)
        object.__setattr__(self, "weekdays", weekdays)
        if not weekdays:
            raise ValueError("a sending window needs at least one weekday")
        if not all(isinstance(day, int) and 0 <= day <= 6 for day in weekdays):
            raise ValueError(f"weekdays must be integers from 0 (Monday) to 6 (Sunday): {sorted(weekdays)}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("start and end are local wall-clock times and must be naive")
        if self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")


def _check_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")


def _day_is_open(day: date, window: SendingWindow, departement_code: str) -> bool:
    if day.weekday() not in window.weekdays:
        return False
    return not (window.skip_public_holidays and local_day_is_holiday(day, departement_code))


def _bisect_to(before: datetime, after: datetime, reached: Callable[[datetime], bool]) -> datetime:
    """First instant in (before, after] where ``reached`` holds, given it is monotonic there."""
    while after - before > timedelta(microseconds=1):
        middle = before + (after - before) // 2
        if reached(middle):
            after = middle
        else:
            before = middle
    return after


def _first_instant_at_or_after(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """First UTC instant whose wall-clock time in ``tz`` on ``day`` is ``wall`` or later.

    For an ambiguous time (autumn fold) that is the first occurrence; for a time that does not
    exist (spring gap) it is the moment the clocks jump forward.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In the gap. fold=1 maps the wall time with the post-transition offset, which lands before
    # the transition; fold=0 lands after it. The first instant at or after it is the transition.
    before = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return _bisect_to(before, first, lambda instant: instant.astimezone(tz).replace(tzinfo=None) >= naive)


def _offset_segments(day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime, timedelta]]:
    """The local day as UTC intervals [from, to) of constant UTC offset (split at a DST change)."""
    day_start = _first_instant_at_or_after(day, time(0), tz)
    day_end = _first_instant_at_or_after(day + timedelta(days=1), time(0), tz)
    first_offset = day_start.astimezone(tz).utcoffset() or timedelta(0)
    last_offset = (day_end - timedelta(microseconds=1)).astimezone(tz).utcoffset() or timedelta(0)
    if first_offset == last_offset:
        return [(day_start, day_end, first_offset)]
    change = _bisect_to(
        day_start, day_end, lambda instant: instant.astimezone(tz).utcoffset() != first_offset
    )
    return [(day_start, change, first_offset), (change, day_end, last_offset)]


def _first_allowed_on(
    day: date, not_before: datetime, window: SendingWindow, tz: ZoneInfo
) -> datetime | None:
    """First instant >= ``not_before`` of local ``day`` whose wall-clock time is in the window.

    Within a segment of constant offset, wall time = UTC + offset, so the window is a plain UTC
    interval there. This covers a window edge inside a spring gap (opens when the clocks jump)
    or an autumn fold (both occurrences count, as they do for is_allowed).
    """
    for segment_start, segment_end, offset in _offset_segments(day, tz):
        opens = datetime.combine(day, window.start, tzinfo=UTC) - offset
        closes = datetime.combine(day, window.end, tzinfo=UTC) - offset
        earliest = max(segment_start, opens, not_before)
        if earliest < min(segment_end, closes):
            return earliest
    return None


def is_allowed(at: datetime, *, window: SendingWindow, tz: ZoneInfo, departement_code: str) -> bool:
    """True if an SMS may be sent at the instant ``at`` (aware) by an organisation in ``tz``."""
    _check_aware(at)
    local = at.astimezone(tz)
    if not _day_is_open(local.date(), window, departement_code):
        return False
    return window.start <= local.time() < window.end


def next_allowed(at: datetime, *, window: SendingWindow, tz: ZoneInfo, departement_code: str) -> datetime:
    """``at`` itself if allowed, otherwise the first allowed instant after it; aware UTC."""
    _check_aware(at)
    if not window.weekdays:  # SendingWindow refuses this already; never loop forever anyway.
        raise ValueError("a sending window needs at least one weekday")
    if is_allowed(at, window=window, tz=tz, departement_code=departement_code):
        return at.astimezone(UTC)
    day = at.astimezone(tz).date()
    for _ in range(_MAX_DAYS_AHEAD):
        if _day_is_open(day, window, departement_code):
            found = _first_allowed_on(day, at.astimezone(UTC), window, tz)
            if found is not None:
                return found
        day += timedelta(days=1)
    raise ValueError(f"no allowed sending time within {_MAX_DAYS_AHEAD} days of {at.isoformat()}")
