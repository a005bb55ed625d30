"""Sending hours for French SMS: Monday-Saturday, 8:00-20:00 local, never on a public holiday.

All instants are explicit; nothing reads the real clock.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.public_holidays import local_day_is_holiday, public_holidays_for
from api.scheduling.sending_hours import SendingWindow, is_allowed, next_allowed

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
GUADELOUPE = ZoneInfo("America/Guadeloupe")
MARTINIQUE = ZoneInfo("America/Martinique")
GUYANE = ZoneInfo("America/Cayenne")
MAYOTTE = ZoneInfo("Indian/Mayotte")
DEFAULT = SendingWindow()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous / Meeus-Jones-Butcher algorithm), independent of `holidays`."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def last_sunday_of(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    last = first_of_next - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


EASTER_2027 = easter_sunday(2027)
EASTER_MONDAY_2027 = EASTER_2027 + timedelta(days=1)
GOOD_FRIDAY_2027 = EASTER_2027 - timedelta(days=2)
WHIT_MONDAY_2027 = EASTER_2027 + timedelta(days=50)
DST_START_2027 = last_sunday_of(2027, 3)
DST_END_2027 = last_sunday_of(2027, 10)


def nxt(at: datetime, tz: ZoneInfo = PARIS, dep: str = "26", window: SendingWindow = DEFAULT) -> datetime:
    return next_allowed(at, window=window, tz=tz, departement_code=dep)


def allowed(at: datetime, tz: ZoneInfo = PARIS, dep: str = "26", window: SendingWindow = DEFAULT) -> bool:
    return is_allowed(at, window=window, tz=tz, departement_code=dep)


def test_computed_calendar_dates() -> None:
    assert EASTER_2027 == date(2027, 3, 28)
    assert EASTER_MONDAY_2027 == date(2027, 3, 29)
    assert GOOD_FRIDAY_2027 == date(2027, 3, 26)
    assert WHIT_MONDAY_2027 == date(2027, 5, 17)
    assert DST_START_2027 == date(2027, 3, 28)  # Easter Sunday too, that year
    assert DST_END_2027 == date(2027, 10, 31)


# --- weekdays and hours ---------------------------------------------------------------------


def test_sunday_moves_to_monday_8am() -> None:
    sunday_noon = local(PARIS, 2027, 6, 6, 12)  # CEST, UTC+2
    assert sunday_noon.weekday() == 6
    assert not allowed(sunday_noon)
    assert nxt(sunday_noon) == utc(2027, 6, 7, 6, 0)


def test_saturday_1959_allowed_2000_not() -> None:
    at_1959 = local(PARIS, 2027, 6, 5, 19, 59)
    at_2000 = local(PARIS, 2027, 6, 5, 20, 0)
    assert at_1959.weekday() == 5
    assert allowed(at_1959)
    assert nxt(at_1959) == utc(2027, 6, 5, 17, 59)
    assert not allowed(at_2000)
    assert nxt(at_2000) == utc(2027, 6, 7, 6, 0)


def test_saturday_2030_moves_to_monday_8am() -> None:
    assert nxt(local(PARIS, 2027, 6, 5, 20, 30)) == utc(2027, 6, 7, 6, 0)


def test_early_morning_moves_to_8am_same_day() -> None:
    assert nxt(local(PARIS, 2027, 6, 9, 7, 15)) == utc(2027, 6, 9, 6, 0)
    assert nxt(
        local(
            PARIS,
            2027,
            6,
            9,
            7,
            59,
        )
    ) == utc(2027, 6, 9, 6, 0)


def test_8am_exactly_is_allowed_and_returned_unchanged_in_utc() -> None:
    at = local(PARIS, 2027, 6, 9, 8, 0)
    assert allowed(at)
    result = nxt(at)
    assert result == utc(2027, 6, 9, 6, 0)
    assert result.tzinfo is UTC


def test_result_is_utc_even_when_input_is_utc_and_allowed() -> None:
    at = utc(2027, 6, 9, 12, 34)
    result = nxt(at)
    assert result == utc(2027, 6, 9, 12, 34)
    assert result.tzinfo is UTC


def test_seconds_are_kept_when_allowed() -> None:
    at = datetime(2027, 6, 9, 12, 34, 56, 789, tzinfo=UTC)
    assert nxt(at) == datetime(2027, 6, 9, 12, 34, 56, 789, tzinfo=UTC)


# --- national holidays ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "at,expected",
    [
        # 1 May 2027 is a Saturday: next is Monday 3 May 8:00 CEST.
        (local(PARIS, 2027, 5, 1, 10), utc(2027, 5, 3, 6, 0)),
        # 14 July 2027 is a Wednesday.
        (local(PARIS, 2027, 7, 14, 10), utc(2027, 7, 15, 6, 0)),
        # 25 December 2028 is a Monday (CET, UTC+1): Tuesday 26 is an ordinary day in the Drôme.
        (local(PARIS, 2028, 12, 25, 10), utc(2028, 12, 26, 7, 0)),
        # 8 May 2028 (Victory Day), a Monday.
        (local(PARIS, 2028, 5, 8, 9), utc(2028, 5, 9, 6, 0)),
    ],
)
def test_national_holidays_move_to_next_day(at: datetime, expected: datetime) -> None:
    assert not allowed(at)
    assert nxt(at) == expected


def test_easter_monday_2027_moves_to_tuesday() -> None:
    at = datetime.combine(EASTER_MONDAY_2027, time(10), tzinfo=PARIS)
    assert not allowed(at)
    assert nxt(at) == utc(2027, 3, 30, 6, 0)


def test_good_friday_is_a_holiday_in_moselle_only() -> None:
    at = datetime.combine(GOOD_FRIDAY_2027, time(10), tzinfo=PARIS)  # CET, 9:00 UTC
    assert not allowed(at, dep="57")
    assert nxt(at, dep="57") == utc(2027, 3, 27, 7, 0)  # Saturday 8:00 CET
    assert allowed(at, dep="26")
    assert nxt(at, dep="26") == utc(2027, 3, 26, 9, 0)


def test_26_december_is_a_holiday_in_bas_rhin() -> None:
    christmas = local(PARIS, 2028, 12, 25, 10)  # Monday
    assert nxt(christmas, dep="67") == utc(2028, 12, 27, 7, 0)  # Wednesday 8:00 CET
    assert nxt(christmas, dep="26") == utc(2028, 12, 26, 7, 0)
    st_stephen = local(PARIS, 2028, 12, 26, 10)
    assert nxt(st_stephen, dep="67") == utc(2028, 12, 27, 7, 0)
    assert nxt(st_stephen, dep="68") == utc(2028, 12, 27, 7, 0)
    assert nxt(st_stephen, dep="75") == utc(2028, 12, 26, 9, 0)


def test_chain_saturday_evening_before_whit_monday_moves_to_tuesday() -> None:
    saturday_evening = local(PARIS, 2027, 5, 15, 20, 30)
    assert saturday_evening.weekday() == 5
    assert WHIT_MONDAY_2027 == date(2027, 5, 17)
    assert nxt(saturday_evening) == utc(2027, 5, 18, 6, 0)


def test_chain_saturday_before_easter_in_moselle() -> None:
    # Good Friday (57) then Saturday 20:30 then Easter Sunday then Easter Monday: Tuesday 8:00 CEST.
    assert nxt(local(PARIS, 2027, 3, 27, 20, 30), dep="57") == utc(2027, 3, 30, 6, 0)


def test_unknown_or_corsican_code_is_plain_france() -> None:
    good_friday = datetime.combine(GOOD_FRIDAY_2027, time(10), tzinfo=PARIS)
    for code in ("2A", "2b", "99", "975", "", "Moselle"):
        assert nxt(good_friday, dep=code) == utc(2027, 3, 26, 9, 0)
    assert nxt(local(PARIS, 2027, 7, 14, 10), dep="99") == utc(2027, 7, 15, 6, 0)


# --- overseas: own holidays and own time zones ----------------------------------------------


def test_reunion_20_december() -> None:
    at = utc(2027, 12, 20, 9, 0)  # Monday, 13:00 in Réunion
    assert not allowed(at, tz=REUNION, dep="974")
    assert nxt(at, tz=REUNION, dep="974") == utc(2027, 12, 21, 4, 0)  # Tuesday 8:00 UTC+4
    # Same day is ordinary in metropolitan France (10:00 CET).
    assert nxt(at, tz=PARIS, dep="75") == utc(2027, 12, 20, 9, 0)


def test_reunion_time_zone() -> None:
    at = utc(2027, 6, 9, 4, 30)  # Wednesday, 8:30 in Réunion
    assert allowed(at, tz=REUNION, dep="974")
    assert nxt(at, tz=REUNION, dep="974") == utc(2027, 6, 9, 4, 30)
    assert nxt(utc(2027, 6, 9, 3, 59), tz=REUNION, dep="974") == utc(2027, 6, 9, 4, 0)
    # 16:00 UTC is 20:00 in Réunion: closed until Thursday 8:00 local.
    assert nxt(utc(2027, 6, 9, 16, 0), tz=REUNION, dep="974") == utc(2027, 6, 10, 4, 0)


def test_guadeloupe_time_zone() -> None:
    at = utc(2027, 6, 9, 11, 0)  # Wednesday, 7:00 in Guadeloupe (UTC-4)
    assert not allowed(at, tz=GUADELOUPE, dep="971")
    assert nxt(at, tz=GUADELOUPE, dep="971") == utc(2027, 6, 9, 12, 0)
    # Sunday 23:30 UTC is still Sunday 19:30 in Guadeloupe: Monday 8:00 local.
    assert nxt(utc(2027, 6, 6, 23, 30), tz=GUADELOUPE, dep="971") == utc(2027, 6, 7, 12, 0)
    # Saturday 23:30 UTC is Saturday 19:30 local: allowed, although it is Sunday in UTC.
    assert nxt(utc(2027, 6, 5, 23, 30), tz=GUADELOUPE, dep="971") == utc(2027, 6, 5, 23, 30)


@pytest.mark.parametrize(
    "at,tz,dep,expected",
    [
        # Guadeloupe, 27 May 2027 (Thursday): Friday 8:00 UTC-4.
        (utc(2027, 5, 27, 14), GUADELOUPE, "971", utc(2027, 5, 28, 12)),
        # Martinique, 22 May 2027 (Saturday): Monday 24 May 8:00 UTC-4.
        (utc(2027, 5, 22, 14), MARTINIQUE, "972", utc(2027, 5, 24, 12)),
        # Guyane, 10 June 2027 (Thursday): Friday 8:00 UTC-3.
        (utc(2027, 6, 10, 14), GUYANE, "973", utc(2027, 6, 11, 11)),
        # Mayotte, 27 April 2027 (Tuesday): Wednesday 8:00 UTC+3.
        (utc(2027, 4, 27, 8), MAYOTTE, "976", utc(2027, 4, 28, 5)),
        # Good Friday is a holiday in Guadeloupe and Martinique: Saturday 8:00 UTC-4.
        (utc(2027, 3, 26, 14), GUADELOUPE, "971", utc(2027, 3, 27, 12)),
        (utc(2027, 3, 26, 14), MARTINIQUE, "972", utc(2027, 3, 27, 12)),
    ],
)
def test_overseas_abolition_of_slavery_and_other_days(
    at: datetime, tz: ZoneInfo, dep: str, expected: datetime
) -> None:
    assert not allowed(at, tz=tz, dep=dep)
    assert nxt(at, tz=tz, dep=dep) == expected
    # The same instant, with metropolitan holidays, is allowed.
    assert nxt(at, tz=tz, dep="26") == at


# --- daylight saving time -------------------------------------------------------------------


def test_dst_start_weekend_in_paris_without_holidays() -> None:
    window = SendingWindow(skip_public_holidays=False)
    saturday_open = local(PARIS, 2027, 3, 27, 8, 0)  # CET
    assert nxt(saturday_open, window=window) == utc(2027, 3, 27, 7, 0)
    # Saturday 20:30 CET = 19:30 UTC; Monday 8:00 is CEST (UTC+2) = 6:00 UTC.
    assert nxt(utc(2027, 3, 27, 19, 30), window=window) == utc(2027, 3, 29, 6, 0)
    assert nxt(utc(2027, 3, 29, 5, 59), window=window) == utc(2027, 3, 29, 6, 0)
    assert nxt(utc(2027, 3, 29, 6, 0), window=window) == utc(2027, 3, 29, 6, 0)
    # Monday 19:59 CEST = 17:59 UTC is allowed, 18:00 UTC is 20:00 local.
    assert nxt(utc(2027, 3, 29, 17, 59), window=window) == utc(2027, 3, 29, 17, 59)
    assert nxt(utc(2027, 3, 29, 18, 0), window=window) == utc(2027, 3, 30, 6, 0)


def test_dst_start_weekend_in_paris_is_also_easter() -> None:
    # Saturday 19:30 UTC (20:30 CET) -> Sunday -> Easter Monday -> Tuesday 8:00 CEST.
    assert nxt(utc(2027, 3, 27, 19, 30)) == utc(2027, 3, 30, 6, 0)
    # Saturday 18:59 UTC is 19:59 CET: still allowed (it would be 20:59 with the summer offset).
    assert nxt(utc(2027, 3, 27, 18, 59)) == utc(2027, 3, 27, 18, 59)


def test_dst_end_weekend_in_paris() -> None:
    # Saturday 30 October 2027 20:30 CEST = 18:30 UTC -> Sunday -> 1 November (Toussaint, Monday)
    # -> Tuesday 2 November 8:00 CET = 7:00 UTC.
    assert nxt(utc(2027, 10, 30, 18, 30)) == utc(2027, 11, 2, 7, 0)
    window = SendingWindow(skip_public_holidays=False)
    assert nxt(utc(2027, 10, 30, 18, 30), window=window) == utc(2027, 11, 1, 7, 0)
    # Saturday 6:00 UTC is 8:00 CEST.
    assert nxt(utc(2027, 10, 30, 5, 30)) == utc(2027, 10, 30, 6, 0)


def test_window_opening_in_the_spring_gap_opens_when_clocks_jump() -> None:
    # 2:30 does not exist on 28 March 2027 in Paris: the first instant at or after it is 3:00 CEST.
    window = SendingWindow(
        start=time(2, 30), end=time(4, 0), weekdays=frozenset(range(7)), skip_public_holidays=False
    )
    assert nxt(utc(2027, 3, 28, 0, 0), window=window) == utc(2027, 3, 28, 1, 0)
    assert nxt(utc(2027, 3, 28, 0, 59), window=window) == utc(2027, 3, 28, 1, 0)
    assert nxt(utc(2027, 3, 28, 1, 0), window=window) == utc(2027, 3, 28, 1, 0)
    # 4:00 CEST = 2:00 UTC closes it; Monday 2:30 CEST = 0:30 UTC.
    assert nxt(utc(2027, 3, 28, 2, 0), window=window) == utc(2027, 3, 29, 0, 30)


def test_window_opening_in_the_autumn_fold_opens_at_first_occurrence() -> None:
    # 2:30 happens twice on 31 October 2027 in Paris: first at 0:30 UTC (CEST), then 1:30 UTC (CET).
    window = SendingWindow(
        start=time(2, 30), end=time(4, 0), weekdays=frozenset(range(7)), skip_public_holidays=False
    )
    assert nxt(utc(2027, 10, 31, 0, 0), window=window) == utc(2027, 10, 31, 0, 30)
    assert nxt(utc(2027, 10, 31, 0, 45), window=window) == utc(2027, 10, 31, 0, 45)
    # 2:15 CET (second pass, 1:15 UTC): its wall clock is before 2:30 again; the second 2:30 opens.
    assert nxt(utc(2027, 10, 31, 1, 15), window=window) == utc(2027, 10, 31, 1, 30)
    assert nxt(utc(2027, 10, 31, 2, 59), window=window) == utc(2027, 10, 31, 2, 59)
    # 4:00 CET = 3:00 UTC closes it; Monday 2:30 CET = 1:30 UTC.
    assert nxt(utc(2027, 10, 31, 3, 0), window=window) == utc(2027, 11, 1, 1, 30)


def test_autumn_fold_reopens_a_window_that_closed_inside_it() -> None:
    # Window 1:00-2:30: closed at 2:30 CEST (0:30 UTC); at 3:00 CEST the clocks go back to 2:00 CET
    # (1:00 UTC), inside the window again until 2:30 CET (1:30 UTC).
    window = SendingWindow(
        start=time(1, 0), end=time(2, 30), weekdays=frozenset(range(7)), skip_public_holidays=False
    )
    assert nxt(utc(2027, 10, 31, 0, 30), window=window) == utc(2027, 10, 31, 1, 0)
    assert nxt(utc(2027, 10, 31, 1, 29), window=window) == utc(2027, 10, 31, 1, 29)
    assert nxt(utc(2027, 10, 31, 1, 30), window=window) == utc(2027, 11, 1, 0, 0)


# --- custom windows and validation ----------------------------------------------------------


def test_custom_window_nine_to_six_weekdays_holidays_ignored() -> None:
    window = SendingWindow(
        start=time(9, 0), end=time(18, 0), weekdays=frozenset(range(5)), skip_public_holidays=False
    )
    # Friday 18:00 CEST -> Monday 9:00 CEST.
    assert nxt(local(PARIS, 2027, 6, 4, 18, 0), window=window) == utc(2027, 6, 7, 7, 0)
    # Saturday noon -> Monday 9:00.
    assert nxt(local(PARIS, 2027, 6, 5, 12, 0), window=window) == utc(2027, 6, 7, 7, 0)
    # 8:30 -> 9:00 the same day; 17:59 allowed.
    assert nxt(local(PARIS, 2027, 6, 9, 8, 30), window=window) == utc(2027, 6, 9, 7, 0)
    assert nxt(local(PARIS, 2027, 6, 9, 17, 59), window=window) == utc(2027, 6, 9, 15, 59)
    # Holidays ignored: Easter Monday and 14 July are ordinary days.
    easter_monday_10 = datetime.combine(EASTER_MONDAY_2027, time(10), tzinfo=PARIS)
    assert nxt(easter_monday_10, window=window) == utc(2027, 3, 29, 8, 0)
    assert nxt(local(PARIS, 2027, 7, 14, 10), window=window) == utc(2027, 7, 14, 8, 0)


def test_monday_only_window_skips_easter_monday() -> None:
    window = SendingWindow(weekdays=frozenset({0}))
    # From Saturday 27 March 2027: Easter Monday is skipped, next Monday 5 April 8:00 CEST.
    assert nxt(utc(2027, 3, 27, 12), window=window) == utc(2027, 4, 5, 6, 0)


def test_window_accepts_any_iterable_of_weekdays() -> None:
    window = SendingWindow(weekdays={0, 1})  # type: ignore[arg-type]
    assert window.weekdays == frozenset({0, 1})
    assert nxt(local(PARIS, 2027, 6, 9, 10), window=window) == utc(2027, 6, 14, 6, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weekdays": frozenset()},
        {"weekdays": frozenset({7})},
        {"weekdays": frozenset({-1, 2})},
        {"start": time(20), "end": time(8)},
        {"start": time(8), "end": time(8)},
        {"start": time(8, tzinfo=UTC)},
    ],
)
def test_invalid_windows_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        SendingWindow(**kwargs)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        nxt(datetime(2027, 6, 9, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        allowed(datetime(2027, 6, 9, 10, 0))


# --- holiday calendars ----------------------------------------------------------------------


def test_public_holidays_for_uses_the_package_subdivisions() -> None:
    assert public_holidays_for("75").subdiv is None
    assert public_holidays_for("2A").subdiv is None
    assert public_holidays_for("57").subdiv == "GES"
    assert public_holidays_for("67").subdiv == "GES"
    assert public_holidays_for("68").subdiv == "GES"
    assert public_holidays_for("971").subdiv == "GP"
    assert public_holidays_for("972").subdiv == "MQ"
    assert public_holidays_for("973").subdiv == "GY"
    assert public_holidays_for("974").subdiv == "RE"
    assert public_holidays_for("976").subdiv == "YT"


def test_public_holidays_for_is_cached_and_expands() -> None:
    assert public_holidays_for("57") is public_holidays_for("57")
    assert public_holidays_for("57") is public_holidays_for(" 67 ")
    assert date(2031, 12, 26) in public_holidays_for("57")
    assert date(2031, 12, 26) not in public_holidays_for("26")
    fixed = public_holidays_for("974", years=range(2027, 2029))
    assert fixed is public_holidays_for("974", years=[2028, 2027])
    assert sorted(fixed.years) == [2027, 2028]
    assert date(2027, 12, 20) in fixed
    assert fixed.get(date(2028, 12, 20)) is not None


@pytest.mark.parametrize(
    "day,dep,expected",
    [
        (date(2027, 1, 1), "26", True),
        (date(2027, 5, 8), "26", True),
        (date(2027, 3, 26), "26", False),
        (date(2027, 3, 26), "57", True),
        (date(2027, 12, 26), "68", True),
        (date(2027, 12, 26), "54", False),  # Meurthe-et-Moselle is not Alsace-Moselle
        (date(2027, 12, 20), "974", True),
        (date(2027, 12, 20), "971", False),
        (date(2027, 5, 27), "971", True),
        (date(2027, 5, 22), "972", True),
        (date(2027, 6, 10), "973", True),
        (date(2027, 4, 27), "976", True),
        (date(2027, 6, 9), "974", False),
    ],
)
def test_local_day_is_holiday(day: date, dep: str, expected: bool) -> None:
    assert local_day_is_holiday(day, dep) is expected


# --- cross-check against a brute-force minute scan ------------------------------------------


def _brute_force(at: datetime, tz: ZoneInfo, dep: str, window: SendingWindow) -> datetime:
    candidate = at.astimezone(UTC)
    while not is_allowed(candidate, window=window, tz=tz, departement_code=dep):
        candidate += timedelta(minutes=1)
    return candidate


NIGHT_WINDOW = SendingWindow(
    start=time(2, 30), end=time(4, 0), weekdays=frozenset(range(7)), skip_public_holidays=False
)
FOLD_WINDOW = SendingWindow(
    start=time(1, 0), end=time(2, 30), weekdays=frozenset({6, 0}), skip_public_holidays=False
)


@pytest.mark.parametrize(
    "start,tz,dep,window",
    [
        (utc(2027, 3, 25, 0, 0), PARIS, "57", DEFAULT),  # Good Friday, DST, Easter
        (utc(2027, 10, 29, 0, 0), PARIS, "75", DEFAULT),  # DST end, Toussaint
        (utc(2027, 12, 17, 0, 0), REUNION, "974", DEFAULT),
        (utc(2027, 5, 26, 0, 0), GUADELOUPE, "971", DEFAULT),
        (utc(2027, 3, 26, 0, 0), PARIS, "75", NIGHT_WINDOW),
        (utc(2027, 10, 29, 0, 0), PARIS, "75", NIGHT_WINDOW),
        (utc(2027, 10, 29, 0, 0), PARIS, "75", FOLD_WINDOW),
    ],
)
def test_next_allowed_matches_a_minute_by_minute_scan(
    start: datetime, tz: ZoneInfo, dep: str, window: SendingWindow
) -> None:
    at = start
    while at < start + timedelta(days=5):
        assert nxt(at, tz=tz, dep=dep, window=window) == _brute_force(at, tz, dep, window)
        at += timedelta(minutes=47)
