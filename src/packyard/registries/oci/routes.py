"""The OCI distribution API's routes: each declares what it needs; each handler parses,
calls one use case of `registries/oci/service.py` and answers.

Routes are matched from the end of the raw path, because repository names hold `/`:
`/v2/alice/tools/cli/manifests/latest` is the repository `alice/tools/cli`. Handlers run in
a worker thread (see `OciApp`); the ones that read a body get it from there.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, unquote

from packyard.auth.tokens import OCI_TOKEN_SECONDS, SigningKeys, parse_authorization
from packyard.core.context import Context
from packyard.core.ports import BlobStore
from packyard.domain.oci import (
    MAX_MANIFEST_SIZE,
    OCI_INDEX,
    BlobTooLarge,
    BlobUnknown,
    ManifestTooLarge,
    PaginationNumberInvalid,
)
from packyard.http.request import Request
from packyard.http.response import Response
from packyard.http.router import Matcher, Params, Route
from packyard.http.threads import batches_from_thread
from packyard.registries.oci import blobs as oci_blobs
from packyard.registries.oci import service as registry
from packyard.registries.oci.errors import JSON, ErrorCode, RegistryError
from packyard.registries.oci.naming import Naming, RepoName
from packyard.registries.wiring import redirected, stored_blob
from packyard.services.auth import issue_oci_token

PREFIX = "/v2"
ANONYMOUS_TOKEN = "anonymous"
# Bytes of a request body gathered before each append to the blob store.
APPEND_EVERY = 8 * 1024 * 1024
_CONTENT_RANGE = re.compile(r"^(?:bytes )?(\d+)-(\d+)$")

# A manifest GET is a pull and counts as a download, except when the caller says it only
# inspects (retention tools reading every manifest would otherwise make each version look
# "downloaded today", and creep towards the 5,000-downloads rule).
PURPOSE_HEADER = "packyard-purpose"
INSPECT = "inspect"


def is_inspection(headers: dict[str, str]) -> bool:
    return headers.get(PURPOSE_HEADER, "").strip().lower() == INSPECT


class Action(enum.StrEnum):
    """What a 401's challenge asks the client to fetch a token for."""

    PULL = "pull"
    PUSH = "pull,push"


class Body(enum.Enum):
    NONE = "none"
    WHOLE = "whole"  # a document: a manifest
    STREAM = "stream"  # a blob, appended a few MB at a time, never held whole


@dataclass(frozen=True, slots=True)
class Needs:
    action: Action
    body: Body


@dataclass(frozen=True, slots=True)
class Call:
    ctx: Context
    request: Request
    params: Params
    needs: Needs
    blobs: BlobStore
    naming: Naming
    registry_keys: SigningKeys

    @property
    def name(self) -> RepoName:
        return RepoName(self.params.get("name", ""), self.naming)

    @property
    def reference(self) -> str:
        return self.params.get("reference", "")

    def manifest(self) -> bytes:
        """The whole body, a manifest: refused unread when it says it is larger than
        MAX_MANIFEST_SIZE, and once it grows past it when it does not say."""
        if self.needs.body is not Body.WHOLE:
            raise RuntimeError("this route did not declare that it reads a whole body")
        too_large = ManifestTooLarge(f"a manifest is at most {MAX_MANIFEST_SIZE} bytes")
        if self.request.declares_more_than(MAX_MANIFEST_SIZE):
            raise too_large
        parts, size = [], 0
        for batch in batches_from_thread(self.request, 64 * 1024):
            size += len(batch)
            if size > MAX_MANIFEST_SIZE:
                raise too_large
            parts.append(batch)
        return b"".join(parts)

    def batches(self) -> Iterator[bytes]:
        if self.needs.body is not Body.STREAM:
            raise RuntimeError("this route did not declare that it streams its body")
        return batches_from_thread(self.request, APPEND_EVERY)


Handler = Callable[[Call], Response]


def from_end(*markers: str) -> Matcher:
    """`/<name><marker><reference>`, the marker found from the end: names hold `/`."""

    def match(raw_path: str) -> Params | None:
        for marker in markers:
            head, sep, tail = raw_path.rpartition(marker)
            if sep and head.startswith("/"):
                return {"name": head[1:], "reference": unquote(tail)}
        return None

    return match


# handlers -----------------------------------------------------------------------------


def base(call: Call) -> Response:
    if call.ctx.actor.anonymous:
        raise RegistryError(ErrorCode.UNAUTHORIZED)
    headers = {"Content-Type": JSON, "Docker-Distribution-API-Version": "registry/2.0"}
    return Response(200, {}, headers)


