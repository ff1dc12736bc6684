"""The Maven format's hooks: SNAPSHOT builds, deleted and restored one by one and purged
past the restore window; the REST API's version deletes need nothing more (metadata is
generated from what is live)."""

from __future__ import annotations

from datetime import datetime

from packyard.core.formats import Format
from packyard.core.ports import Transaction
from packyard.domain.errors import BadRequest
from packyard.domain.files import BuildRecord
from packyard.domain.types import Package, PackageType, Version
from packyard.registries.maven.ports import MAVEN_ROWS

LAST_BUILD = (
    "This is the only build of the version: delete the version instead, or keep at least one."
)


class MavenFormat(Format):
    def __init__(self) -> None:
        super().__init__(PackageType.MAVEN)

    def coordinates(self, tx: Transaction, package: Package) -> tuple[str, str] | None:
        found = tx.rows(MAVEN_ROWS).coordinates(package.id)
        return (found.group_id, found.artifact_id) if found else None

    def purge(self, tx: Transaction, cutoff: datetime) -> None:
        tx.files.forget_files(tx.rows(MAVEN_ROWS).purge_builds(cutoff))

    def builds(
        self, tx: Transaction, package: Package, version: Version, deleted: bool
    ) -> list[BuildRecord]:
        return tx.rows(MAVEN_ROWS).builds(version.id, deleted)

    def find_build(
        self, tx: Transaction, package: Package, version: Version, build_id: int
    ) -> BuildRecord | None:
        for build in tx.rows(MAVEN_ROWS).builds(version.id, None):
            if build.id == build_id:
                return build
        return None

    def delete_build(
        self, tx: Transaction, package: Package, version: Version, build: BuildRecord, now: datetime
    ) -> bool:
        active = tx.rows(MAVEN_ROWS).builds(version.id, False)
        if [b.id for b in active] == [build.id]:
            raise BadRequest(LAST_BUILD)
        return tx.rows(MAVEN_ROWS).set_build_deleted(build.id, now)

    def restore_build(
        self, tx: Transaction, package: Package, version: Version, build: BuildRecord, now: datetime
    ) -> bool:
        return tx.rows(MAVEN_ROWS).set_build_deleted(build.id, None)
