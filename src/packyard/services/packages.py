"""The packages API's use cases: list, get, delete and restore packages and versions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from packyard.core import delete as core_delete
from packyard.core.access import readable_packages
from packyard.core.context import Context
from packyard.core.delete import PACKAGE_NOT_FOUND, VERSION_NOT_FOUND, audit
from packyard.core.ports import Transaction
from packyard.domain.errors import BadRequest, Conflict, NotFound, Unauthenticated, Unprocessable
from packyard.domain.pagination import (
    MAX_PACKAGE_LIST_WINDOW,
    PageRequest,
    exceeds_package_list_window,
)
from packyard.domain.permissions import Operation
from packyard.domain.rules import (
    is_restorable,
)
from packyard.domain.types import (
    Account,
    OrgRole,
    Package,
    PackageType,
    Version,
    VersionFilter,
    Visibility,
)
from packyard.services.access import (
    NOT_FOUND,
    REQUIRES_AUTHENTICATION,
    OwnerScope,
    PackageView,
    authorized_package,
    enforce_listing,
    locate_package,
    locate_version,
    parse_package_type,
    resolve_owner,
    rest_name,
    view,
)

T = TypeVar("T")

PACKAGE_EXISTS = "A package with this name already exists. Delete or rename it first."
SEVERAL_DELETED = "Several deleted packages have this name: pass the `token` of the one to restore."
VERSION_NAME_TAKEN = "A version with this name already exists in the package."
LIST_WINDOW_MESSAGE = (
    f"The value of `per_page` multiplied by `page` cannot be greater than "
    f"{MAX_PACKAGE_LIST_WINDOW}."
)


# Not frozen, as Context is not (see there): one is built per request.
@dataclass(slots=True)
class PackageAddress:
    """A package as a URL names it: scope, owner login, type and name, all unparsed."""

    scope: OwnerScope
    login: str | None
    package_type: str
    package_name: str


@dataclass(frozen=True, slots=True)
class VersionPage:
    package: Package
    versions: list[Version]
    total: int


@dataclass(frozen=True, slots=True)
class PackagePage:
    owner: Account
    packages: list[PackageView]
    total: int


def parse_visibility(value: str | None) -> Visibility | None:
    if value is None:
        return None
    try:
        return Visibility(value)
    except ValueError:
        raise Unprocessable(
            f"Invalid value for `visibility`: {value!r}. Must be one of: public, private, internal."
        ) from None


def _locate(tx: Transaction, ctx: Context, address: PackageAddress) -> tuple[Account, PackageType]:
    owner = resolve_owner(tx, ctx.actor, address.scope, address.login)
    return owner, parse_package_type(address.package_type)


def _find(
    tx: Transaction, ctx: Context, address: PackageAddress
) -> tuple[Account, PackageType, Package | None]:
    return locate_package(
        tx,
        ctx.actor,
        address.scope,
        address.login,
        address.package_type,
        address.package_name,
    )


def _find_version(
    tx: Transaction, ctx: Context, address: PackageAddress, version_id: int | None
) -> tuple[Package | None, Version | None]:
    """`_find`, with the version of that id read in the same statement."""
    return locate_version(
        tx,
        ctx.actor,
        address.scope,
        address.login,
        address.package_type,
        address.package_name,
        version_id,
    )


def live_package(
    tx: Transaction, ctx: Context, address: PackageAddress, operation: Operation
) -> Package:
    """The live package the address names, if the caller may do `operation` on it; locked
    for every operation but a read."""
    _owner, _type, package = _find(tx, ctx, address)
    package = authorized_package(tx, ctx.actor, package, operation)
    if operation is not Operation.READ and not tx.packages.lock_package(package.id):
        raise NotFound(PACKAGE_NOT_FOUND)  # deleted by a concurrent request
    return package


# packages ---------------------------------------------------------------------------


def list_packages(
    ctx: Context,
    scope: OwnerScope,
    login: str | None,
    package_type: str | None,
    visibility: str | None,
    page: PageRequest,
) -> PackagePage:
    with ctx.store.read() as tx:
        owner = resolve_owner(tx, ctx.actor, scope, login)
        ptype = parse_package_type(package_type)
        wanted = parse_visibility(visibility)
        enforce_listing(ctx.actor, Operation.READ)
        if exceeds_package_list_window(page):
            raise BadRequest(LIST_WINDOW_MESSAGE)
        visibilities = [wanted] if wanted else None
        if _administers_owner(tx, ctx, owner):
            packages, total = tx.packages.page_packages(
                owner.id, ptype, visibilities, page.offset, page.per_page
            )
        else:
            visible = readable_packages(
                tx,
                ctx.actor,
                (
                    p
                    for p in tx.packages.list_packages(owner.id, ptype)
                    if wanted is None or p.visibility is wanted
                ),
            )
            total = len(visible)
            packages = visible[page.offset : page.offset + page.per_page]
        return PackagePage(owner, [view(tx, p) for p in packages], total)


def _administers_owner(tx: Transaction, ctx: Context, owner: Account) -> bool:
    user = ctx.actor.user
    if user is None:
        return False
    if user.id == owner.id:
        return True
    return owner.is_org and tx.accounts.org_role(owner.id, user.id) is OrgRole.ADMIN


def get_package(ctx: Context, address: PackageAddress) -> PackageView:
    with ctx.store.read() as tx:
        package = live_package(tx, ctx, address, Operation.READ)
        return view(tx, package)


def delete_package(ctx: Context, address: PackageAddress) -> None:
    with ctx.store.write() as tx:
        package = live_package(tx, ctx, address, Operation.DELETE)
        core_delete.delete_package(tx, ctx, package)


def restore_package(ctx: Context, address: PackageAddress, token: str | None) -> None:
    with ctx.store.write() as tx:
        owner, package_type = _locate(tx, ctx, address)
        name = rest_name(package_type, owner, address.package_name)
        candidates = [
            p
            for p in tx.packages.find_deleted_packages(owner.id, package_type, name)
            if is_restorable(p.deleted_at, ctx.now, ctx.restore_window)
        ]
        if token is not None:
            candidates = [p for p in candidates if str(p.id) == token]
        package = authorized_package(
            tx, ctx.actor, candidates[0] if candidates else None, Operation.RESTORE
        )
        tx.packages.lock_package(package.id)  # deleted, as expected: the lock is what matters
        if tx.packages.find_package(owner.id, package_type, name) is not None:
            raise Conflict(PACKAGE_EXISTS)
        if len(candidates) > 1:
            raise Conflict(SEVERAL_DELETED)
        if not tx.packages.restore_package(package.id, ctx.now):
            raise NotFound(PACKAGE_NOT_FOUND)
        audit(
            ctx,
            tx,
            "package.restore",
            package,
            None,
            {"deleted_at": package.deleted_at},
            {"deleted_at": None},
        )


# versions ---------------------------------------------------------------------------


def _listing(
    tx: Transaction,
    ctx: Context,
    address: PackageAddress,
    state: str | None,
    version_type: str | None,
) -> tuple[Package, VersionFilter]:
    """The package whose versions are listed, if the caller may list them, and which."""
    if state not in (None, "active", "deleted"):
        raise Unprocessable(
            f"Invalid value for `state`: {state!r}. Must be one of: active, deleted."
        )
    deleted = state == "deleted"
    shown = VersionFilter.DELETED if deleted else VersionFilter.ACTIVE
    if version_type not in (None, ""):
        if deleted or version_type not in (VersionFilter.TAGGED, VersionFilter.UNTAGGED):
            raise Unprocessable(
                f"Invalid value for `version_type`: {version_type!r}. "
                "Must be one of: tagged, untagged (of active versions)."
            )
        shown = VersionFilter(version_type)
    if deleted and ctx.actor.anonymous:
        # Deleted versions are an administrator's view: it needs a token with delete:packages.
        raise Unauthenticated(REQUIRES_AUTHENTICATION)
    owner, package_type, package = _find(tx, ctx, address)
    if package is None and deleted:
        # Admins may list what a deleted package held, to choose what to restore.
        name = rest_name(package_type, owner, address.package_name)
        gone = tx.packages.find_deleted_packages(owner.id, package_type, name)
        package = gone[0] if gone else None
    operation = Operation.LIST_DELETED if deleted else Operation.READ
    return authorized_package(tx, ctx.actor, package, operation), shown


@dataclass(frozen=True, slots=True)
class KeptVersionPage(Generic[T]):
    """A page of versions for a caller that keeps copies of versions (`kept`): its ids in
    order, what the caller holds for each at this generation, the rest read whole, and
    (if asked) every version's download count, which a kept copy does not follow."""

    package: Package
    ids: list[int]
    generation: int
    kept: dict[int, T]
    read: dict[int, Version]
    total: int
    downloads: dict[int, int]