def token(call: Call) -> Response:
    """A login gets a registry token standing for its token; anonymous callers get one too,
    so clients that insist on the Bearer flow (docker, skopeo, oras) work unchanged. A
    registry token is no login: it is refused (401), or a leaked one would live for ever."""
    header = call.request.headers.get("authorization", "")
    issued, lifetime = ANONYMOUS_TOKEN, OCI_TOKEN_SECONDS
    if header:
        presented = parse_authorization(header)
        if not presented:
            raise RegistryError(ErrorCode.UNAUTHORIZED)
        issued, lifetime = issue_oci_token(
            call.ctx.store, call.registry_keys, presented, call.ctx.now
        )
    body = {
        "token": issued,
        "access_token": issued,
        "expires_in": lifetime,
        "issued_at": call.ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return Response(200, body, {"Content-Type": JSON})


def get_manifest(call: Call) -> Response:
    record, content, download = registry.get_manifest(
        call.ctx,
        call.blobs,
        call.name,
        call.reference,
        count_download=call.request.method == "GET" and not is_inspection(call.request.headers),
        accepted=call.request.accepted(),
    )
    headers = {"Content-Type": record.media_type, "Docker-Content-Digest": record.digest}
    return Response(200, headers=headers, content=content, served=download)


def put_manifest(call: Call) -> Response:
    media_type = call.request.headers.get("content-type")
    record = registry.put_manifest(
        call.ctx, call.blobs, call.name, call.reference, call.manifest, media_type
    )
    headers = {
        "Location": f"{PREFIX}/{call.name}/manifests/{record.digest}",
        "Docker-Content-Digest": record.digest,
    }
    if record.subject is not None:
        headers["OCI-Subject"] = record.subject
    return Response(201, headers=headers)


def delete_manifest(call: Call) -> Response:
    registry.delete_manifest(call.ctx, call.name, call.reference)
    return Response(202)


def get_blob(call: Call) -> Response:
    digest, blobs = call.reference, call.blobs
    size = oci_blobs.blob_size(call.ctx, blobs, call.name, digest)
    if (moved := redirected(blobs, call.request, digest)) is not None:
        return moved
    headers = {"Docker-Content-Digest": digest, "Content-Type": "application/octet-stream"}
    gone = BlobUnknown(f"blob {digest} is not in {call.name}")
    return Response(200, headers=headers, blob=stored_blob(blobs, digest, size, True, gone))


def delete_blob(call: Call) -> Response:
    oci_blobs.delete_blob(call.ctx, call.name, call.reference)
    return Response(202)


def referrers(call: Call) -> Response:
    artifact_type = call.request.query.get("artifactType") or None
    found = registry.referrers(call.ctx, call.name, call.reference, artifact_type)
    headers = {"Content-Type": OCI_INDEX}
    if artifact_type:
        headers["OCI-Filters-Applied"] = "artifactType"
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": r.media_type,
                "digest": r.digest,
                "size": r.size,
                **({"artifactType": r.artifact_type} if r.artifact_type else {}),
                **({"annotations": r.annotations} if r.annotations else {}),
            }
            for r in found
        ],
    }
    return Response(200, index, headers)


MAX_TAGS_PAGE = 10_000  # `n` beyond it is distribution's PAGINATION_NUMBER_INVALID


