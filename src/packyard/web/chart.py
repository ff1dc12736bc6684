"""The package page's download activity: one bar per UTC day, as inline SVG drawn here.

No script draws it (the pages' policy allows none) and no `style` attribute colours it (the
policy allows our stylesheet only): the bars are plain SVG geometry with a class, coloured
by `packyard.css`. The template gives it a title and a description, and the same numbers
as a table, for whoever does not see the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CHART_DAYS = 30
WIDTH = 600  # the viewBox's units; the SVG scales to its box
HEIGHT = 120
GAP = 2  # between bars
MIN_BAR = 1.0  # a day with downloads stays visible next to a much larger one


@dataclass(frozen=True, slots=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class DownloadChart:
    bars: list[Bar]
    total: int
    peak: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def first(self) -> date | None:
        return self.bars[0].day if self.bars else None

    @property
    def last(self) -> date | None:
        return self.bars[-1].day if self.bars else None


def download_chart(daily: list[tuple[date, int]]) -> DownloadChart:
    """Bars scaled to the busiest day (a day with none has no bar height at all)."""
    peak = max((count for _, count in daily), default=0)
    step = WIDTH / len(daily) if daily else WIDTH
    bars = []
    for n, (day, count) in enumerate(daily):
        height = 0.0 if count == 0 else max(MIN_BAR, HEIGHT * count / peak)
        bars.append(
            Bar(
                day,
                count,
                x=round(n * step + GAP / 2, 2),
                y=round(HEIGHT - height, 2),
                width=round(step - GAP, 2),
                height=round(height, 2),
            )
        )
    return DownloadChart(bars, sum(count for _, count in daily), peak)
