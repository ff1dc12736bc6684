"""Publishing, for every format: the package (created on first publish), a version, its
files — in one transaction, after the caller was authorized and the bytes were stored."""

from __future__ import annotations

from collections.abc import Sequence

from packyard.core.access import Target, writable_package
from packyard.core.context import Context
from packyard.core.files import add_file
from packyard.core.ports import NewFile, Transaction
from packyard.domain.errors import Conflict
from packyard.domain.types import Package, Role, Visibility


def package_for_publish(
    tx: Transaction, ctx: Context, target: Target, repository_id: int | None = None
) -> Package:
    """The package to publish to, locked; the first publish creates it, linked to
    `repository_id` (as GitHub does): private, with the publisher as its admin; or for a
    repository-scoped format, in the URL's repository and as visible as it is."""
    package = writable_package(tx, ctx.actor, target)
    if package is not None:
        tx.packages.lock_package(package.id)
        return package
    repository = target.repository
    package = tx.packages.create_package(
        target.owner.id,
        target.package_type,
        target.name,
        repository.visibility if repository else Visibility.PRIVATE,
        repository.id if repository else repository_id,
        ctx.now,
    )
    user = ctx.actor.user
    if not target.repository_scoped and user is not None and user.id != target.owner.id:
        tx.packages.set_package_grant(package.id, user.id, None, Role.ADMIN)
    return package


def publish_version(
    tx: Transaction, ctx: Context, package: Package, name: str, files: Sequence[NewFile]
) -> int:
    """A new live version named `name` holding `files`; a live version of that name is a
    conflict (versions are immutable, whatever the format)."""
    if tx.versions.find_version_by_name(package.id, name) is not None:
        raise Conflict(f"cannot publish over the previously published version {name}")
    version_id = tx.versions.create_version(package.id, name, ctx.now)
    for file in files:
        add_file(tx, ctx, package, version_id, file)
    return version_id
