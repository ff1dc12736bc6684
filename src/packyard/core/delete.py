"""Deleting versions and packages, whichever door the delete comes through (the REST API,
`/v2/`, `npm unpublish`): one path, the format's hooks, one audit row per change.

Callers have authorized the delete and hold the package's lock.
"""

from __future__ import annotations

from typing import Any

from packyard.core.context import Context
from packyard.core.ports import Transaction
from packyard.domain.errors import NotFound
from packyard.domain.rules import (
    VersionDeletion,
    check_can_delete_package,
    check_can_delete_version,
    delete_counts_read,
)
from packyard.domain.types import Package, Version

PACKAGE_NOT_FOUND = "Package not found."
VERSION_NOT_FOUND = "Package version not found."


def audit(
    ctx: Context,
    tx: Transaction,
    action: str,
    package: Package,
    version: Version | None,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    tx.housekeeping.audit(
        action,
        at=ctx.now,
        actor_id=ctx.actor.user_id,
        token_id=ctx.actor.token_id,
        request_id=ctx.request_id,
        package_id=package.id,
        version_id=version.id if version else None,
        before=before,
        after=after,
    )


def delete_version_by_rules(
    tx: Transaction, ctx: Context, package: Package, version: Version, via: str = "api"
) -> VersionDeletion:
    """GitHub's rules for deleting one version (last-version, then downloads), then the
    delete they call for: the version, or the whole package when it was the last one of a
    type whose last version takes the package."""
    count_active, count_tagged = delete_counts_read(package, version)
    active, tagged = tx.versions.version_counts(
        package.id, active=count_active, tagged=count_tagged
    )
    deletion = check_can_delete_version(
        package, version, active_version_count=active, tagged_version_count=tagged
    )
    if deletion is VersionDeletion.PACKAGE:
        delete_package(tx, ctx, package, version, reason="last version", via=via, checked=True)
    else:
        delete_version(tx, ctx, package, version, via=via)
    return deletion


def delete_version(
    tx: Transaction, ctx: Context, package: Package, version: Version, via: str = "api"
) -> list[int]:
    """Soft-delete `version` (restorable for the window), running the format's hooks;
    returns the ids of further versions its format deleted with it."""
    fmt = ctx.formats[package.package_type]
    fmt.before_delete(tx, package, version)
    if not tx.versions.soft_delete_version(version, ctx.now):
        raise NotFound(VERSION_NOT_FOUND)  # a concurrent delete won
    also_deleted = fmt.after_delete(tx, package, version, ctx.now)
    after: dict[str, Any] = {"deleted_at": ctx.now, "children_deleted": also_deleted}
    if via != "api":
        after["via"] = via
    audit(
        ctx,
        tx,
        "version.delete",
        package,
        version,
        {"deleted_at": None, "tags": list(version.tags)},
        after,
    )
    return also_deleted


def delete_package(
    tx: Transaction,
    ctx: Context,
    package: Package,
    version: Version | None = None,
    *,
    reason: str | None = None,
    via: str = "api",
    checked: bool = False,
) -> None:
    """Soft-delete the package and with it every version it holds (restorable together).
    `checked`: the caller has applied the download rule already."""
    if not checked:
        check_can_delete_package(package, tx.packages.max_download_count(package.id))
    if not tx.packages.soft_delete_package(package.id, ctx.now):
        raise NotFound(PACKAGE_NOT_FOUND)
    after: dict[str, Any] = {"deleted_at": ctx.now}
    if reason:
        after["reason"] = reason
    if via != "api":
        after["via"] = via
    audit(ctx, tx, "package.delete", package, version, {"deleted_at": None}, after)
