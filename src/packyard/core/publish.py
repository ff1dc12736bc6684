"""Publishing, for every format: the package (created on first publish), a version, its
files — in one transaction, after the caller was authorized and the bytes were stored."""

from __future__ import annotations

from collections.abc import Sequence

from packyard.core.access import Target, writable_package
from packyard.core.context import Context
from packyard.core.files import add_file
from packyard.core.ports import NewFile, Transaction
from packyard.domain.errors import Conflict
from packyard.domain.files import check_stored_name
from packyard.domain.types import Package, Role, Visibility

# The REST API's `license` column holds this much; a longer list is cut, never refused.
MAX_LICENSE_LENGTH = 255


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
    conflict (versions are immutable, whatever the format) — unless it holds no file: a
    seeded version (metadata only) takes the content of the first publish that names it,
    keeping its id, dates, tags and downloads, as the seed format promises."""
    check_stored_name("version", name)
    found = tx.versions.find_version_by_name(package.id, name)
    if found is not None and (not files or tx.files.files_of(found.id)):
        raise Conflict(f"cannot publish over the previously published version {name}")
    version_id = (
        found.id if found is not None else tx.versions.create_version(package.id, name, ctx.now)
    )
    for file in files:
        add_file(tx, ctx, package, version_id, file)
    return version_id


def version_for(
    tx: Transaction,
    ctx: Context,
    package: Package,
    name: str,
    description: str | None = None,
    license: str | None = None,
) -> int:
    """The live version `name`, for a format whose versions hold several files pushed one
    by one (Maven's artifacts, a gem's platforms): the first file creates it, with the
    `description` and `license` the REST API shows."""
    check_stored_name("version", name)
    found = tx.versions.find_version_by_name(package.id, name)
    if found is not None:
        return found.id
    if license is not None:
        license = license[:MAX_LICENSE_LENGTH]
    return tx.versions.create_version(package.id, name, ctx.now, description, license)


def add_new_file(
    tx: Transaction, ctx: Context, package: Package, version_id: int, file: NewFile, conflict: str
) -> int:
    """`file` joins the version; a file of that name already there is a `Conflict` saying
    `conflict` (a published file is never replaced, whatever the format)."""
    if tx.files.find_file(version_id, file.name) is not None:
        raise Conflict(conflict)
    return add_file(tx, ctx, package, version_id, file)
