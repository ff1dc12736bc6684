"""What the web pages read: a package's summary and an owner's packages, searched.

The same authorization as the REST API's (`live_package`, `readable_packages`): a page shows
what the REST API would show the same actor, and a package the caller may not see is a
`NotFound` indistinguishable from a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from packyard.core.access import readable_packages
from packyard.core.context import Context
from packyard.domain.pagination import PageRequest
from packyard.domain.permissions import Operation
from packyard.domain.types import PackageType, Version
from packyard.services.access import (
    OwnerScope,
    PackageView,
    enforce_listing,
    parse_package_type,
    resolve_owner,
    view,
)
from packyard.services.packages import PackageAddress, PackagePage, live_package

# A search longer than any package name finds nothing: it is not worth comparing.
MAX_QUERY_LENGTH = 256


@dataclass(frozen=True, slots=True)
class PackageSummary:
    """A package page's facts: the package, its newest live versions, their count and the
    downloads of every live version."""

    view: PackageView
    recent: list[Version]
    version_count: int
    downloads: int


def package_summary(ctx: Context, address: PackageAddress, recent: int) -> PackageSummary:
    with ctx.store.read() as tx:
        package = live_package(tx, ctx, address, Operation.READ)
        versions, total = tx.versions.page_versions(package.id, False, 0, recent)
        downloads = tx.packages.total_download_count(package.id)
        return PackageSummary(view(tx, package), versions, total, downloads)


def search_packages(
    ctx: Context,
    scope: OwnerScope,
    login: str | None,
    ecosystem: str | None,
    query: str | None,
    page: PageRequest,
) -> PackagePage:
    """The owner's live packages the caller may read, of one type (`ecosystem`) or all,
    whose names hold `query` (case-insensitively), most recently updated first."""
    needle = (query or "").strip().lower()[:MAX_QUERY_LENGTH]
    with ctx.store.read() as tx:
        owner = resolve_owner(tx, ctx.actor, scope, login)
        types = [parse_package_type(ecosystem)] if ecosystem else list(PackageType)
        enforce_listing(ctx.actor, Operation.READ)
        # An owner's packages are few (GitHub's own listings stop at 10,000): filtered here,
        # as the REST listing filters them for a caller who does not administer the owner.
        candidates = [
            p
            for package_type in types
            for p in tx.packages.list_packages(owner.id, package_type)
            if needle in p.name.lower()
        ]
        visible = readable_packages(tx, ctx.actor, candidates)
        visible.sort(key=lambda p: (p.updated_at, p.id), reverse=True)
        shown = visible[page.offset : page.offset + page.per_page]
        return PackagePage(owner, [view(tx, p) for p in shown], len(visible))
