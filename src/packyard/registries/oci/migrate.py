"""GitHub's move of the legacy Docker registry to the container registry, for Packyard.

Each `docker` package `IMAGE` of `OWNER/REPOSITORY` becomes the container package `IMAGE` of
OWNER (`/v2/OWNER/IMAGE`): the same package, so the same id, versions, digests, tags,
downloads and repository link; its blobs' links follow it. The legacy name keeps reaching
it. A package whose container name is taken stays where it is and is reported as GitHub
reports it, through `GET …/docker/conflicts`, until the blocking package is gone and the
migration runs again. One transaction per package: a run stopped halfway is run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from packyard.core.access import Target
from packyard.core.context import Context
from packyard.core.delete import audit
from packyard.domain.errors import NotFound
from packyard.domain.types import PackageType
from packyard.registries.oci.naming import link_name
from packyard.registries.oci.ports import DOCKER_ROWS


@dataclass
class MigrationReport:
    moved: list[str] = field(default_factory=list)  # "OWNER/REPOSITORY/IMAGE → OWNER/IMAGE"
    conflicts: list[str] = field(default_factory=list)  # legacy names whose new name is taken


def migrate_docker(ctx: Context, owner_login: str | None = None) -> MigrationReport:
    report = MigrationReport()
    with ctx.store.read() as tx:
        owner_id = None
        if owner_login is not None:
            owner = tx.accounts.find_account_by_login(owner_login)
            if owner is None:
                raise NotFound(f"{owner_login} is not known")
            owner_id = owner.id
        candidates = tx.rows(DOCKER_ROWS).docker_packages(owner_id)
    for candidate_owner, name in candidates:
        _migrate_one(ctx, candidate_owner, name, ctx.now, report)
    return report


def _migrate_one(
    ctx: Context, owner_id: int, name: str, now: datetime, report: MigrationReport
) -> None:
    with ctx.store.write() as tx:
        package = tx.packages.find_package(owner_id, PackageType.DOCKER, name)
        if package is None or not tx.packages.lock_package(package.id):
            return  # moved or deleted since the list was read
        repository = (
            tx.accounts.get_repository(package.repository_id) if package.repository_id else None
        )
        if repository is None:
            return  # a legacy image always has its repository; nothing to name it by
        legacy = f"{package.owner.login}/{repository.name}/{package.name}"
        rows = tx.rows(DOCKER_ROWS)
        if tx.packages.find_package(owner_id, PackageType.CONTAINER, name) is not None:
            rows.record_migration(repository.id, name, package.id, False, now)
            report.conflicts.append(legacy)
            return
        old_links = link_name(
            Target(package.owner, PackageType.DOCKER, name, package, legacy, repository)
        )
        tx.packages.retype_package(package.id, PackageType.CONTAINER, now)
        rows.move_links(owner_id, old_links, name)
        rows.record_migration(repository.id, name, package.id, True, now)
        audit(
            ctx,
            tx,
            "package.migrate",
            package,
            None,
            {"package_type": PackageType.DOCKER.value, "name": legacy},
            {"package_type": PackageType.CONTAINER.value, "name": f"{package.owner.login}/{name}"},
        )
        report.moved.append(f"{legacy} → {package.owner.login}/{name}")
