"""npm's `latest` dist-tag after deletes, whichever door the delete came through."""

from __future__ import annotations

from datetime import datetime

from packyard.domain.npm import is_prerelease, semver_key
from packyard.domain.types import Package, PackageType
from packyard.services.ports import Transaction


def repair_latest(tx: Transaction, package: Package, now: datetime) -> None:
    """After a delete took the version `latest` named, point it at the highest remaining
    release (or pre-release if nothing else is left), as npm does."""
    if package.package_type is not PackageType.NPM or "latest" in tx.dist_tags(package.id):
        return
    live = tx.npm_versions(package.id)
    if not live:
        return
    releases = [r for r in live if not is_prerelease(r.version)] or live
    best = max(releases, key=lambda r: semver_key(r.version))
    tx.move_tag(package.id, "latest", best.version_id, now)