def list_kept_versions(
    ctx: Context,
    address: PackageAddress,
    state: str | None,
    page: PageRequest,
    kept: Callable[[Package, list[int], int], dict[int, T]],
    version_type: str | None = None,
    *,
    downloads: bool = False,
) -> KeptVersionPage[T]:
    """A page of a package's versions for a caller holding copies of versions keyed by
    (package, version id, version generation), which `kept` looks up for the page's ids.
    The generation is bumped with every change to the package's versions, their tags
    included, in the change's transaction: a copy kept under the generation read here is
    the version as this transaction sees it, in every process. Download counts change
    without it: a caller showing them asks for them (`downloads`), read in the same
    transaction. `version_type` (the web's filter, not the REST API's): only the tagged or
    only the untagged live versions."""
    with ctx.store.read() as tx:
        return kept_version_page(tx, ctx, address, state, page, kept, version_type, downloads)


def kept_version_page(
    tx: Transaction,
    ctx: Context,
    address: PackageAddress,
    state: str | None,
    page: PageRequest,
    kept: Callable[[Package, list[int], int], dict[int, T]],
    version_type: str | None,
    downloads: bool,
) -> KeptVersionPage[T]:
    """`list_kept_versions` in a transaction of the caller's."""
    package, shown = _listing(tx, ctx, address, state, version_type)
    ids, total, generation, counts = tx.versions.page_version_ids(
        package.id, shown, page.offset, page.per_page, downloads=downloads
    )
    held = kept(package, ids, generation)
    missing = [version_id for version_id in ids if version_id not in held]
    read = {v.id: v for v in tx.versions.find_versions(package.id, missing)}
    return KeptVersionPage(package, ids, generation, held, read, total, counts)


