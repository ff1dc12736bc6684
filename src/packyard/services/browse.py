"""What the web pages read: a package's summary and an owner's packages, searched.

The same authorization as the REST API's (`live_package`, `readable_packages`): a page shows
what the REST API would show the same actor, and a package the caller may not see is a
`NotFound` indistinguishable from a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from packyard.core.access import allows, readable_packages, sees_repository
from packyard.core.context import Context
from packyard.core.formats import VersionContents
from packyard.core.ports import Transaction
from packyard.domain.errors import NotFound, Unprocessable
from packyard.domain.files import FileRecord
from packyard.domain.pagination import PageRequest
from packyard.domain.permissions import Operation
from packyard.domain.types import (
    Account,
    Package,
    PackageType,
    Repository,
    Version,
    VersionFilter,
)
from packyard.services.access import (
    NOT_FOUND,
    OwnerScope,
    PackageView,
    authorized_package,
    enforce_listing,
    parse_package_type,
    resolve_owner,
    view,
)
from packyard.services.packages import (
    KeptVersionPage,
    PackageAddress,
    PackagePage,
    kept_version_page,
    live_package,
    live_version,
    parse_visibility,
)

# A search longer than any package name finds nothing: it is not worth comparing.
MAX_QUERY_LENGTH = 256
SORTS = ("updated", "name")


@dataclass(frozen=True, slots=True)
class Offers:
    """The actions a page offers on a package: those its services would let the caller
    take (they still decide when the caller takes one)."""

    delete: bool  # a version, or the package
    restore: bool
    administer: bool  # its settings

    @classmethod
    def of(cls, tx: Transaction, ctx: Context, package: Package) -> Offers:
        if ctx.actor.anonymous:
            return cls(delete=False, restore=False, administer=False)
        delete, restore, administer = allows(
            tx, ctx.actor, package, Operation.DELETE, Operation.RESTORE, Operation.ADMINISTER
        )
        return cls(delete=delete, restore=restore, administer=administer)


@dataclass(frozen=True, slots=True)
class PackageSummary:
    """A package page's facts: the package, its newest live versions, their count and the
    downloads of every live version."""

    view: PackageView
    recent: list[Version]
    version_count: int
    downloads: int
    readme: str | None
    daily: list[tuple[date, int]]
    offers: Offers
    coordinates: tuple[str, str] | None  # see `Format.coordinates`


def package_summary(
    ctx: Context, address: PackageAddress, recent: int, days: int
) -> PackageSummary:
    """`readme`: the one published with the version tagged `latest` if it is among the
    recent ones, else with the newest (Markdown as published: untrusted). `daily`: the live
    versions' downloads on each of the last `days` UTC days, today last, zeros included."""
    with ctx.store.read() as tx:
        package = live_package(tx, ctx, address, Operation.READ)
        versions, total = tx.versions.page_versions(package.id, VersionFilter.ACTIVE, 0, recent)
        downloads = tx.packages.total_download_count(package.id)
        shown = next((v for v in versions if "latest" in v.tags), versions[0] if versions else None)
        fmt = ctx.formats[package.package_type]
        readme = fmt.readme(tx, package, shown) if shown else None
        today = ctx.now.astimezone(UTC).date()
        first = today - timedelta(days=days - 1)
        counted = dict(tx.versions.daily_downloads(package.id, first.isoformat()))
        daily = [
            (day, counted.get(day.isoformat(), 0))
            for day in (first + timedelta(days=n) for n in range(days))
        ]
        return PackageSummary(
            view(tx, package),
            versions,
            total,
            downloads,
            readme,
            daily,
            Offers.of(tx, ctx, package),
            fmt.coordinates(tx, package),
        )


@dataclass(frozen=True, slots=True)
class VersionDetail:
    package: Package
    version: Version
    contents: VersionContents | None
    files: list[FileRecord]
    offers: Offers

    @property
    def files_size(self) -> int:
        return sum(f.size for f in self.files)


