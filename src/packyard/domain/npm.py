"""npm's names, versions and published documents, as pure rules."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime

from packyard import semver
from packyard.domain.errors import BadRequest, Conflict, NotFound
from packyard.domain.files import FileRecord

# npm's rules for a scoped name: lowercase URL-safe characters, at most 214 in all.
SCOPED_NAME = re.compile(r"@([a-z0-9][a-z0-9-]*)/([a-z0-9][a-z0-9._-]*)")
MAX_NAME_LENGTH = 214
TAG = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,63}")
# node-semver's bounds, which npm's CLI and registry enforce: a version is at most 256
# characters, and each of its three numbers at most Number.MAX_SAFE_INTEGER.
MAX_VERSION_LENGTH = 256
MAX_SAFE_INTEGER = 2**53 - 1


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
    """npm takes strict semver versions only (no `v`, all three numbers), within
    node-semver's bounds: a longer one, or one whose numbers a JavaScript number cannot hold,
    is one npm itself refuses (and would make every reader of the packument choke on it)."""
    if len(version) > MAX_VERSION_LENGTH:
        return False
    match = semver.STRICT.fullmatch(version)
    return match is not None and all(int(n) <= MAX_SAFE_INTEGER for n in match.groups()[:3])


def is_valid_tag(tag: str) -> bool:
    """A dist-tag: not something that parses as a version or a range."""
    return TAG.fullmatch(tag) is not None and not is_valid_version(tag)


def tarball_filename(name: str, version: str) -> str:
    """npm's name for a version's tarball, as the packument links it."""
    return f"{name.split('/', 1)[-1]}-{version}.tgz"


def stored_tarball_name(name: str, requested: str) -> str:
    """The file name a tarball is stored under, from the name a request for `name` used:
    package names match in any case, so the package part is kept lowercased (a version's
    own case matters: `1.0.0-Beta` is not `1.0.0-beta`)."""
    prefix = name.split("/", 1)[-1] + "-"
    if requested.startswith(prefix):
        return prefix.lower() + requested[len(prefix) :]
    return requested


def integrity(sha512_hex: str) -> str:
    """npm's Subresource Integrity string for a tarball: `sha512-` and the digest in base64."""
    return "sha512-" + base64.b64encode(bytes.fromhex(sha512_hex)).decode()


def semver_key(version: str) -> tuple[int, int, int, int, tuple[semver.Identifier, ...]]:
    """Sort key in semver precedence: releases above their pre-releases. A stored version
    npm would refuse (from before the bounds above) sorts below every version rather than
    failing whoever reads the packument."""
    if not is_valid_version(version):
        return (-1, 0, 0, 0, ())
    return semver.sort_key(version)


def is_prerelease(version: str) -> bool:
    parsed = semver.parse_strict(version) if is_valid_version(version) else None
    return parsed is not None and bool(parsed.prerelease)


def deprecation(value: object) -> str | None:
    """A version's `deprecated` as sent: a message, or "" / null for none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise NpmInvalid("deprecated must be a string")
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate from a `\ud800` escape: no database takes it
        raise NpmInvalid("deprecated is not valid Unicode") from None
    return value


@dataclass(frozen=True, slots=True)
class NpmVersionRecord:
    """A published npm version: its document (JSON text, without `dist`); its tarball is
    the version's file, read with it."""

    version_id: int
    version: str
    manifest: str
    tarball: FileRecord
    deprecated: str | None = None
    created_at: datetime | None = None
