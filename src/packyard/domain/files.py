"""A version's files as plain values: what a format adds, and what the store gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from packyard.domain.errors import BadRequest

# What the store holds of a file's or a version's name (VARCHAR(255) on PostgreSQL, which
# refuses a longer one; SQLite holds anything). A format's valid names can be longer once
# joined into a file name (npm's `NAME-VERSION.tgz`, NuGet's `ID.VERSION.nupkg`, a gem's
# `NAME-VERSION-PLATFORM.gem`): those are refused as the caller's mistake, in each
# protocol's 400, before a byte is stored.
MAX_STORED_NAME_LENGTH = 255


def check_stored_name(what: str, name: str) -> None:
    """Refuse `name` (a `what`: "file", "version") if the store cannot hold it."""
    if len(name) > MAX_STORED_NAME_LENGTH:
        raise BadRequest(
            f"a {what}'s name may have at most {MAX_STORED_NAME_LENGTH} characters "
            f"({len(name)} given)"
        )


@dataclass(frozen=True, slots=True)
class NewFile:
    """A file to add to a version: its name, the blob holding its bytes, what the format
    keeps about it."""

    name: str
    digest: str
    size: int
    hashes: dict[str, str] = field(default_factory=dict)  # algorithm → hex
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileRecord:
    id: int
    version_id: int
    package_id: int
    name: str
    digest: str
    size: int
    hashes: dict[str, str]
    properties: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BuildRecord:
    """One build inside a version that a format keeps several of (a Maven SNAPSHOT's
    timestamped deploys): deleted and restored on its own, like a version."""

    id: int
    version_id: int
    name: str  # `20261130.101500-2`
    number: int
    created_at: datetime
    deleted_at: datetime | None
    files: tuple[FileRecord, ...]
    properties: dict[str, Any] = field(default_factory=dict)
