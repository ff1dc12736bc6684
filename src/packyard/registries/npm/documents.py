"""npm's publish document, parsed: a pure function of the request body."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from packyard.core.files import hash_bytes
from packyard.domain.npm import (
    NpmInvalid,
    deprecation,
    integrity,
    is_valid_version,
    tarball_filename,
)


@dataclass(frozen=True)
class PublishedVersion:
    version: str
    document: str  # the version's JSON, without `dist` and npm's private keys
    tarball: bytes
    hashes: dict[str, str]
    deprecated: str | None


def parse_publish(name: str, document: dict[str, Any]) -> list[PublishedVersion]:
    """The versions an `npm publish` body carries, checked, with their tarballs decoded and
    hashed; nothing is stored, nothing is asked of the store."""
    if str(document.get("name", "")).lower() != name.lower():
        raise NpmInvalid("the document's name does not match the URL")
    versions = document.get("versions")
    attachments = document.get("_attachments") or {}
    if not isinstance(versions, dict) or not versions:
        raise NpmInvalid("a publish carries at least one version")
    if not isinstance(attachments, dict):
        raise NpmInvalid("_attachments must be an object")
    prepared = []
    for version, manifest in versions.items():
        if not is_valid_version(version) or not isinstance(manifest, dict):
            raise NpmInvalid(f"{version[:300]!r} is not a valid semver version")
        filename = tarball_filename(name, version)
        attachment = attachments.get(filename) or attachments.get(f"{name}-{version}.tgz")
        if not isinstance(attachment, dict) or not isinstance(attachment.get("data"), str):
            raise NpmInvalid(f"no tarball {filename} attached for {version}")
        try:
            data = base64.b64decode(attachment["data"], validate=True)
        except (binascii.Error, ValueError):  # ValueError: characters beyond ASCII
            raise NpmInvalid(f"the tarball {filename} is not base64") from None
        hashes = hash_bytes(data)
        dist = manifest.get("dist") or {}
        if not isinstance(dist, dict):
            raise NpmInvalid(f"dist of {version} must be an object")
        if dist.get("shasum") and dist["shasum"] != hashes["sha1"]:
            raise NpmInvalid(f"shasum mismatch for {filename}")
        if dist.get("integrity") and dist["integrity"] != integrity(hashes["sha512"]):
            raise NpmInvalid(f"integrity mismatch for {filename}")
        stored = {k: v for k, v in manifest.items() if k != "dist" and not k.startswith("_")}
        try:
            # A lone surrogate (a `\ud800` escape) would be stored escaped and then fail
            # every packument this version is rendered into.
            json.dumps(stored, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise NpmInvalid(f"the document of {version} is not valid Unicode") from None
        prepared.append(
            PublishedVersion(
                version,
                json.dumps(stored),
                data,
                hashes,
                deprecation(manifest.get("deprecated")),
            )
        )
    return prepared


def parse_dist_tags(document: dict[str, Any]) -> dict[str, str]:
    """A publish's `dist-tags`: an object of tag names to versions."""
    tags = document.get("dist-tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise NpmInvalid("dist-tags must be an object of tags to versions")
    return tags
