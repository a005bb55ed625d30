"""Geometry of the console's two charts, drawn as inline SVG by the template.

No JavaScript and no style attribute (the console's Content-Security-Policy forbids inline
styles): positions are SVG attributes computed here, colours are CSS classes (console.css).
Coordinates are in the SVG's own units (its viewBox); the SVG scales to the page's width.
"""

import math
from dataclasses import dataclass, field

from api.figures import labels
from api.figures.service import BarrierCount, Bucket

WIDTH = 720
MAX_X_LABELS = 16


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str  # CSS modifier: "invitations" or "rdv"
    title: str  # the tooltip, e.g. "2/11 : 3 invitations envoyées"


@dataclass(frozen=True)
class GridLine:
    y: float
    label: str


@dataclass(frozen=True)
class ColumnGroup:
    label: str
    label_x: float
    show_label: bool
    bars: list[Bar]


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    baseline: float
    label_y: float
    gridlines: list[GridLine]
    groups: list[ColumnGroup] = field(default_factory=list)


@dataclass(frozen=True)
class BarRow:
    label: str
    text_y: float
    bar_x: float
    bar_y: float
    bar_width: float
    bar_height: float
    value_x: float
    value: int
    people: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_x: float
    rows: list[BarRow]


def _r(value: float) -> float:
    return round(value, 1)


def nice_step(maximum: int, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) so that `ticks` steps cover `maximum`."""
    if maximum <= ticks:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if raw <= m * magnitude)
    return max(1, int(step))


def column_chart(series: list[Bucket], *, height: int = 260) -> ColumnChart:
    """Two bars per bucket: invitations sent, appointments booked."""
    left, right, top, bottom = 44.0, WIDTH - 8.0, 12.0, 36.0
    plot_height = height - top - bottom
    baseline = top + plot_height
    highest = max([max(b.invitations, b.bookings) for b in series] + [0])
    step = nice_step(highest)
    ceiling = max(step, step * math.ceil(highest / step))
    gridlines = [
        GridLine(_r(baseline - value / ceiling * plot_height), labels.count(value))
        for value in range(0, ceiling + 1, step)
    ]
    slot = (right - left) / max(1, len(series))
    bar_width = min(slot * 0.38, 28.0)
    every = math.ceil(len(series) / MAX_X_LABELS) if series else 1
    groups = []
    for index, bucket in enumerate(series):
        centre = left + slot * (index + 0.5)
        day = labels.short_day(bucket.start)
        bars = []
        for offset, value, name, words in (
            (-bar_width - 1, bucket.invitations, "invitations", "invitations envoyées"),
            (1, bucket.bookings, "rdv", "rendez-vous pris"),
        ):
            bar_height = value / ceiling * plot_height
            bars.append(
                Bar(
                    x=_r(centre + offset),
                    y=_r(baseline - bar_height),
                    width=_r(bar_width),
                    height=_r(bar_height),
                    value=value,
                    series=name,
                    title=f"{day} : {labels.count(value)} {words}",
                )
            )
        groups.append(ColumnGroup(day, _r(centre), index % every == 0, bars))
    return ColumnChart(WIDTH, height, left, right, baseline, height - 14.0, gridlines, groups)


def bar_chart(barriers: list[BarrierCount], *, row_height: int = 30) -> BarChart:
    """One horizontal bar per barrier group, as long as its number of entries."""
    label_x, bar_left, bar_room = 182.0, 190.0, WIDTH - 190.0 - 60.0
    highest = max([b.entries for b in barriers] + [1])
    rows = []
    for index, barrier in enumerate(barriers):
        top = 4.0 + index * row_height
        width = barrier.entries / highest * bar_room
        rows.append(
            BarRow(
                label=labels.barrier_label(barrier.group),
                text_y=_r(top + row_height / 2 + 4),
                bar_x=bar_left,
                bar_y=_r(top + 4),
                bar_width=_r(width),
                bar_height=float(row_height - 8),
                value_x=_r(bar_left + width + 6),
                value=barrier.entries,
                people=barrier.people,
            )
        )
    return BarChart(WIDTH, int(8 + len(barriers) * row_height), label_x, rows)
