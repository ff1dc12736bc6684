"""GitHub's package shapes as typed values; unknown fields are kept in `.raw`, never refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from packyard.client.links import Owner, Repository, _time

__all__ = [
    "Build",
    "BuildFile",
    "ContainerMetadata",
    "DockerMetadata",
    "Owner",
    "Package",
    "PackageVersion",
    "RateLimit",
    "Repository",
    "VersionMetadata",
]


@dataclass(frozen=True)
class ContainerMetadata:
    """`metadata.container` of a container version (githubkit's `…PropContainer`).

    >>> ContainerMetadata(tags=["latest"]).tags
    ['latest']
    """

    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DockerMetadata:
    """`metadata.docker` of a docker version (githubkit's `…PropDocker`).

    GitHub's schema declares the list as `tag` and requires `tags`; servers send `tags`.
    Both names read the same list here.

    >>> DockerMetadata(tag=["1.0"]).tags
    ['1.0']
    """

    tag: list[str] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        return self.tag


@dataclass(frozen=True)
class VersionMetadata:
    """A version's `metadata` (githubkit's `PackageVersionPropMetadata`): `container` and
    `docker` are None for the types that have no such block, where githubkit has `UNSET`.

    >>> m = VersionMetadata.from_json({"package_type": "npm"})
    >>> (m.package_type, m.container, m.docker)
    ('npm', None, None)
    """

    package_type: str
    container: ContainerMetadata | None = None
    docker: DockerMetadata | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VersionMetadata:
        container = data.get("container")
        docker = data.get("docker")
        return cls(
            package_type=data.get("package_type", ""),
            container=ContainerMetadata(list(container.get("tags") or []))
            if isinstance(container, dict)
            else None,
            # GitHub's schema names docker's list `tag` in one place and `tags` in another.
            docker=DockerMetadata(list(docker.get("tags") or docker.get("tag") or []))
            if isinstance(docker, dict)
            else None,
            raw=data,
        )

    @property
    def tags(self) -> list[str]:
        """The container or docker tags; empty for the untagged types."""
        return [
            *(self.container.tags if self.container else []),
            *(self.docker.tags if self.docker else []),
        ]


@dataclass(frozen=True)
class Package:
    """A package, as the list and get operations return it.

    >>> p = Package.from_json({"id": 1, "name": "tools/cli", "package_type": "container",
    ...                        "visibility": "public", "version_count": 3})
    >>> (p.name, p.version_count)
    ('tools/cli', 3)
    """

    id: int
    name: str
    package_type: str
    visibility: str
    version_count: int
    url: str | None = None
    html_url: str | None = None
    owner: Owner | None = None
    repository: Repository | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Package:
        owner = data.get("owner")
        repository = data.get("repository")
        return cls(
            id=int(data["id"]),
            name=data["name"],
            package_type=data["package_type"],
            visibility=data.get("visibility", "private"),
            version_count=int(data.get("version_count") or 0),
            url=data.get("url"),
            html_url=data.get("html_url"),
            owner=Owner.from_json(owner) if owner else None,
            repository=Repository.from_json(repository) if repository else None,
            created_at=_time(data.get("created_at")),
            updated_at=_time(data.get("updated_at")),
            raw=data,
        )


@dataclass(frozen=True)
class PackageVersion:
    """One version; `tags` are the container or docker tags (empty for other types).

    `metadata` is githubkit's shape of the same facts, for code written against githubkit.

    >>> v = PackageVersion.from_json({"id": 3, "name": "sha256:ab", "metadata": {
    ...     "package_type": "container", "container": {"tags": ["latest"]}}})
    >>> v.tags
    ['latest']
    >>> v.metadata.container.tags if v.metadata and v.metadata.container else None
    ['latest']
    """

    id: int
    name: str
    package_type: str | None = None
    tags: list[str] = field(default_factory=list)
    url: str | None = None
    html_url: str | None = None
    license: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # githubkit's shape; after `raw` so positional construction keeps working.
    metadata: VersionMetadata | None = None
    package_html_url: str | None = None

    @property
    def license_(self) -> str | None:
        """githubkit's Python name for `license` (a keyword-shadowing rename)."""
        return self.license

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PackageVersion:
        block = data.get("metadata")
        metadata = VersionMetadata.from_json(block) if isinstance(block, dict) else None
        return cls(
            id=int(data["id"]),
            name=data["name"],
            package_type=(metadata.package_type or None) if metadata else None,
            tags=metadata.tags if metadata else [],
            metadata=metadata,
            package_html_url=data.get("package_html_url"),
            url=data.get("url"),
            html_url=data.get("html_url"),
            license=data.get("license"),
            description=data.get("description"),
            created_at=_time(data.get("created_at")),
            updated_at=_time(data.get("updated_at")),
            deleted_at=_time(data.get("deleted_at")),
            raw=data,
        )


@dataclass(frozen=True)
class BuildFile:
    """One file of a SNAPSHOT build, and its size in bytes.

    >>> BuildFile.from_json({"name": "hello-1.1.0-20261130.101500-2.pom", "size": 812}).size
    812
    """

    name: str
    size: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildFile:
        return cls(name=data["name"], size=int(data.get("size") or 0))


@dataclass(frozen=True)
class Build:
    """Packyard only: one timestamped build inside a Maven `-SNAPSHOT` version.

    >>> b = Build.from_json({"id": 17, "name": "20261130.101500-2", "build_number": 2,
    ...     "timestamp": "20261130.101500", "created_at": "2026-11-30T10:15:00Z",
    ...     "deleted_at": None, "files": [{"name": "hello-1.1.0-20261130.101500-2.jar",
    ...     "size": 1234}]})
    >>> (b.id, b.build_number, b.files[0].size)
    (17, 2, 1234)
    """

    id: int
    name: str
    build_number: int
    timestamp: str = ""
    created_at: datetime | None = None
    deleted_at: datetime | None = None
    files: list[BuildFile] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Build:
        return cls(
            id=int(data["id"]),
            name=data["name"],
            build_number=int(data["build_number"]),
            timestamp=data.get("timestamp") or "",
            created_at=_time(data.get("created_at")),
            deleted_at=_time(data.get("deleted_at")),
            files=[BuildFile.from_json(f) for f in data.get("files") or []],
            raw=data,
        )


@dataclass(frozen=True)
class RateLimit:
    """One resource of `GET /rate_limit`.

    >>> RateLimit.from_json({"limit": 5000, "remaining": 4999, "reset": 0, "used": 1}).used
    1
    """

    limit: int
    remaining: int
    reset: int
    used: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RateLimit:
        return cls(
            limit=int(data["limit"]),
            remaining=int(data["remaining"]),
            reset=int(data["reset"]),
            used=int(data.get("used", 0)),
        )
