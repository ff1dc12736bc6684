"""The package page's download activity: per UTC day from the download records, as inline
SVG with no script and no inline style, and the same numbers as a table."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from packyard.core.files import settle_downloads
from packyard.web.chart import CHART_DAYS, HEIGHT, MIN_BAR, download_chart
from tests.conftest import ALICE
from tests.web.conftest import Browser
from tests.web.test_readme import PAGE, _publish

DAY = date(2026, 3, 1)


def test_bars_scale_to_the_busiest_day() -> None:
    chart = download_chart([(DAY, 0), (DAY + timedelta(days=1), 1), (DAY + timedelta(2), 1000)])
    assert [b.height for b in chart.bars] == [0.0, MIN_BAR, HEIGHT]
    assert chart.total == 1001 and chart.peak == 1000
    assert chart.bars[2].y == 0 and chart.bars[0].y == HEIGHT
    assert chart.first == DAY and chart.last == DAY + timedelta(days=2)


def test_no_downloads_draws_no_bars() -> None:
    chart = download_chart([(DAY + timedelta(days=n), 0) for n in range(CHART_DAYS)])
    assert chart.total == 0 and all(b.height == 0 for b in chart.bars)
    assert download_chart([]).bars == []


def test_the_page_charts_the_days_downloads(browser: Browser, world: Any, store: Any) -> None:
    _publish(browser, "# hello")
    auth = {"Authorization": f"Bearer {ALICE}"}
    packument = browser.client.get("/_registry/npm/@alice%2fhello", headers=auth).json()
    tarball = packument["versions"]["1.0.0"]["dist"]["tarball"]
    for _ in range(3):
        assert browser.client.get(tarball, headers=auth).status_code == 200
    settle_downloads(store)
    browser.sign_in(ALICE)
    page = browser.get(PAGE).text
    section = re.search(r'<section aria-labelledby="activity-title".*?</section>', page, re.S)
    assert section, "no download activity"
    html = section.group(0)
    assert f"3 downloads in the last {CHART_DAYS} days" in html
    assert '<svg class="chart"' in html and '<title id="chart-title">' in html
    assert html.count('<rect class="bar"') == 1  # today's
    assert "style=" not in html and "<script" not in html
    rows = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d)</td><td>([\d,]+)</td></tr>", html)
    assert len(rows) == CHART_DAYS and rows[0][1] == "3"  # newest first
    assert all(count == "0" for _, count in rows[1:])
