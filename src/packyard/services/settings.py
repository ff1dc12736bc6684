"""A package's settings, as GitHub's package settings page has them: its visibility, and an
owner's deleted packages to restore. Deleting and restoring go through `services.packages`.

Only a package's administrators reach its settings (`Operation.ADMINISTER`, with the same
404-before-403 as every other check). A repository-scoped package (Maven) has no visibility
of its own: it follows its repository's, as on GitHub, and the page says so. A public
package stays public (GitHub's rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from packyard.core.access import allows
from packyard.core.context import Context
from packyard.core.delete import audit
from packyard.domain.errors import Unprocessable
from packyard.domain.formats import traits
from packyard.domain.permissions import Operation
from packyard.domain.rules import PUBLIC_IS_FINAL_MESSAGE, is_restorable, may_change_visibility
from packyard.domain.types import Package, Visibility
from packyard.services.access import OwnerScope, PackageView, resolve_owner, view
from packyard.services.grants import PackageGrants, grants_of
from packyard.services.packages import PackageAddress, live_package

INHERITED_VISIBILITY = (
    "This package's visibility follows its repository's: change the repository's visibility."
)
INTERNAL_FOR_ORGS = "Only an organization's packages can be internal."
UNKNOWN_VISIBILITY = "Choose public or private."


@dataclass(frozen=True, slots=True)
class PackageSettings:
    """What the settings page shows: the package and its repository, whether its visibility
    is its own to change, and the visibilities it may take."""

    view: PackageView
    own_visibility: bool
    visibilities: tuple[Visibility, ...]
    grants: PackageGrants | None  # None where access follows the repository's


def _visibilities(package: Package) -> tuple[Visibility, ...]:
    if package.owner.is_org:
        return (Visibility.PUBLIC, Visibility.PRIVATE, Visibility.INTERNAL)
    return (Visibility.PUBLIC, Visibility.PRIVATE)


def package_settings(ctx: Context, address: PackageAddress) -> PackageSettings:
    with ctx.store.read() as tx:
        package = live_package(tx, ctx, address, Operation.ADMINISTER)
        own = traits(package.package_type).granular
        return PackageSettings(
            view(tx, package),
            own,
            _visibilities(package) if own else (),
            grants_of(tx, package) if own else None,
        )


def change_visibility(ctx: Context, address: PackageAddress, wanted: str) -> Package:
    with ctx.store.write() as tx:
        package = live_package(tx, ctx, address, Operation.ADMINISTER)
        if not traits(package.package_type).granular:
            raise Unprocessable(INHERITED_VISIBILITY)
        try:
            visibility = Visibility(wanted)
        except ValueError:
            raise Unprocessable(UNKNOWN_VISIBILITY) from None
        if visibility not in _visibilities(package):
            raise Unprocessable(INTERNAL_FOR_ORGS)
        if not may_change_visibility(package.visibility, visibility):
            raise Unprocessable(PUBLIC_IS_FINAL_MESSAGE)
        if visibility is not package.visibility:
            tx.packages.set_visibility(package.id, visibility, ctx.now)
            audit(
                ctx,
                tx,
                "package.visibility",
                package,
                None,
                {"visibility": package.visibility.value},
                {"visibility": visibility.value},
            )
        return package


@dataclass(frozen=True, slots=True)
class DeletedPackage:
    package: Package
    restorable_until: datetime


def deleted_packages(ctx: Context, scope: OwnerScope, login: str | None) -> list[DeletedPackage]:
    """The owner's deleted packages the caller may restore, still inside the restore window
    (GitHub: 30 days), newest deletion first. Restoring one is `packages.restore_package`,
    with its own checks (a live package of that name, the window, the caller's role)."""
    with ctx.store.read() as tx:
        owner = resolve_owner(tx, ctx.actor, scope, login)
        shown = []
        for package in tx.packages.list_deleted_packages(owner.id):
            deleted_at = package.deleted_at
            if deleted_at is None or not is_restorable(deleted_at, ctx.now, ctx.restore_window):
                continue
            (may_restore,) = allows(tx, ctx.actor, package, Operation.RESTORE)
            if may_restore:
                shown.append(DeletedPackage(package, deleted_at + ctx.restore_window))
        return shown
