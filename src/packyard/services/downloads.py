"""Packyard's own read of its download records: which versions were pulled since a day.

GitHub's API has no such call; retention policies (`packyard prune --keep-downloaded-within`)
need it, and only a Packyard, which counts every real pull, can answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from packyard.core.context import Context
from packyard.domain.errors import Unprocessable
from packyard.domain.permissions import Operation
from packyard.domain.types import Package
from packyard.services.packages import PackageAddress, live_package


@dataclass(frozen=True, slots=True)
class VersionDownloads:
    package_version_id: int
    name: str
    downloads: int


@dataclass(frozen=True, slots=True)
class DownloadsReport:
    package: Package
    since: date
    versions: list[VersionDownloads]


def parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise Unprocessable(
            f"Invalid value for `since`: {value!r}. Must be a date (YYYY-MM-DD, UTC)."
        ) from None


def downloads_since(ctx: Context, address: PackageAddress, since: str | None) -> DownloadsReport:
    """Live versions downloaded on `since` (a UTC day) or later, with their download counts."""
    day = parse_day(since)
    with ctx.store.read() as tx:
        package = live_package(tx, ctx, address, Operation.READ)
        rows = tx.versions.downloads_since(package.id, day.isoformat())
    return DownloadsReport(package, day, [VersionDownloads(*row) for row in rows])
