"""npm's names, versions and published documents, as pure rules."""

from __future__ import annotations

import re

from packyard.domain.errors import BadRequest, Conflict, NotFound

# npm's rules for a scoped name: lowercase URL-safe characters, at most 214 in all.
SCOPED_NAME = re.compile(r"@([a-z0-9][a-z0-9-]*)/([a-z0-9][a-z0-9._-]*)")
MAX_NAME_LENGTH = 214
# Semantic Versioning 2.0.0, as npm's `semver.valid` accepts it.
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
TAG = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,63}")


class NpmNotFound(NotFound):
    pass


class NpmInvalid(BadRequest):
    pass


class NpmConflict(Conflict):
    pass


def split_name(name: str) -> tuple[str, str]:
    """`@owner/name` → (owner, name). GitHub's npm registry takes scoped packages only."""
    match = SCOPED_NAME.fullmatch(name.lower())
    if match is None or len(name) > MAX_NAME_LENGTH:
        raise NpmInvalid(f"{name!r} is not a scoped package name (@owner/name)")
    return match.group(1), match.group(2)


def is_valid_version(version: str) -> bool:
    return SEMVER.fullmatch(version) is not None


def is_valid_tag(tag: str) -> bool:
    """A dist-tag: not something that parses as a version or a range."""
    return TAG.fullmatch(tag) is not None and not is_valid_version(tag)


def tarball_filename(name: str, version: str) -> str:
    return f"{name.split('/', 1)[-1]}-{version}.tgz"


def semver_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """Sort key in semver precedence: releases above their pre-releases."""
    match = SEMVER.fullmatch(version)
    if match is None:
        return (0, 0, 0, 0, ())
    major, minor, patch = (int(match.group(i)) for i in (1, 2, 3))
    prerelease = match.group(4)
    if prerelease is None:
        return (major, minor, patch, 1, ())
    parts: list[tuple[int, int | str]] = [
        (0, int(p)) if p.isdigit() else (1, p) for p in prerelease.split(".")
    ]
    return (major, minor, patch, 0, tuple(parts))


def is_prerelease(version: str) -> bool:
    match = SEMVER.fullmatch(version)
    return match is not None and match.group(4) is not None
