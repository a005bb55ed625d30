"""Constraints built from an answer's tokens, and the offered slots that satisfy them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import dateparser

from api.agenda.slot_choice.offered import OfferedSlot
from api.agenda.slot_choice.parse import Token
from api.agenda.slot_choice.vocabulary import MONTH_CANONICAL


@dataclass
class Constraints:
    options: set[int] = field(default_factory=set)
    numbers: list[tuple[int, bool]] = field(default_factory=list)  # (n, may be an hour)
    dates: list[tuple[int, int, int | None]] = field(default_factory=list)
    rel_dates: set[date] = field(default_factory=set)
    month_days: set[int] = field(default_factory=set)
    weekdays: set[int] = field(default_factory=set)
    weeks: set[tuple[int, int]] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)
    times: list[tuple[int, int | None, bool]] = field(default_factory=list)
    ranges: list[tuple[tuple[int, int | None] | None, tuple[int, int | None] | None]] = field(
        default_factory=list
    )
    pick: str | None = None

    def any(self) -> bool:
        return bool(
            self.options or self.numbers or self.dates or self.rel_dates or self.month_days
            or self.weekdays or self.weeks or self.parts or self.times or self.ranges
            or self.pick
        )  # fmt: skip

    def has_time_of_day(self) -> bool:
        return bool(self.parts or self.times or self.ranges)


def build_constraints(tokens: list[Token], offered_numbers: list[int], today: date) -> Constraints:
    c = Constraints()
    for t in tokens:
        if t.kind == "opt":
            c.options.add(t.value)
        elif t.kind == "num":
            c.numbers.append((t.value, t.approx))
        elif t.kind == "last" and offered_numbers:
            c.options.add(max(offered_numbers))
        elif t.kind == "penult" and len(offered_numbers) >= 2:
            c.options.add(sorted(offered_numbers)[-2])
        elif t.kind == "date":
            c.dates.append(t.value)
        elif t.kind == "rel":
            c.rel_dates.add(today + timedelta(days=t.value))
        elif t.kind == "mday":
            c.month_days.add(t.value)
        elif t.kind == "wd":
            c.weekdays.add(t.value)
        elif t.kind == "wd_in8":
            first = today + timedelta(days=(t.value - today.weekday()) % 7)
            c.rel_dates.add(first + timedelta(days=7))
        elif t.kind == "week":
            iso = (today + timedelta(days=7 * t.value)).isocalendar()
            c.weeks.add((iso.year, iso.week))
        elif t.kind == "part":
            c.parts.add(t.value)
        elif t.kind == "time":
            h, m = t.value
            c.times.append((h, m, t.approx))
        elif t.kind == "range":
            c.ranges.append(t.value)
        elif t.kind == "pick":
            c.pick = t.value
    return c


@lru_cache(maxsize=1024)
def _parse_date(day: int, month: int, year: int | None, base: datetime) -> date | None:
    """dateparser 1.5 on a canonical French date, relative to base (naive, org time)."""
    expr = f"{day} {MONTH_CANONICAL[month - 1]}" + (f" {year}" if year else "")
    parsed = dateparser.parse(
        expr,
        languages=["fr"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return parsed.date() if parsed else None


def _hours(h: int) -> set[int]:
    """ "3h" in an appointment context is 15h: hours 1-7 also read as afternoon."""
    return {h, h + 12} if 1 <= h <= 7 else {h}


def _range_minutes(t: tuple[int, int | None]) -> int:
    """Bound of "apres 14h" / "avant 3h" in minutes; 1h-7h read as afternoon."""
    h, m = t
    return (h + 12 if 1 <= h <= 7 else h) * 60 + (m or 0)


def _minutes(local: datetime) -> int:
    return local.hour * 60 + local.minute


class Matcher:
    def __init__(self, offered: Sequence[OfferedSlot], now: datetime, tz: ZoneInfo):
        self.offered = list(offered)
        self.local = {id(s): s.start.astimezone(tz) for s in self.offered}
        now_local = now.astimezone(tz)
        self.today = now_local.date()
        self.base = now_local.replace(tzinfo=None, second=0, microsecond=0)
        self.numbers = [s.number for s in self.offered]

    def _date_ok(self, c: Constraints, loc: datetime) -> bool:
        d = loc.date()
        for day, month, year in c.dates:
            parsed = _parse_date(day, month, year, self.base)
            if parsed is None:
                return False
            same = (parsed.month, parsed.day) == (d.month, d.day)
            if not same or (year is not None and parsed.year != d.year):
                return False
        if c.rel_dates and d not in c.rel_dates:
            return False
        if c.month_days and d.day not in c.month_days:
            return False
        if c.weekdays and d.weekday() not in c.weekdays:
            return False
        if c.weeks and tuple(d.isocalendar()[:2]) not in c.weeks:
            return False
        return True

    def _time_ok(self, c: Constraints, loc: datetime, loose: bool) -> bool:
        minutes = _minutes(loc)
        if c.parts:
            ok = False
            for part in c.parts:
                if part == "matin" and loc.hour < 12:
                    ok = True
                elif part == "aprem" and 12 <= loc.hour < 18:
                    ok = True
                elif part == "soir" and loc.hour >= 17:
                    ok = True
            if not ok:
                return False
        if c.times:
            ok = False
            for h, m, approx in c.times:
                for hh in _hours(h):
                    target = hh * 60 + (m or 0)
                    if minutes == target:
                        ok = True
                    elif loose and m is None and loc.hour == hh:
                        ok = True
                    elif loose and approx and abs(minutes - target) <= 60:
                        ok = True
            if not ok:
                return False
        for lo, hi in c.ranges:
            if lo is not None and minutes < _range_minutes(lo):
                return False
            if hi is not None and minutes >= _range_minutes(hi):
                return False
        return True

    def _filter(self, c: Constraints, slots: list[OfferedSlot], loose: bool) -> list[OfferedSlot]:
        return [
            s
            for s in slots
            if self._date_ok(c, self.local[id(s)]) and self._time_ok(c, self.local[id(s)], loose)
        ]

    def _filter_with_fallback(self, c: Constraints, slots: list[OfferedSlot]) -> list[OfferedSlot]:
        strict = self._filter(c, slots, loose=False)
        if strict or not c.times:
            return strict
        return self._filter(c, slots, loose=True)

    def match(self, c: Constraints) -> list[OfferedSlot]:
        slots = self.offered
        if c.options:
            slots = [s for s in slots if s.number in c.options]
        if c.numbers:
            chosen: list[OfferedSlot] = []
            for num, may_be_hour in c.numbers:
                as_option = self._filter_with_fallback(c, [s for s in slots if s.number == num])
                if as_option:
                    chosen += as_option
                    continue
                as_day: list[OfferedSlot] = []
                if 1 <= num <= 31:
                    as_day = self._filter_with_fallback(c, [s for s in slots if self.local[id(s)].day == num])
                if not as_day and may_be_hour and 7 <= num <= 20:  # "14 c bien": an hour
                    hour = replace(c, times=[*c.times, (num, None, False)])
                    as_day = self._filter_with_fallback(hour, slots)
                chosen += as_day
            result = [s for s in self.offered if s in chosen]
        else:
            result = self._filter_with_fallback(c, slots)
        if c.pick and result:
            key = min if c.pick == "first" else max
            result = [key(result, key=lambda s: s.start)]
        return result