def live_version(
    tx: Transaction, ctx: Context, address: PackageAddress, version_id: int | None
) -> tuple[Package, Version]:
    """A live version of a package the caller may read (else `NotFound`)."""
    found, version = _find_version(tx, ctx, address, version_id)
    package = authorized_package(tx, ctx.actor, found, Operation.READ)
    if version is None or version.deleted_at is not None:
        raise NotFound(VERSION_NOT_FOUND)
    return package, version


def get_version(ctx: Context, address: PackageAddress, version_id: int | None) -> VersionPage:
    with ctx.store.read() as tx:
        package, version = live_version(tx, ctx, address, version_id)
        return VersionPage(package, [version], 1)


def delete_version(ctx: Context, address: PackageAddress, version_id: int | None) -> None:
    """GitHub's checks in GitHub's order; see the delete-version rules in the spec."""
    with ctx.store.write() as tx:
        # The version is read with its package, its owner's and type's checks first; only
        # once the caller may delete does anything say whether it exists.
        found, read = _find_version(tx, ctx, address, version_id)
        if version_id is None:
            raise NotFound(NOT_FOUND)
        package = authorized_package(tx, ctx.actor, found, Operation.DELETE)
        # Everything decided from here on is decided under the package's lock.
        if not tx.packages.lock_package(package.id):
            raise NotFound(PACKAGE_NOT_FOUND)
        version = tx.versions.version_under_lock(package.id, version_id, read)
        if version is None or version.deleted_at is not None:
            raise NotFound(VERSION_NOT_FOUND)
        core_delete.delete_version_by_rules(tx, ctx, package, version)


def restore_version(ctx: Context, address: PackageAddress, version_id: int | None) -> None:
    with ctx.store.write() as tx:
        package = live_package(tx, ctx, address, Operation.RESTORE)
        version = tx.versions.find_version(package.id, version_id) if version_id else None
        if version is None or not is_restorable(version.deleted_at, ctx.now, ctx.restore_window):
            raise NotFound(VERSION_NOT_FOUND)
        if tx.versions.find_version_by_name(package.id, version.name) is not None:
            raise BadRequest(VERSION_NAME_TAKEN)
        if not tx.versions.restore_version(version, ctx.now):
            raise NotFound(VERSION_NOT_FOUND)
        audit(
            ctx,
            tx,
            "version.restore",
            package,
            version,
            {"deleted_at": version.deleted_at},
            {"deleted_at": None},
        )


def docker_conflicts(ctx: Context, scope: OwnerScope, login: str | None) -> list[PackageView]:
    """The owner's `docker` packages the caller may read whose move to the container
    registry (`packyard migrate docker`) found their container name taken."""
    with ctx.store.read() as tx:
        owner = resolve_owner(tx, ctx.actor, scope, login)
        enforce_listing(ctx.actor, Operation.READ)
        conflicted = ctx.formats[PackageType.DOCKER].migration_conflicts(tx, owner.id)
        return [view(tx, p) for p in readable_packages(tx, ctx.actor, conflicted)]
