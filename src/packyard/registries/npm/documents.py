"""npm's publish document, parsed: a pure function of the request body."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from packyard.core.files import hash_bytes
from packyard.domain.npm import NpmInvalid, integrity, is_valid_version, tarball_filename


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
    prepared = []
    for version, manifest in versions.items():
        if not is_valid_version(version) or not isinstance(manifest, dict):
            raise NpmInvalid(f"{version!r} is not a valid semver version")
        filename = tarball_filename(name, version)
        attachment = attachments.get(filename) or attachments.get(f"{name}-{version}.tgz")
        if not isinstance(attachment, dict) or "data" not in attachment:
            raise NpmInvalid(f"no tarball {filename} attached for {version}")
        try:
            data = base64.b64decode(str(attachment["data"]), validate=True)
        except binascii.Error:
            raise NpmInvalid(f"the tarball {filename} is not base64") from None
        hashes = hash_bytes(data)
        dist = manifest.get("dist") or {}
        if dist.get("shasum") and dist["shasum"] != hashes["sha1"]:
            raise NpmInvalid(f"shasum mismatch for {filename}")
        if dist.get("integrity") and dist["integrity"] != integrity(hashes["sha512"]):
            raise NpmInvalid(f"integrity mismatch for {filename}")
        stored = {k: v for k, v in manifest.items() if k != "dist" and not k.startswith("_")}
        deprecated = manifest.get("deprecated")
        prepared.append(
            PublishedVersion(
                version,
                json.dumps(stored),
                data,
                hashes,
                str(deprecated) if deprecated else None,
            )
        )
    return prepared
