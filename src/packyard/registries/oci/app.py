"""The OCI distribution API at /v2/: parse, call one registry use case, answer.

Routes are matched from the end of the raw path, because repository names hold `/`:
`/v2/alice/tools/cli/manifests/latest` is the repository `alice/tools/cli`.

Authentication: Basic (any user, a Packyard token as the password) or Bearer (a Packyard
token, or what `/v2/token` hands out). `/v2/token` answers a login with a registry token that
stands for the login's token for five minutes (never the token itself), and anonymous callers
with an anonymous token, so clients that insist on the Bearer flow (docker, skopeo, oras)
work unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

import orjson

from packyard.auth.tokens import REGISTRY_TOKEN_SECONDS, parse_authorization
from packyard.core.context import Context
from packyard.core.formats import Formats
from packyard.core.ports import BlobStore, Store
from packyard.domain.errors import DomainError
from packyard.domain.oci import OCI_INDEX, UploadOffsetInvalid
from packyard.domain.types import ANONYMOUS, Actor
from packyard.registries.asgi import Receive, Scope, Send, raw_headers, read_body
from packyard.registries.oci import service as registry
from packyard.registries.oci.errors import ErrorCode, RegistryError, registry_error
from packyard.services.auth import authenticate, issue_registry_token

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


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    # Large bodies (blobs) are sent chunk by chunk, never held whole in memory.
    stream: Iterator[bytes] | None = None


class OciApp:
    def __init__(
        self,
        store: Store,
        blobs: BlobStore,
        base_url: str,
        clock: Callable[[], datetime],
        restore_window: timedelta,
        formats: Formats,
    ) -> None:
        self.formats = formats
        self.store = store
        self.blobs = blobs
        self.base_url = base_url.rstrip("/")
        self.service = base_url.split("://", 1)[-1].rstrip("/")
        self.clock = clock
        self.restore_window = restore_window

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        path = raw.split("?", 1)[0][len(PREFIX) :]
        query = dict(
            parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        )
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        # Clients send Accept more than once (skopeo sends six): keep every value.
        accepted = [
            part.split(";")[0].strip()
            for k, v in scope["headers"]
            if k == b"accept"
            for part in v.decode("latin-1").split(",")
        ]
        method = scope["method"]
        name = ""
        try:
            actor = self._actor(headers)
            if path in ("", "/"):
                answer = self._base(actor)
            elif path == "/token":
                answer = self._token(headers, query)
            else:
                name, route, rest = _route(path)
                ctx = Context(self.store, actor, self.clock(), self.restore_window, self.formats)
                answer = await self._dispatch(
                    ctx, method, name, route, rest, query, headers, receive, accepted
                )
        except RegistryError as error:
            answer = self._error(error, name, method)
        except UploadOffsetInvalid as error:
            answer = Answer(
                416,
                {"Range": f"0-{max(0, error.expected - 1)}", "Content-Type": "application/json"},
                RegistryError(ErrorCode.BLOB_UPLOAD_INVALID, message=error.message).body(),
            )
        except DomainError as error:
            answer = self._error(registry_error(error), name, method)
        if method == "HEAD":
            # A HEAD says how long the GET's body would be, and sends none.
            answer.headers.setdefault("Content-Length", str(len(answer.body)))
            answer.body = b""
        await _send(send, answer)

    # plumbing -----------------------------------------------------------------------

    def _actor(self, headers: dict[str, str]) -> Actor:
        token = parse_authorization(headers.get("authorization"))
        if token in (None, ANONYMOUS_TOKEN):
            return ANONYMOUS
        return authenticate(self.store, token, self.clock(), registry_tokens=True)

    def _challenge(self, name: str, method: str) -> str:
        actions = "pull" if method in ("GET", "HEAD") else "pull,push"
        scope = f',scope="repository:{name}:{actions}"' if name else ""
        return f'Bearer realm="{self.base_url}/v2/token",service="{self.service}"{scope}'

    def _error(self, error: RegistryError, name: str, method: str) -> Answer:
        headers = {"Content-Type": "application/json"}
        if error.status == 401:
            headers["WWW-Authenticate"] = self._challenge(name, method)
        return Answer(error.status, headers, error.body())

    def _base(self, actor: Actor) -> Answer:
        if actor.anonymous:
            raise RegistryError(ErrorCode.UNAUTHORIZED)
        return Answer(
            200,
            {"Content-Type": "application/json", "Docker-Distribution-API-Version": "registry/2.0"},
            b"{}",
        )

    def _token(self, headers: dict[str, str], query: dict[str, str]) -> Answer:
        header = headers.get("authorization", "")
        token, lifetime = ANONYMOUS_TOKEN, REGISTRY_TOKEN_SECONDS
        if header:
            presented = parse_authorization(header)
            if not presented:
                raise RegistryError(ErrorCode.UNAUTHORIZED)
            token, lifetime = issue_registry_token(self.store, presented, self.clock())
        body = orjson.dumps(
            {
                "token": token,
                "access_token": token,
                "expires_in": lifetime,
                "issued_at": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
        return Answer(200, {"Content-Type": "application/json"}, body)

    # routes -------------------------------------------------------------------------

    async def _dispatch(
        self,
        ctx: Context,
        method: str,
        name: str,
        route: str,
        rest: str,
        query: dict[str, str],
        headers: dict[str, str],
        receive: Receive,
        accepted: list[str],
    ) -> Answer:
        blobs = self.blobs
        if route == "manifests":
            if method in ("GET", "HEAD"):
                record, content = registry.get_manifest(
                    ctx,
                    blobs,
                    name,
                    rest,
                    count_download=method == "GET" and not is_inspection(headers),
                    accepted=accepted,
                )
                return Answer(
                    200,
                    {"Content-Type": record.media_type, "Docker-Content-Digest": record.digest},
                    content,
                )
            if method == "PUT":
                content = await read_body(receive)
                record = registry.put_manifest(
                    ctx, blobs, name, rest, content, headers.get("content-type")
                )
                answer_headers = {
                    "Location": f"{PREFIX}/{name}/manifests/{record.digest}",
                    "Docker-Content-Digest": record.digest,
                }
                if record.subject is not None:
                    answer_headers["OCI-Subject"] = record.subject
                return Answer(201, answer_headers)
            if method == "DELETE":
                registry.delete_manifest(ctx, name, rest)
                return Answer(202, {})
        elif route == "blobs" and method in ("GET", "HEAD"):
            size = registry.blob_size(ctx, blobs, name, rest)
            return self._blob(rest, size, headers.get("range"), method)
        elif route == "blobs" and method == "DELETE":
            registry.delete_blob(ctx, name, rest)
            return Answer(202, {})
        elif route == "referrers" and method == "GET":
            artifact_type = query.get("artifactType") or None
            found = registry.referrers(ctx, name, rest, artifact_type)
            answer_headers = {"Content-Type": OCI_INDEX}
            if artifact_type:
                answer_headers["OCI-Filters-Applied"] = "artifactType"
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
            return Answer(200, answer_headers, orjson.dumps(index))
        elif route == "uploads":
            return await self._upload(ctx, method, name, rest, query, headers, receive)
        elif route == "tags" and method == "GET":
            return self._tags(ctx, name, query)
        raise RegistryError(ErrorCode.UNSUPPORTED)

    def _blob(self, digest: str, size: int, range_header: str | None, method: str) -> Answer:
        headers = {
            "Docker-Content-Digest": digest,
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        start, end = 0, size
        status = 200
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header or "")
        if match is not None and (match.group(1) or match.group(2)):
            if not match.group(1):  # a suffix: the last N bytes
                start, end = max(0, size - int(match.group(2))), size
            else:
                start = int(match.group(1))
                end = min(size, int(match.group(2)) + 1) if match.group(2) else size
            if start >= size or start >= end:
                return Answer(416, {"Content-Range": f"bytes */{size}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        headers["Content-Length"] = str(end - start)
        if method == "HEAD":
            return Answer(status, headers)
        return Answer(status, headers, stream=self.blobs.read(digest, start, end))

    async def _upload(
        self,
        ctx: Context,
        method: str,
        name: str,
        upload_id: str,
        query: dict[str, str],
        headers: dict[str, str],
        receive: Receive,
    ) -> Answer:
        blobs = self.blobs
        if method == "POST" and not upload_id:
            if "mount" in query:
                size = registry.mount_blob(ctx, blobs, name, query["mount"], query.get("from", ""))
                if size is not None:
                    return Answer(
                        201,
                        {
                            "Location": f"{PREFIX}/{name}/blobs/{query['mount']}",
                            "Docker-Content-Digest": query["mount"],
                        },
                    )
            new_id = registry.start_upload(ctx, blobs, name)
            if "digest" in query:  # a monolithic upload: POST with the whole blob
                await self._append(ctx, name, new_id, receive, 0)
                registry.finish_upload(ctx, blobs, name, new_id, query["digest"], b"")
                return Answer(
                    201,
                    {
                        "Location": f"{PREFIX}/{name}/blobs/{query['digest']}",
                        "Docker-Content-Digest": query["digest"],
                    },
                )
            return self._progress(name, new_id, 0, 202)
        if not upload_id:
            raise RegistryError(ErrorCode.UNSUPPORTED)
        if method == "GET":
            size = registry.upload_size(ctx, blobs, name, upload_id)
            return self._progress(name, upload_id, size, 204)
        if method == "PATCH":
            offset = _range_start(headers.get("content-range"))
            size = await self._append(ctx, name, upload_id, receive, offset)
            return self._progress(name, upload_id, size, 202)
        if method == "PUT":
            if "digest" not in query:
                raise RegistryError(ErrorCode.DIGEST_INVALID, message="digest is required")
            offset = _range_start(headers.get("content-range"))
            await self._append(ctx, name, upload_id, receive, offset)
            registry.finish_upload(ctx, blobs, name, upload_id, query["digest"], b"")
            return Answer(
                201,
                {
                    "Location": f"{PREFIX}/{name}/blobs/{query['digest']}",
                    "Docker-Content-Digest": query["digest"],
                },
            )
        if method == "DELETE":
            registry.cancel_upload(ctx, blobs, name, upload_id)
            return Answer(204, {})
        raise RegistryError(ErrorCode.UNSUPPORTED)

    async def _append(
        self, ctx: Context, name: str, upload_id: str, receive: Receive, offset: int | None
    ) -> int:
        """Stream the request body into the upload, a few MB at a time."""
        size = registry.upload_size(ctx, self.blobs, name, upload_id)
        pending: list[bytes] = []
        buffered = 0
        more = True
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            more = bool(message.get("more_body"))
            if chunk:
                pending.append(chunk)
                buffered += len(chunk)
            if pending and (buffered >= APPEND_EVERY or not more):
                size = registry.append_upload(
                    ctx, self.blobs, name, upload_id, b"".join(pending), offset
                )
                offset = None if offset is None else size
                pending, buffered = [], 0
        return size

    def _progress(self, name: str, upload_id: str, size: int, status: int) -> Answer:
        return Answer(
            status,
            {
                "Location": f"{PREFIX}/{name}/blobs/uploads/{upload_id}",
                "Range": f"0-{max(0, size - 1)}",
                "Docker-Upload-UUID": upload_id,
            },
        )

    def _tags(self, ctx: Context, name: str, query: dict[str, str]) -> Answer:
        n = int(query["n"]) if query.get("n", "").isdigit() else None
        last = query.get("last") or None
        tags = registry.list_tags(ctx, name, last, n)
        headers = {"Content-Type": "application/json"}
        if n is not None and len(tags) == n and tags:
            following = registry.list_tags(ctx, name, tags[-1], 1)
            if following:
                headers["Link"] = (
                    f'<{PREFIX}/{name}/tags/list?n={n}&last={quote(tags[-1])}>; rel="next"'
                )
        return Answer(200, headers, orjson.dumps({"name": name, "tags": tags}))


def _route(path: str) -> tuple[str, str, str]:
    """(repository name, route, the rest) from a path below /v2."""
    for marker, route in (
        ("/blobs/uploads/", "uploads"),
        ("/blobs/uploads", "uploads"),
        ("/manifests/", "manifests"),
        ("/blobs/", "blobs"),
        ("/tags/list", "tags"),
        ("/referrers/", "referrers"),
    ):
        head, sep, tail = path.rpartition(marker)
        if sep and head.startswith("/"):
            return head[1:], route, unquote(tail)
    raise RegistryError(ErrorCode.NAME_UNKNOWN, message="no such route")


def _range_start(value: str | None) -> int | None:
    if not value:
        return None
    match = _CONTENT_RANGE.match(value.strip())
    if match is None:
        raise RegistryError(ErrorCode.BLOB_UPLOAD_INVALID, message="bad Content-Range")
    return int(match.group(1))


async def _send(send: Send, answer: Answer) -> None:
    headers = raw_headers(answer.headers)
    if not any(k == b"content-length" for k, _ in headers):
        headers.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    if answer.stream is None:
        await send({"type": "http.response.body", "body": answer.body})
        return
    for chunk in answer.stream:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
