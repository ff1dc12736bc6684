"""The two ways a `/v2/` name names a package: the container registry's `OWNER/NAME...`
(ghcr.io: the package `NAME...` of type `container`, owned by OWNER), and the legacy Docker
registry's `OWNER/REPOSITORY/IMAGE` (docker.pkg.github.com: the package `IMAGE` of type
`docker`, in that repository, whose permissions it has). The OCI code is one; each request
carries the naming of the endpoint it came through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from packyard.core.access import Target, find_target, not_known, sees_repository
from packyard.core.ports import Transaction
from packyard.domain.errors import NotFound, Unauthenticated
from packyard.domain.oci import NameInvalid, is_valid_repository_name, split_repository
from packyard.domain.types import Actor, PackageType
from packyard.registries.oci.ports import DOCKER_ROWS

# The legacy registry's names: OWNER/REPOSITORY/IMAGE, no more, no less.
LEGACY_NAME_PARTS = 3


class Naming(Protocol):
    # The largest blob (layer) an upload may grow to through this endpoint.
    max_blob_size: int

    def resolve(self, tx: Transaction, actor: Actor, name: str) -> Target: ...


@dataclass(frozen=True, slots=True)
class RepoName:
    """A `/v2/` name as sent, with the naming of the endpoint it came through; printed as
    sent, in messages and in `Location` headers."""

    text: str
    naming: Naming

    def __str__(self) -> str:
        return self.text

    def resolve(self, tx: Transaction, actor: Actor) -> Target:
        if not is_valid_repository_name(self.text):
            raise NameInvalid(f"invalid repository name: {self.text!r}")
        return self.naming.resolve(tx, actor, self.text)

    def sibling(self, text: str) -> RepoName:
        """Another name through the same endpoint (a mount's source)."""
        return RepoName(text, self.naming)


class ContainerNaming:
    # GHCR's limit on one layer (10 GB).
    max_blob_size = 10 * 10**9

    def resolve(self, tx: Transaction, actor: Actor, name: str) -> Target:
        try:
            owner_login, package_name = split_repository(name)
        except ValueError:
            raise NameInvalid(f"repository names are OWNER/NAME: {name!r}") from None
        return find_target(
            tx, owner_login, PackageType.CONTAINER, package_name, f"repository {name}"
        )


class LegacyDockerNaming:
    # GitHub's Docker registry: "layers are capped at 5GB each".
    max_blob_size = 5 * 10**9

    def resolve(self, tx: Transaction, actor: Actor, name: str) -> Target:
        parts = name.split("/")
        if len(parts) != LEGACY_NAME_PARTS:
            raise NameInvalid(f"Docker registry names are OWNER/REPOSITORY/IMAGE: {name!r}")
        owner_login, repository_name, image = parts
        label = f"repository {name}"
        owner = tx.accounts.find_account_by_login(owner_login)
        repository = (
            tx.accounts.find_repository(owner.id, repository_name) if owner is not None else None
        )
        if owner is None or repository is None or not sees_repository(tx, actor, repository):
            # A repository the caller cannot see is one that does not exist; anonymous
            # callers are asked to log in either way, as for any package.
            if actor.anonymous:
                raise Unauthenticated("authentication required")
            raise NotFound(f"{label} is not known")
        migrated = tx.rows(DOCKER_ROWS).migrated_image(repository.id, image)
        if migrated is not None:
            # Moved to the container registry: the old name still pulls (and pushes) the
            # container package, with the container package's permissions.
            package = tx.packages.find_package(owner.id, PackageType.CONTAINER, migrated)
            if package is None:
                raise not_known(Target(owner, PackageType.CONTAINER, migrated, None, label))
            return Target(owner, PackageType.CONTAINER, migrated, package, label)
        package = tx.packages.find_package(owner.id, PackageType.DOCKER, image)
        return Target(owner, PackageType.DOCKER, image, package, label, repository)


CONTAINER = ContainerNaming()
LEGACY_DOCKER = LegacyDockerNaming()


def link_name(target: Target) -> str:
    """The name a repository's blobs and uploads are linked under: the container package's
    name, or for a legacy image `docker:REPOSITORY/IMAGE` (no container name holds `:`, so
    the two never share links)."""
    if target.package_type is PackageType.DOCKER and target.repository is not None:
        return f"docker:{target.repository.name}/{target.name}"
    return target.name