def page_size(value: str | None) -> int | None:
    """`n` of a tags listing: absent, or a count of ASCII digits up to MAX_TAGS_PAGE (Python's
    int() also reads `١٠` and thousands of digits: neither is a page size)."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        raise PaginationNumberInvalid(f"n must be a number from 0 to {MAX_TAGS_PAGE}")
    n = int(value)
    if n > MAX_TAGS_PAGE:
        raise PaginationNumberInvalid(f"n must be a number from 0 to {MAX_TAGS_PAGE}")
    return n


def tags(call: Call) -> Response:
    query = call.request.query
    n = page_size(query.get("n"))
    last = query.get("last") or None
    found = registry.list_tags(call.ctx, call.name, last, n)
    headers = {"Content-Type": JSON}
    more = n is not None and len(found) == n and found
    if more and registry.list_tags(call.ctx, call.name, found[-1], 1):
        # Built from what was validated only: the name resolved (the spec's grammar), `n` a
        # number, the last tag one that was pushed (TAG_PATTERN): no query text is echoed.
        headers["Link"] = (
            f'<{PREFIX}/{call.name}/tags/list?n={n}&last={quote(found[-1])}>; rel="next"'
        )
    return Response(200, {"name": call.name.text, "tags": found}, headers)


# uploads ------------------------------------------------------------------------------


def start_upload(call: Call) -> Response:
    """POST: a new upload; or a mount from another repository; or, with `digest`, the
    whole blob at once."""
    if call.reference:
        raise RegistryError(ErrorCode.UNSUPPORTED)
    ctx, blobs, name, query = call.ctx, call.blobs, call.name, call.request.query
    if "mount" in query:
        mounted = oci_blobs.mount_blob(ctx, blobs, name, query["mount"], query.get("from", ""))
        if mounted is not None:  # else: not mountable here, so a plain upload starts
            return _created(name, query["mount"])
    new_id = oci_blobs.start_upload(ctx, blobs, name)
    if "digest" in query:
        _append(call, new_id, 0)
        oci_blobs.finish_upload(ctx, blobs, name, new_id, query["digest"], b"")
        return _created(name, query["digest"])
    return _progress(name, new_id, 0, 202)


def upload_status(call: Call) -> Response:
    size = oci_blobs.upload_size(call.ctx, call.blobs, call.name, _upload_id(call))
    return _progress(call.name, call.reference, size, 204)


def append_upload(call: Call) -> Response:
    offset = _range_start(call.request.headers.get("content-range"))
    size = _append(call, _upload_id(call), offset)
    return _progress(call.name, call.reference, size, 202)


def finish_upload(call: Call) -> Response:
    upload_id, digest = _upload_id(call), call.request.query.get("digest")
    if digest is None:
        raise RegistryError(ErrorCode.DIGEST_INVALID, message="digest is required")
    _append(call, upload_id, _range_start(call.request.headers.get("content-range")))
    oci_blobs.finish_upload(call.ctx, call.blobs, call.name, upload_id, digest, b"")
    return _created(call.name, digest)


def cancel_upload(call: Call) -> Response:
    oci_blobs.cancel_upload(call.ctx, call.blobs, call.name, _upload_id(call))
    return Response(204)


def _upload_id(call: Call) -> str:
    if not call.reference:
        raise RegistryError(ErrorCode.UNSUPPORTED)
    return call.reference


def _append(call: Call, upload_id: str, offset: int | None) -> int:
    """Stream the request body into the upload, a few MB at a time; what would take the blob
    past the endpoint's layer limit is refused (413) before it is stored."""
    limit = call.naming.max_blob_size
    size = oci_blobs.upload_size(call.ctx, call.blobs, call.name, upload_id)
    if call.request.declares_more_than(max(0, limit - size)):
        raise BlobTooLarge(f"a layer is at most {limit} bytes")
    for batch in call.batches():
        if size + len(batch) > limit:
            raise BlobTooLarge(f"a layer is at most {limit} bytes")
        size = oci_blobs.append_upload(call.ctx, call.blobs, call.name, upload_id, batch, offset)
        offset = None if offset is None else size
    return size


def _created(name: RepoName, digest: str) -> Response:
    headers = {"Location": f"{PREFIX}/{name}/blobs/{digest}", "Docker-Content-Digest": digest}
    return Response(201, headers=headers)


def _progress(name: RepoName, upload_id: str, size: int, status: int) -> Response:
    headers = {
        "Location": f"{PREFIX}/{name}/blobs/uploads/{upload_id}",
        "Range": f"0-{max(0, size - 1)}",
        "Docker-Upload-UUID": upload_id,
    }
    return Response(status, headers=headers)


def _range_start(value: str | None) -> int | None:
    if not value:
        return None
    match = _CONTENT_RANGE.match(value.strip())
    if match is None:
        raise RegistryError(ErrorCode.BLOB_UPLOAD_INVALID, message="bad Content-Range")
    return int(match.group(1))


# the table ----------------------------------------------------------------------------
# Matchers are tried in this order, as the markers must be: `/blobs/uploads/` before
# `/blobs/`. The action is what a 401 challenge asks for: GET and HEAD pull, the rest push
# (an upload's status GET included, as before).

PULL = Needs(Action.PULL, Body.NONE)
PUSH = Needs(Action.PUSH, Body.NONE)
PUSH_DOCUMENT = Needs(Action.PUSH, Body.WHOLE)
PUSH_STREAM = Needs(Action.PUSH, Body.STREAM)

UPLOADS = from_end("/blobs/uploads/", "/blobs/uploads")
MANIFESTS = from_end("/manifests/")
BLOBS = from_end("/blobs/")
TAGS = from_end("/tags/list")
REFERRERS = from_end("/referrers/")

ROUTES: list[Route[Handler, Needs]] = [
    Route("GET", (), base, PULL),
    Route("HEAD", (), base, PULL),
    Route("GET", ("token",), token, PULL),
    Route("POST", ("token",), token, PUSH),
    Route("POST", UPLOADS, start_upload, PUSH_STREAM),
    Route("GET", UPLOADS, upload_status, PULL),
    Route("PATCH", UPLOADS, append_upload, PUSH_STREAM),
    Route("PUT", UPLOADS, finish_upload, PUSH_STREAM),
    Route("DELETE", UPLOADS, cancel_upload, PUSH),
    Route("GET", MANIFESTS, get_manifest, PULL),
    Route("HEAD", MANIFESTS, get_manifest, PULL),
    Route("PUT", MANIFESTS, put_manifest, PUSH_DOCUMENT),
    Route("DELETE", MANIFESTS, delete_manifest, PUSH),
    Route("GET", BLOBS, get_blob, PULL),
    Route("HEAD", BLOBS, get_blob, PULL),
    Route("DELETE", BLOBS, delete_blob, PUSH),
    Route("GET", TAGS, tags, PULL),
    Route("GET", REFERRERS, referrers, PULL),
]