def version_detail(
    ctx: Context,
    address: PackageAddress,
    version_id: int | None,
    operation: Operation = Operation.READ,
) -> VersionDetail:
    """A live version and what it is made of: an image's manifests and layers, or the
    files a version of the other formats holds (a tarball, jars and poms, a gem, a nupkg).
    `operation`: what the page is for (a delete's confirmation), refused as its service
    would refuse it (404 or 403), before anything is shown."""
    with ctx.store.read() as tx:
        package, version = live_version(tx, ctx, address, version_id)
        if operation is not Operation.READ:
            authorized_package(tx, ctx.actor, package, operation)
        contents = ctx.formats[package.package_type].contents(tx, package, version)
        files = tx.files.files_of(version.id) if contents is None else []
        return VersionDetail(package, version, contents, files, Offers.of(tx, ctx, package))


@dataclass(frozen=True, slots=True)
class VersionListing:
    page: KeptVersionPage[Version]
    offers: Offers


def version_listing(
    ctx: Context,
    address: PackageAddress,
    state: str | None,
    page: PageRequest,
    version_type: str | None,
    kept: Callable[[Package, list[int], int], dict[int, Version]],
) -> VersionListing:
    """The REST API's `list_versions` for a caller keeping versions by generation (`kept`),
    with their download counts, and what the page may offer on each version."""
    with ctx.store.read() as tx:
        found = kept_version_page(tx, ctx, address, state, page, kept, version_type, True)
        return VersionListing(found, Offers.of(tx, ctx, found.package))


@dataclass(frozen=True, slots=True)
class PackageSearch:
    """A listing's filters as a URL gives them, unparsed: `ecosystem` (a type, or all),
    `visibility`, a `query` the names must hold (case-insensitively) and a `sort`."""

    ecosystem: str | None
    visibility: str | None
    query: str | None
    sort: str | None


def parse_sort(value: str | None) -> str:
    if value in (None, ""):
        return "updated"
    if value not in SORTS:
        raise Unprocessable(f"Invalid value for `sort`: {value!r}. Must be one of: updated, name.")
    return value


def search_packages(
    ctx: Context, scope: OwnerScope, login: str | None, search: PackageSearch, page: PageRequest
) -> PackagePage:
    """The owner's live packages the caller may read that match `search`, most recently
    updated first (`sort=name`: by name)."""
    with ctx.store.read() as tx:
        owner = resolve_owner(tx, ctx.actor, scope, login)
        return _search(tx, ctx, owner, None, search, page)


def repository_packages(
    ctx: Context, login: str, name: str, search: PackageSearch, page: PageRequest
) -> RepositoryPackagePage:
    """The packages linked to a repository the caller may see (else `NotFound`, as for one
    that does not exist), those the caller may read, filtered as an owner's are."""
    with ctx.store.read() as tx:
        owner = resolve_owner(tx, ctx.actor, OwnerScope.USERS, login)
        repository = tx.accounts.find_repository(owner.id, name)
        if repository is None or not sees_repository(tx, ctx.actor, repository):
            raise NotFound(NOT_FOUND)
        return RepositoryPackagePage(
            repository, _search(tx, ctx, owner, repository.id, search, page)
        )


@dataclass(frozen=True, slots=True)
class RepositoryPackagePage:
    repository: Repository
    page: PackagePage


def _search(
    tx: Transaction,
    ctx: Context,
    owner: Account,
    repository_id: int | None,
    search: PackageSearch,
    page: PageRequest,
) -> PackagePage:
    needle = (search.query or "").strip().lower()[:MAX_QUERY_LENGTH]
    types = [parse_package_type(search.ecosystem)] if search.ecosystem else list(PackageType)
    wanted = parse_visibility(search.visibility)
    sort = parse_sort(search.sort)
    enforce_listing(ctx.actor, Operation.READ)
    # An owner's packages are few (GitHub's own listings stop at 10,000): filtered here,
    # as the REST listing filters them for a caller who does not administer the owner.
    candidates = [
        p
        for package_type in types
        for p in tx.packages.list_packages(owner.id, package_type)
        if needle in p.name.lower()
        and (wanted is None or p.visibility is wanted)
        and (repository_id is None or p.repository_id == repository_id)
    ]
    visible = readable_packages(tx, ctx.actor, candidates)
    if sort == "name":
        visible.sort(key=lambda p: (p.name.lower(), p.id))
    else:
        visible.sort(key=lambda p: (p.updated_at, p.id), reverse=True)
    shown = visible[page.offset : page.offset + page.per_page]
    return PackagePage(owner, [view(tx, p) for p in shown], len(visible))
