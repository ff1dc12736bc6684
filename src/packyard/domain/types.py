"""The nouns of GitHub Packages, as plain values."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class PackageType(enum.StrEnum):
    NPM = "npm"
    MAVEN = "maven"
    RUBYGEMS = "rubygems"
    DOCKER = "docker"
    NUGET = "nuget"
    CONTAINER = "container"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    INTERNAL = "internal"


class VersionFilter(enum.StrEnum):
    """Which of a package's versions a listing shows: the REST API's `state` (active,
    deleted), and the web's tagged and untagged (live versions with or without a tag)."""

    ACTIVE = "active"
    DELETED = "deleted"
    TAGGED = "tagged"
    UNTAGGED = "untagged"


class AccountType(enum.StrEnum):
    USER = "User"
    ORGANIZATION = "Organization"


class Role(enum.IntEnum):
    """A caller's role on a package; ordered so that `>=` means "at least"."""

    NONE = 0
    READ = 1
    WRITE = 2
    ADMIN = 3


class RepositoryPermission(enum.StrEnum):
    READ = "read"
    TRIAGE = "triage"
    WRITE = "write"
    MAINTAIN = "maintain"
    ADMIN = "admin"


class OrgRole(enum.StrEnum):
    ADMIN = "admin"  # an organization owner
    MEMBER = "member"


class TokenKind(enum.StrEnum):
    CLASSIC = "classic"
    OAUTH = "oauth"
    FINE_GRAINED = "fine_grained"
    ACTIONS = "actions"


class Scope(enum.StrEnum):
    READ_PACKAGES = "read:packages"
    WRITE_PACKAGES = "write:packages"
    DELETE_PACKAGES = "delete:packages"
    REPO = "repo"


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    login: str
    type: AccountType
    name: str | None = None
    site_admin: bool = False
    created_at: datetime | None = None

    @property
    def is_org(self) -> bool:
        return self.type is AccountType.ORGANIZATION


@dataclass(frozen=True, slots=True)
class Repository:
    id: int
    owner: Account
    name: str
    visibility: Visibility
    description: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"


@dataclass(frozen=True, slots=True)
class Package:
    id: int
    owner: Account
    package_type: PackageType
    name: str
    visibility: Visibility
    repository_id: int | None
    inherit_access: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    version_count: int = 0


@dataclass(frozen=True, slots=True)
class Version:
    id: int
    package_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    tags: tuple[str, ...] = ()
    download_count: int = 0
    description: str | None = None
    license: str | None = None
    deleted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling: a user through a token, a workflow, or nobody.

    `scopes` are what the token grants; for Actions tokens they are derived from the
    workflow's `packages:` permission, so one scope check serves every kind.
    """

    user: Account | None
    token_id: int | None = None
    kind: TokenKind | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    actions_repository_id: int | None = None

    @property
    def anonymous(self) -> bool:
        return self.token_id is None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


ANONYMOUS = Actor(user=None)
