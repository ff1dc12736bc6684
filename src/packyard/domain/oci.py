"""OCI and Docker manifests: what they are, what they reference, whether they are valid.

Pure parsing and rules; the registry stores the exact bytes it was given and records what
they reference, so deletes, referrers and garbage collection can follow the graph.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from packyard.domain.digests import InvalidDigest, parse_digest
from packyard.domain.errors import BadRequest, Forbidden, NotFound

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
IMAGE_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
MANIFEST_TYPES = IMAGE_TYPES | INDEX_TYPES
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
SOURCE_ANNOTATION = "org.opencontainers.image.source"

# The distribution spec's repository name grammar, one path component at a time.
NAME_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
NAME_PATTERN = re.compile(rf"{NAME_COMPONENT}(?:/{NAME_COMPONENT})*")
TAG_PATTERN = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
MAX_NAME_LENGTH = 255
# distribution's limit on a manifest's body (maxManifestBodySize): larger ones are refused
# before they are read whole, let alone parsed.
MAX_MANIFEST_SIZE = 4 * 1024 * 1024
# RFC 6838 (4.2) bounds a media type's type and subtype at 127 characters each; the store
# holds 255 (PostgreSQL refuses a longer one), so a longer mediaType or artifactType is no
# media type at all.
MAX_MEDIA_TYPE_LENGTH = 255
# A descriptor's size is an int64 in the image spec (and a BIGINT here).
MAX_DESCRIPTOR_SIZE = 2**63 - 1


class ManifestInvalid(ValueError):
    """The bytes are not a manifest we can store (the spec's MANIFEST_INVALID)."""


@dataclass(frozen=True, slots=True)
class Reference:
    """One descriptor a manifest points at."""

    digest: str
    size: int
    media_type: str
    kind: str  # "config", "layer", "manifest" (an index's child) or "subject"
    platform: dict[str, Any] | None = None
    artifact_type: str | None = None


@dataclass(frozen=True)
class ParsedManifest:
    media_type: str
    references: tuple[Reference, ...]
    artifact_type: str | None
    subject: Reference | None
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES

    @property
    def blobs(self) -> tuple[Reference, ...]:
        return tuple(r for r in self.references if r.kind in ("config", "layer"))

    @property
    def required_blobs(self) -> tuple[Reference, ...]:
        """Blobs the registry must hold: non-distributable (foreign) layers live elsewhere."""
        return tuple(r for r in self.blobs if not is_non_distributable(r.media_type))

    @property
    def children(self) -> tuple[Reference, ...]:
        return tuple(r for r in self.references if r.kind == "manifest")


def is_non_distributable(media_type: str) -> bool:
    return "nondistributable" in media_type or media_type.endswith(".foreign.diff.tar.gzip")


def is_valid_repository_name(name: str) -> bool:
    return len(name) <= MAX_NAME_LENGTH and NAME_PATTERN.fullmatch(name) is not None


def is_valid_tag(tag: str) -> bool:
    return TAG_PATTERN.fullmatch(tag) is not None


def split_repository(name: str) -> tuple[str, str]:
    """GHCR's naming: `/v2/OWNER/NAME...`, where the package name may hold `/`."""
    owner, sep, package = name.partition("/")
    if not sep or not package:
        raise ValueError(f"{name!r} is not OWNER/NAME")
    return owner, package


def _descriptor(data: Any, kind: str, where: str) -> Reference:
    if not isinstance(data, dict):
        raise ManifestInvalid(f"{where}: a descriptor must be an object")
    digest, size, media_type = data.get("digest"), data.get("size"), data.get("mediaType")
    if not isinstance(digest, str):
        raise ManifestInvalid(f"{where}.digest is missing")
    try:
        parse_digest(digest)
    except InvalidDigest as error:
        raise ManifestInvalid(f"{where}.digest: {error}") from None
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_DESCRIPTOR_SIZE:
        raise ManifestInvalid(f"{where}.size must be an integer from 0 to 2^63-1")
    if not isinstance(media_type, str) or not media_type:
        raise ManifestInvalid(f"{where}.mediaType is missing")
    _check_media_type(media_type, f"{where}.mediaType")
    platform = data.get("platform")
    artifact_type = data.get("artifactType")
    if isinstance(artifact_type, str):
        _check_media_type(artifact_type, f"{where}.artifactType")
    return Reference(
        digest=digest,
        size=size,
        media_type=media_type,
        kind=kind,
        platform=platform if isinstance(platform, dict) else None,
        artifact_type=artifact_type if isinstance(artifact_type, str) else None,
    )


def _check_media_type(media_type: str, where: str) -> None:
    if len(media_type) > MAX_MEDIA_TYPE_LENGTH:
        raise ManifestInvalid(f"{where} is longer than {MAX_MEDIA_TYPE_LENGTH} characters")


def parse_manifest(content: bytes, content_type: str | None) -> ParsedManifest:
    """Parse and check a pushed manifest; the media type comes from the body, else the
    request's Content-Type, and the two must agree when both are given."""
    if len(content) > MAX_MANIFEST_SIZE:
        raise ManifestInvalid(f"a manifest is at most {MAX_MANIFEST_SIZE} bytes")
    try:
        document = json.loads(content)
    # ValueError: not UTF-8, not JSON, a number of thousands of digits; RecursionError:
    # arrays or objects nested deeper than the parser recurses.
    except (ValueError, RecursionError) as error:
        raise ManifestInvalid(f"not JSON: {type(error).__name__}") from None
    if not isinstance(document, dict):
        raise ManifestInvalid("a manifest must be a JSON object")
    try:
        # Its strings reach the database (annotations, media types): a lone surrogate from
        # a `\ud800` escape would fail the insert.
        json.dumps(document, ensure_ascii=False).encode()
    except (UnicodeEncodeError, RecursionError):
        raise ManifestInvalid("a manifest must be valid Unicode") from None
    if document.get("schemaVersion") != 2:
        raise ManifestInvalid("schemaVersion must be 2")
    declared = document.get("mediaType")
    if declared is not None and not isinstance(declared, str):
        raise ManifestInvalid("mediaType must be a string")
    header = (content_type or "").split(";")[0].strip() or None
    if declared is not None and header is not None and declared != header:
        raise ManifestInvalid(f"mediaType {declared!r} does not match Content-Type {header!r}")
    media_type = declared or header
    if media_type is None:
        # OCI allows omitting mediaType: tell an index from an image by its shape.
        media_type = OCI_INDEX if "manifests" in document else OCI_MANIFEST
    if media_type not in MANIFEST_TYPES:
        raise ManifestInvalid(f"unsupported manifest media type {media_type!r}")
    references: list[Reference] = []
    if media_type in INDEX_TYPES:
        children = document.get("manifests")
        if not isinstance(children, list):
            raise ManifestInvalid("manifests must be a list")
        references += [
            _descriptor(c, "manifest", f"manifests[{i}]") for i, c in enumerate(children)
        ]
    else:
        references.append(_descriptor(document.get("config"), "config", "config"))
        layers = document.get("layers")
        if not isinstance(layers, list):
            raise ManifestInvalid("layers must be a list")
        references += [
            _descriptor(layer, "layer", f"layers[{i}]") for i, layer in enumerate(layers)
        ]
    subject = (
        _descriptor(document["subject"], "subject", "subject")
        if document.get("subject") is not None
        else None
    )
    artifact_type = document.get("artifactType")
    if isinstance(artifact_type, str):
        _check_media_type(artifact_type, "artifactType")
    if artifact_type is None and media_type == OCI_MANIFEST:
        # The distribution spec: without an artifactType, an image manifest's is its config
        # descriptor's media type (what the referrers API reports).
        artifact_type = references[0].media_type
    annotations = document.get("annotations")
    return ParsedManifest(
        media_type=media_type,
        references=tuple(references),
        artifact_type=artifact_type if isinstance(artifact_type, str) else None,
        subject=subject,
        annotations={k: str(v) for k, v in annotations.items()}
        if isinstance(annotations, dict)
        else {},
    )


def source_repository(annotations: dict[str, str], owner: str) -> str | None:
    """The `owner/name` repository an image says it came from, if it is one of `owner`'s
    on this server's host (GHCR links packages this way)."""
    source = annotations.get(SOURCE_ANNOTATION, "").rstrip("/").removesuffix(".git")
    match = re.fullmatch(r"https?://[^/]+/([^/]+)/([^/]+)", source)
    if match is None or match.group(1).lower() != owner.lower():
        return None
    return f"{match.group(1)}/{match.group(2)}"


# --- what registry use cases refuse with; registries/oci/errors.py maps each to its code ---


class NameUnknown(NotFound):
    """No such repository, or one the caller may not see."""


class BlobUnknown(NotFound):
    pass


class ManifestUnknown(NotFound):
    pass


class UploadUnknown(NotFound):
    pass


class NameInvalid(BadRequest):
    pass


class DigestInvalid(BadRequest):
    pass


class ManifestRejected(BadRequest):
    """A manifest that does not parse or breaks the spec's rules (MANIFEST_INVALID)."""


class ManifestTooLarge(BadRequest):
    """A manifest body over MAX_MANIFEST_SIZE, refused before it is read whole."""


class BlobTooLarge(BadRequest):
    """A blob upload past its registry's layer limit, refused before the bytes past it are
    stored."""


class PaginationNumberInvalid(BadRequest):
    """`n` of a tags listing that is not a count the registry serves."""


class ManifestBlobUnknown(BadRequest):
    """A manifest names a blob or child manifest the repository does not have."""

    def __init__(self, message: str, digest: str) -> None:
        super().__init__(message)
        self.digest = digest


class TagInvalid(BadRequest):
    pass


class Denied(Forbidden):
    """Authenticated, allowed to see, not allowed to do this (the spec's DENIED)."""


class UploadOffsetInvalid(BadRequest):
    """A chunk that does not start where the upload stands (answered 416)."""

    def __init__(self, message: str, expected: int) -> None:
        super().__init__(message)
        self.expected = expected


# What the store knows of manifests ------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManifestRecord:
    """A live container version's manifest: its bytes are the blob named `digest`."""

    version_id: int
    digest: str
    media_type: str
    size: int
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class ReferrerRecord:
    digest: str
    media_type: str
    size: int
    artifact_type: str | None
    annotations: dict[str, str]


@dataclass(frozen=True, slots=True)
class ParentRecord:
    """A live index that lists a manifest."""

    version_id: int
    digest: str
    tags: list[str]
