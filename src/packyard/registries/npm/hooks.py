"""The npm format's hooks: `latest` follows deletes, whichever door they came through."""

from __future__ import annotations

import json
from datetime import datetime

from packyard.core.formats import Content, ContentRequest, Format
from packyard.core.ports import Transaction
from packyard.domain.npm import is_prerelease, semver_key
from packyard.domain.types import Package, PackageType, Version
from packyard.registries.npm.examples import build_tarball
from packyard.registries.npm.ports import NPM_ROWS


class NpmFormat(Format):
    def __init__(self) -> None:
        super().__init__(PackageType.NPM)

    def after_delete(
        self, tx: Transaction, package: Package, version: Version, now: datetime
    ) -> list[int]:
        repair_latest(tx, package, now)
        return []

    def build_content(self, request: ContentRequest) -> Content:
        return build_tarball(request)

    def readme(self, tx: Transaction, package: Package, version: Version) -> str | None:
        """`npm publish` puts the README's text in the version's document as `readme`."""
        manifest = tx.rows(NPM_ROWS).find_manifest(version.id)
        if manifest is None:
            return None
        readme = json.loads(manifest).get("readme")
        return readme if isinstance(readme, str) and readme.strip() else None


def repair_latest(tx: Transaction, package: Package, now: datetime) -> None:
    """After a delete took the version `latest` named, point it at the highest remaining
    release (or pre-release if nothing else is left), as npm does."""
    if "latest" in tx.rows(NPM_ROWS).dist_tags(package.id):
        return
    live = tx.rows(NPM_ROWS).npm_versions(package.id)
    if not live:
        return
    releases = [r for r in live if not is_prerelease(r.version)] or live
    best = max(releases, key=lambda r: semver_key(r.version))
    tx.versions.move_tag(package.id, "latest", best.version_id, now)
