"""Container-version deletes, whichever door they come through (REST or /v2/).

Two things GitHub's API does not do for you, and Packyard does:
- a manifest that a live, *tagged* index lists is refused (409, naming the index), so a
  cleanup job cannot leave `latest` pointing at an index whose platforms are gone; servers
  configured for GitHub-exact behaviour skip the check;
- deleting an index also deletes its untagged children that no other live index lists (as
  GHCR does), so multi-arch images leave no orphans behind.
"""

from __future__ import annotations

from packyard.domain.errors import Conflict
from packyard.domain.types import Package, PackageType, Version
from packyard.services.context import Context
from packyard.services.ports import Transaction


def check_not_held(tx: Transaction, ctx: Context, package: Package, version: Version) -> None:
    if not ctx.protect_children or package.package_type is not PackageType.CONTAINER:
        return
    for parent in tx.parents_of(package.id, version.name):
        if parent.tags:
            raise Conflict(
                f"{version.name} belongs to the image index {parent.digest} (tagged "
                f"{', '.join(parent.tags)}): delete or untag that index first."
            )


def delete_orphaned_children(
    tx: Transaction, ctx: Context, package: Package, index: Version
) -> list[int]:
    """After `index` is deleted: delete its untagged children nothing live lists any more."""
    if package.package_type is not PackageType.CONTAINER:
        return []
    deleted = []
    for digest in tx.children_of(index.id):
        child = tx.find_version_by_name(package.id, digest)
        if child is None or child.tags or tx.parents_of(package.id, digest):
            continue
        if tx.soft_delete_version(child, ctx.now):
            deleted.append(child.id)
    return deleted
