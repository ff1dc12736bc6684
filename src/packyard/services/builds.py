"""Packyard's own calls on a version's builds (a Maven SNAPSHOT's timestamped deploys):
list them, delete one, restore one. GitHub keeps every build forever and offers no way to
prune them; here a build is deleted and restored like a version, by the same people.

Who may do what is the version's: reading lists, a delete needs what a version delete
needs (admin, delete:packages), a restore what a version restore needs.
"""

from __future__ import annotations

from packyard.core.context import Context
from packyard.core.delete import VERSION_NOT_FOUND, audit
from packyard.core.ports import Transaction
from packyard.domain.errors import NotFound, Unprocessable
from packyard.domain.files import BuildRecord
from packyard.domain.permissions import Operation
from packyard.domain.rules import is_restorable
from packyard.domain.types import Package, Version
from packyard.services.packages import PackageAddress, live_package

BUILD_NOT_FOUND = "Build not found."


def _version(
    tx: Transaction,
    ctx: Context,
    address: PackageAddress,
    version_id: int | None,
    operation: Operation,
) -> tuple[Package, Version]:
    package = live_package(tx, ctx, address, operation)
    version = tx.versions.find_version(package.id, version_id) if version_id else None
    if version is None or version.deleted_at is not None:
        raise NotFound(VERSION_NOT_FOUND)
    return package, version


def list_builds(
    ctx: Context, address: PackageAddress, version_id: int | None, state: str | None
) -> list[BuildRecord]:
    if state not in (None, "active", "deleted"):
        raise Unprocessable(
            f"Invalid value for `state`: {state!r}. Must be one of: active, deleted."
        )
    deleted = state == "deleted"
    operation = Operation.LIST_DELETED if deleted else Operation.READ
    with ctx.store.read() as tx:
        package, version = _version(tx, ctx, address, version_id, operation)
        return ctx.formats[package.package_type].builds(tx, package, version, deleted)


def delete_build(
    ctx: Context, address: PackageAddress, version_id: int | None, build_id: int | None
) -> None:
    with ctx.store.write() as tx:
        package, version = _version(tx, ctx, address, version_id, Operation.DELETE)
        fmt = ctx.formats[package.package_type]
        build = fmt.find_build(tx, package, version, build_id) if build_id else None
        if build is None or build.deleted_at is not None:
            raise NotFound(BUILD_NOT_FOUND)
        if not fmt.delete_build(tx, package, version, build, ctx.now):
            raise NotFound(BUILD_NOT_FOUND)  # a concurrent delete won
        audit(
            ctx,
            tx,
            "build.delete",
            package,
            version,
            {"build": build.name, "deleted_at": None},
            {"build": build.name, "deleted_at": ctx.now},
        )


def restore_build(
    ctx: Context, address: PackageAddress, version_id: int | None, build_id: int | None
) -> None:
    with ctx.store.write() as tx:
        package, version = _version(tx, ctx, address, version_id, Operation.RESTORE)
        fmt = ctx.formats[package.package_type]
        build = fmt.find_build(tx, package, version, build_id) if build_id else None
        if build is None or not is_restorable(build.deleted_at, ctx.now, ctx.restore_window):
            raise NotFound(BUILD_NOT_FOUND)
        if not fmt.restore_build(tx, package, version, build, ctx.now):
            raise NotFound(BUILD_NOT_FOUND)
        audit(
            ctx,
            tx,
            "build.restore",
            package,
            version,
            {"build": build.name, "deleted_at": build.deleted_at},
            {"build": build.name, "deleted_at": None},
        )
