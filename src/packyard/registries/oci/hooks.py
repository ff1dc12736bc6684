"""The container format's hooks into the core's shared paths.

Two things GitHub's API does not do for you, and Packyard does, whichever door a delete
comes through (REST or /v2/):
- a manifest that a live, *tagged* index lists is refused (409, naming the index), so a
  cleanup job cannot leave `latest` pointing at an index whose platforms are gone; servers
  configured for GitHub-exact behaviour skip the check;
- deleting an index also deletes its untagged children that no other live index lists (as
  GHCR does), so multi-arch images leave no orphans behind.

Blobs are pushed before the manifest that names them: until then they belong to no version,
so the blobs linked recently are kept by GC through `extra_references`.
"""

from __future__ import annotations

from datetime import datetime

from packyard.core.formats import (
    Content,
    ContentInvalid,
    ContentRequest,
    Format,
    Part,
    VersionContents,
)
from packyard.core.ports import Transaction
from packyard.domain.errors import Conflict
from packyard.domain.oci import Reference
from packyard.domain.types import Package, PackageType, Version
from packyard.registries.oci.examples import build_image
from packyard.registries.oci.ports import DOCKER_ROWS, OCI_ROWS


class OciFormat(Format):
    """The container format, and (with `package_type=DOCKER`) the legacy Docker registry's:
    one OCI format whose manifests, deletes and GC are the same for both."""

    def __init__(
        self, *, protect_children: bool = True, package_type: PackageType = PackageType.CONTAINER
    ) -> None:
        super().__init__(package_type)
        self.protect_children = protect_children
        # The blob links and uploads are shared by both types' repositories: one of the two
        # instances looks after them for GC.
        self.sweeps_links = package_type is PackageType.CONTAINER

    def before_delete(self, tx: Transaction, package: Package, version: Version) -> None:
        if not self.protect_children:
            return
        # With the version's children, which `after_delete` reads next.
        rows = tx.rows(OCI_ROWS)
        for parent in rows.parents_and_children(package.id, version.name, version.id):
            if parent.tags:
                raise Conflict(
                    f"{version.name} belongs to the image index {parent.digest} (tagged "
                    f"{', '.join(parent.tags)}): delete or untag that index first."
                )

    def contents(
        self, tx: Transaction, package: Package, version: Version
    ) -> VersionContents | None:
        """An image's platforms (an index's manifests), layers and config, and referrers
        (manifests whose subject it is: signatures, attestations, SBOMs), from the manifest
        graph the registry keeps; no manifest bytes are read."""
        rows = tx.rows(OCI_ROWS)
        manifest = rows.find_manifest(package.id, version.name)
        if manifest is None:
            return None

        def page_of(digest: str) -> int | None:
            found = tx.versions.find_version_by_name(package.id, digest)
            return found.id if found and found.deleted_at is None else None

        references = rows.references_of(manifest.version_id)
        platforms = [
            Part(_platform(r), r.digest, r.size, r.media_type, page_of(r.digest))
            for r in references
            if r.kind == "manifest"
        ]
        layers = [
            Part(r.kind, r.digest, r.size, r.media_type)
            for r in references
            if r.kind in ("config", "layer")
        ]
        referrers = [
            Part(r.artifact_type or r.media_type, r.digest, r.size, r.media_type, page_of(r.digest))
            for r in rows.referrers(package.id, version.name)
        ]
        return VersionContents(manifest.media_type, platforms, layers, referrers)

    def after_delete(
        self, tx: Transaction, package: Package, version: Version, now: datetime
    ) -> list[int]:
        """After an index is deleted: delete its untagged children nothing live lists."""
        deleted = []
        for digest in tx.rows(OCI_ROWS).children_of(version.id):
            child = tx.versions.find_version_by_name(package.id, digest)
            if child is None or child.tags or tx.rows(OCI_ROWS).parents_of(package.id, digest):
                continue
            if tx.versions.soft_delete_version(child, now):
                deleted.append(child.id)
        return deleted

    def extra_references(self, tx: Transaction, recent_since: datetime) -> set[str]:
        if not self.sweeps_links:
            return set()
        return tx.rows(OCI_ROWS).recently_linked_blobs(recent_since)

    def forget_unreferenced(self, tx: Transaction, cutoff: datetime) -> None:
        if self.sweeps_links:
            tx.rows(OCI_ROWS).forget_stale_blob_links(cutoff)

    def forget_uploads(self, tx: Transaction, upload_ids: list[str]) -> None:
        if not self.sweeps_links:
            return
        rows = tx.rows(OCI_ROWS)
        for upload_id in upload_ids:
            rows.delete_upload(upload_id)

    def build_content(self, request: ContentRequest) -> Content:
        if self.package_type is not PackageType.CONTAINER:
            # A legacy image's /v2/ name needs its repository: not built (yet).
            raise ContentInvalid("docker versions cannot be given content; container ones can")
        return build_image(request)

    def migration_conflicts(self, tx: Transaction, owner_id: int) -> list[Package]:
        if self.package_type is not PackageType.DOCKER:
            return []
        found = (
            tx.packages.find_package(owner_id, PackageType.DOCKER, name)
            for name in tx.rows(DOCKER_ROWS).conflicted_packages(owner_id)
        )
        return [p for p in found if p is not None]


def _platform(reference: Reference) -> str:
    """`os/architecture[/variant]`, as `docker manifest inspect` names a platform."""
    platform = reference.platform or {}
    parts = [platform.get("os"), platform.get("architecture"), platform.get("variant")]
    named = [str(p) for p in parts if isinstance(p, str) and p]
    return "/".join(named) or "unknown platform"
