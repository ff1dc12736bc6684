"""Real tarballs for seeded npm versions (`packyard seed`'s `content: tarball`), published
through the same code `npm publish` reaches.

A tarball is what `npm pack` makes — `package/package.json` (name, version, main) and
`package/index.js`, plus the seed's files — built in memory with fixed times (npm's own
1985-10-26 for entries, 0 for gzip), so the same request is the same bytes and integrity.
Building is cached: the tests seed the example world for each test.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from packyard.core.context import Context
from packyard.core.files import hash_bytes
from packyard.core.formats import ContentInvalid, ContentRequest
from packyard.core.ports import BlobStore
from packyard.domain.npm import integrity, is_prerelease, is_valid_version, semver_key
from packyard.registries.npm.service import packument, put_packument

TARBALL = "tarball"
NPM_PACK_MTIME = 499162500  # 1985-10-26T08:15:00Z: every entry `npm pack` writes has it
MAX_FILES = 16
MAX_FILE_TEXT = 64 * 1024
FILE_PATH = re.compile(r"[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*")


@dataclass(frozen=True, slots=True)
class Tarball:
    name: str  # npm's name, @owner/name
    version: str
    manifest: str  # package.json, as packed
    data: bytes

    @property
    def extra_versions(self) -> int:
        return 0

    def publish(self, ctx: Context, blobs: BlobStore) -> None:
        current = packument(ctx, self.name)
        if any(r.version == self.version for r in current.versions):
            return  # published by an earlier load of the seed
        # `npm publish` tags what it publishes `latest`; a lower or pre-release version is
        # published with another tag (npm 11 insists), so `latest` stays the highest.
        latest = current.dist_tags.get("latest")
        higher = latest is None or semver_key(self.version) > semver_key(latest)
        tags = {"latest": self.version} if higher and not is_prerelease(self.version) else {}
        document = self.document(tags)
        put_packument(ctx, blobs, self.name, lambda: document, unpublish=False)

    def document(self, dist_tags: dict[str, str]) -> dict[str, Any]:
        """The body `npm publish` sends."""
        hashes = hash_bytes(self.data)
        filename = f"{self.name}-{self.version}.tgz"
        manifest = json.loads(self.manifest)
        return {
            "_id": self.name,
            "name": self.name,
            "description": manifest.get("description", ""),
            "dist-tags": dist_tags,
            "versions": {
                self.version: {
                    **manifest,
                    "_id": f"{self.name}@{self.version}",
                    "dist": {
                        "integrity": integrity(hashes["sha512"]),
                        "shasum": hashes["sha1"],
                        "tarball": f"/{self.name}/-/{filename}",
                    },
                }
            },
            "access": None,
            "_attachments": {
                filename: {
                    "content_type": "application/octet-stream",
                    "data": base64.b64encode(self.data).decode(),
                    "length": len(self.data),
                }
            },
        }


def build_tarball(request: ContentRequest) -> Tarball:
    if request.kind != TARBALL:
        raise ContentInvalid(f"npm versions take kind {TARBALL!r}, not {request.kind!r}")
    if request.platforms or request.attestation:
        raise ContentInvalid("platforms and attestation are for container images")
    if request.version is None or not is_valid_version(request.version):
        raise ContentInvalid("an npm tarball needs the version's name, a semver version")
    if len(request.files) > MAX_FILES:
        raise ContentInvalid(f"files: at most {MAX_FILES}")
    for path, text in request.files:
        if not FILE_PATH.fullmatch(path) or ".." in path.split("/") or path == "package.json":
            raise ContentInvalid(f"files: {path!r} is not a relative path other than package.json")
        if len(text) > MAX_FILE_TEXT:
            raise ContentInvalid(f"files: {path!r} is over {MAX_FILE_TEXT} characters")
    name = f"@{request.owner.lower()}/{request.package}"
    return _tarball(name, request.version, request.files, request.description, request.license)


@lru_cache(maxsize=64)
def _tarball(
    name: str,
    version: str,
    files: tuple[tuple[str, str], ...],
    description: str | None,
    license: str | None,
) -> Tarball:
    manifest: dict[str, Any] = {"name": name, "version": version}
    if description:
        manifest["description"] = description
    manifest["main"] = "index.js"
    if license:
        manifest["license"] = license
    text = json.dumps(manifest, indent=2) + "\n"
    contents = {"index.js": f"module.exports = {json.dumps(f'{name}@{version}')};\n", **dict(files)}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, body in [("package.json", text), *sorted(contents.items())]:
            data = body.encode()
            info = tarfile.TarInfo(f"package/{path}")
            info.size, info.mode, info.mtime = len(data), 0o644, NPM_PACK_MTIME
            tar.addfile(info, io.BytesIO(data))
    return Tarball(name, version, text, gzip.compress(raw.getvalue(), mtime=0))
