"""GitHub's package shapes as typed values; unknown fields are kept in `.raw`, never refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass(frozen=True)
class Owner:
    """A user or an organization, as `owner` fields and `GET /users/{login}` show it.

    >>> Owner.from_json({"login": "acme", "id": 7, "type": "Organization"}).is_org
    True
    """

    login: str
    id: int
    type: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_org(self) -> bool:
        return self.type == "Organization"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Owner:
        return cls(login=data["login"], id=int(data["id"]), type=data.get("type", "User"), raw=data)


@dataclass(frozen=True)
class Repository:
    """A package's linked repository (GitHub's minimal-repository).

    >>> Repository.from_json({"id": 1, "name": "web", "full_name": "acme/web"}).full_name
    'acme/web'
    """

    id: int
    name: str
    full_name: str
    private: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Repository:
        return cls(
            id=int(data["id"]),
            name=data["name"],
            full_name=data["full_name"],
            private=bool(data.get("private", False)),
            raw=data,
        )


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

    >>> v = PackageVersion.from_json({"id": 3, "name": "sha256:ab", "metadata": {
    ...     "package_type": "container", "container": {"tags": ["latest"]}}})
    >>> v.tags
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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PackageVersion:
        metadata = data.get("metadata") or {}
        package_type = metadata.get("package_type")
        tags: list[str] = []
        for kind in ("container", "docker"):
            block = metadata.get(kind) or {}
            # GitHub's schema names docker's list `tag` in one place and `tags` in another.
            tags.extend(block.get("tags") or block.get("tag") or [])
        return cls(
            id=int(data["id"]),
            name=data["name"],
            package_type=package_type,
            tags=tags,
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
