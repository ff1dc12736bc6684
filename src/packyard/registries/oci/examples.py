"""Real images for seeded container versions (`packyard seed`'s `content: image`), pushed
through the same code a client's push takes.

An image is built in memory, deterministically (tar entries and gzip stamped with time 0,
JSON with sorted keys): the same request is the same bytes, hence the same digests, so a
second load of a seed finds every manifest already there. Building is cached: the tests
seed the example world for each test, and it must cost milliseconds.

    one platform:  manifest ─┬─ config                 (the version: the manifest's digest)
                             └─ layer (tar+gzip)
    several:       index ──── manifest per platform    (the version: the index's digest;
                                                         each platform an untagged version)
    attestation:   manifest, artifactType in-toto, `subject` = the image (the referrers API
                   lists it; an untagged version of its own)
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from packyard.core.context import Context
from packyard.core.formats import ContentInvalid, ContentRequest
from packyard.core.ports import BlobStore
from packyard.domain.oci import EMPTY_CONFIG, OCI_INDEX, OCI_MANIFEST
from packyard.registries.oci.blobs import put_blob
from packyard.registries.oci.naming import CONTAINER, RepoName
from packyard.registries.oci.service import put_manifest

IMAGE = "image"
DEFAULT_PLATFORM = "linux/amd64"
MAX_PLATFORMS = 8
MAX_FILES = 16
MAX_FILE_TEXT = 64 * 1024
PLATFORM = re.compile(r"([a-z0-9]+)/([a-z0-9_]+)(?:/([a-z0-9]+))?")
FILE_PATH = re.compile(r"[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*")
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
CONFIG = "application/vnd.oci.image.config.v1+json"
IN_TOTO = "application/vnd.in-toto+json"
IN_TOTO_STATEMENT = "https://in-toto.io/Statement/v1"
SLSA_PROVENANCE = "https://slsa.dev/provenance/v1"


@dataclass(frozen=True, slots=True)
class Manifest:
    digest: str
    media_type: str
    data: bytes
    blobs: tuple[bytes, ...]  # config and layers, pushed before it


@dataclass(frozen=True, slots=True)
class Image:
    """What a client pushes for one seeded version, in push order: platforms before the
    index that lists them, the image before its attestation."""

    repository: str  # OWNER/NAME, as /v2/ names it
    manifests: tuple[Manifest, ...]
    version: str  # the image's digest: the index's, or the one manifest's

    @property
    def extra_versions(self) -> int:
        return len(self.manifests) - 1

    def publish(self, ctx: Context, blobs: BlobStore) -> None:
        name = RepoName(self.repository, CONTAINER)
        for manifest in self.manifests:
            for blob in manifest.blobs:
                # Whole, as a monolithic upload (`oras push`) leaves them, but with no upload
                # state (blobs.put_blob says why); the blob store keeps bytes it already
                # holds (a second load) without writing them again.
                put_blob(ctx, blobs, name, _digest(blob), blob)
            put_manifest(ctx, blobs, name, manifest.digest, manifest.data, manifest.media_type)


def build_image(request: ContentRequest) -> Image:
    if request.kind != IMAGE:
        raise ContentInvalid(f"container versions take kind {IMAGE!r}, not {request.kind!r}")
    platforms = request.platforms or (DEFAULT_PLATFORM,)
    if len(set(platforms)) != len(platforms) or len(platforms) > MAX_PLATFORMS:
        raise ContentInvalid(f"platforms: at most {MAX_PLATFORMS}, each once")
    for platform in platforms:
        if not PLATFORM.fullmatch(platform):
            raise ContentInvalid(f"platforms: {platform!r} is not OS/ARCH[/VARIANT]")
    if len(request.files) > MAX_FILES:
        raise ContentInvalid(f"files: at most {MAX_FILES}")
    for path, text in request.files:
        if not FILE_PATH.fullmatch(path) or ".." in path.split("/"):
            raise ContentInvalid(f"files: {path!r} is not a relative path")
        if len(text) > MAX_FILE_TEXT:
            raise ContentInvalid(f"files: {path!r} is over {MAX_FILE_TEXT} characters")
    return _image(
        f"{request.owner}/{request.package}".lower(),
        platforms,
        request.attestation,
        request.files,
        request.license,
    )


@lru_cache(maxsize=64)
def _image(
    repository: str,
    platforms: tuple[str, ...],
    attestation: bool,
    files: tuple[tuple[str, str], ...],
    license: str | None,
) -> Image:
    contents = dict(files) or {"hello.txt": f"hello from {repository}\n"}
    annotations = {"org.opencontainers.image.licenses": license} if license else {}
    manifests = [_platform_manifest(p, contents, annotations) for p in platforms]
    image = manifests[0]
    if len(platforms) > 1:
        index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {**_descriptor(m), "platform": _platform(p)}
                for m, p in zip(manifests, platforms, strict=True)
            ],
            **({"annotations": annotations} if annotations else {}),
        }
        image = _manifest(OCI_INDEX, index, ())
        manifests.append(image)
    if attestation:
        manifests.append(_attestation(repository, image))
    return Image(repository, tuple(manifests), image.digest)


def _platform_manifest(
    platform: str, files: dict[str, str], annotations: dict[str, str]
) -> Manifest:
    layer_tar = _tar({**files, "etc/platform": platform + "\n"})
    layer = gzip.compress(layer_tar, mtime=0)
    config = _json(
        {
            **_platform(platform),
            "config": {"Labels": annotations},
            "rootfs": {"type": "layers", "diff_ids": [_digest(layer_tar)]},
        }
    )
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": CONFIG, "digest": _digest(config), "size": len(config)},
        "layers": [{"mediaType": LAYER, "digest": _digest(layer), "size": len(layer)}],
        **({"annotations": annotations} if annotations else {}),
    }
    return _manifest(OCI_MANIFEST, document, (config, layer))


def _attestation(repository: str, subject: Manifest) -> Manifest:
    """A provenance statement about the image, attached as OCI 1.1 does: by `subject`."""
    statement = _json(
        {
            "_type": IN_TOTO_STATEMENT,
            "subject": [{"name": repository, "digest": {"sha256": subject.digest[7:]}}],
            "predicateType": SLSA_PROVENANCE,
            "predicate": {"buildDefinition": {"buildType": "https://packyard.example/seed"}},
        }
    )
    empty = b"{}"
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": IN_TOTO,
        "config": {"mediaType": EMPTY_CONFIG, "digest": _digest(empty), "size": len(empty)},
        "layers": [{"mediaType": IN_TOTO, "digest": _digest(statement), "size": len(statement)}],
        "subject": _descriptor(subject),
    }
    return _manifest(OCI_MANIFEST, document, (empty, statement))


def _platform(platform: str) -> dict[str, str]:
    os_, arch, variant = platform.split("/") + [""] * (3 - len(platform.split("/")))
    return {"architecture": arch, "os": os_, **({"variant": variant} if variant else {})}


def _manifest(media_type: str, document: dict[str, Any], blobs: tuple[bytes, ...]) -> Manifest:
    data = _json(document)
    return Manifest(_digest(data), media_type, data, blobs)


def _descriptor(manifest: Manifest) -> dict[str, Any]:
    return {"mediaType": manifest.media_type, "digest": manifest.digest, "size": len(manifest.data)}


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _tar(files: dict[str, str]) -> bytes:
    """A layer's tar, the same bytes every time: owner root, mode 0644, time 0."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()
