"""The seed format's shape: which keys each entry takes, and typed reads with error paths.

Every read records a `path: message` error instead of raising, so one pass reports all
that is wrong with a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

_KEYS: dict[str, set[str]] = {
    "": {"users", "orgs", "repositories", "tokens", "packages"},
    "users": {"login", "name", "site_admin"},
    "orgs": {"login", "members"},
    "orgs.members": {"user", "role"},
    "repositories": {"owner", "name", "visibility", "collaborators"},
    "repositories.collaborators": {"user", "permission"},
    "tokens": {"user", "token", "kind", "scopes", "repository", "permissions", "expires_at"},
    "tokens.permissions": {"packages"},
    "packages": {
        "owner",
        "package_type",
        "name",
        "visibility",
        "repository",
        "inherit_access",
        "access",
        "created_at",
        "deleted_at",
        "versions",
    },
    "packages.access": {"user", "repository", "role"},
    "packages.versions": {
        "name",
        "tags",
        "download_count",
        "created_at",
        "updated_at",
        "deleted_at",
        "description",
        "license",
        "content",
    },
    # Real bytes for the version (seed_content.py): a kind alone (`content: tarball`), or
    #   kind: image | tarball       image: container versions; tarball: npm versions
    #   platforms: [linux/amd64]    image: one manifest per platform; two or more make an
    #                               index (the version), each platform an untagged version
    #   attestation: true           image: an in-toto attestation whose subject is the image
    #                               (the referrers API lists it), an untagged version
    #   files: {PATH: TEXT}         the layer's files / the tarball's, beside package.json
    # An image's version `name` may be left out: it is the image's digest (given, it must be).
    "content": {"kind", "platforms", "attestation", "files"},
}
_REQUIRED: dict[str, set[str]] = {
    "users": {"login"},
    "orgs": {"login"},
    "orgs.members": {"user", "role"},
    "repositories": {"owner", "name"},
    "repositories.collaborators": {"user", "permission"},
    "tokens": {"token", "kind"},
    "packages": {"owner", "package_type", "name"},
    "packages.access": {"role"},
    # `name`, unless `content` names the version (seed_packages.py checks it there).
    "content": {"kind"},
}


@dataclass
class SeedChecker:
    now: datetime
    errors: list[str] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def mapping(self, value: Any, path: str, kind: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, "must be a mapping")
            return None
        for key in value:
            if key not in _KEYS[kind]:
                self.error(f"{path}.{key}" if path else str(key), "unknown key")
        for key in sorted(_REQUIRED.get(kind, set()) - set(value)):
            self.error(f"{path}.{key}", "required key is missing")
        return value

    def items(self, parent: dict[str, Any], key: str, path: str) -> list[tuple[str, Any]]:
        value = parent.get(key)
        if value is None:
            return []
        where = f"{path}.{key}" if path else key
        if not isinstance(value, list):
            self.error(where, "must be a list")
            return []
        return [(f"{where}[{i}]", item) for i, item in enumerate(value)]

    def string(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(path, "must be a string")
            return None
        return str(value)

    def choice(self, value: Any, path: str, choices: list[str], default: str) -> str:
        if value is None:
            return default
        if value not in choices:
            self.error(path, f"must be one of: {', '.join(choices)}")
            return default
        return str(value)

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(path, "must be true or false")
            return default
        return value

    def timestamp(self, value: Any, path: str, default: datetime | None) -> datetime | None:
        if value is None:
            return default
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if isinstance(value, date):
            self.error(path, "must be an RFC 3339 timestamp with a time, e.g. 2026-01-31T12:00:00Z")
            return default
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
        self.error(path, "must be an RFC 3339 timestamp, e.g. 2026-01-31T12:00:00Z")
        return default


def enum_values(cls: Any) -> list[str]:
    return [member.value for member in cls]


@dataclass
class SeedReport:
    users: int = 0
    orgs: int = 0
    repositories: int = 0
    tokens: int = 0
    packages: int = 0
    versions: int = 0
