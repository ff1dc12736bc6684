"""npm's registry protocol at /_registry/npm/: parse, call one npm use case, answer.

A `.npmrc` needs two lines: `@OWNER:registry=http://HOST:PORT/_registry/npm/` and
`//HOST:PORT/_registry/npm/:_authToken=TOKEN`. Errors come back as npm's `{"error": ...}`
with the status npm's CLI explains to its user.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import orjson

from packyard.auth.tokens import parse_authorization
from packyard.core.context import Context
from packyard.core.formats import Formats
from packyard.core.ports import BlobStore, Store
from packyard.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Unauthenticated,
)
from packyard.domain.npm import NpmVersionRecord, tarball_filename
from packyard.domain.types import ANONYMOUS, Actor
from packyard.registries.asgi import Receive, Scope, Send, raw_headers, read_body
from packyard.registries.npm import service as npm
from packyard.services.auth import authenticate

PREFIX = "/_registry/npm"
ABBREVIATED = "application/vnd.npm.install-v1+json"

STATUS = {NotFound: 404, Unauthenticated: 401, Forbidden: 403, Conflict: 409, BadRequest: 400}


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] | None = None
    stream: Iterator[bytes] | None = None
    length: int | None = None


class NpmApp:
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
        self.clock = clock
        self.restore_window = restore_window

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        path = raw.split("?", 1)[0][len(PREFIX) :]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"]
        try:
            actor = self._actor(headers)
            ctx = Context(self.store, actor, self.clock(), self.restore_window, self.formats)
            reply = await self._route(ctx, method, path, headers, receive)
        except DomainError as error:
            status = next((code for cls, code in STATUS.items() if isinstance(error, cls)), 500)
            extra = {"WWW-Authenticate": 'Bearer realm="npm"'} if status == 401 else None
            reply = Reply(status, {"error": error.message}, extra)
        await _send(send, reply, method, headers)

    def _actor(self, headers: dict[str, str]) -> Actor:
        token = parse_authorization(headers.get("authorization"))
        return ANONYMOUS if token is None else authenticate(self.store, token, self.clock())

    async def _route(
        self, ctx: Context, method: str, path: str, headers: dict[str, str], receive: Receive
    ) -> Reply:
        segments = [unquote(s) for s in path.strip("/").split("/") if s]
        if segments[:2] == ["-", "whoami"]:
            if ctx.actor.user is None:
                raise Unauthenticated("log in to see who you are")
            return Reply(200, {"username": ctx.actor.user.login})
        if segments[:2] == ["-", "user"] and method == "PUT":
            return await self._login(ctx, receive)
        if segments[:3] == ["-", "package", segments[2] if len(segments) > 2 else ""]:
            name, rest = _package_name(segments[2:])
            return await self._dist_tags(ctx, method, name, rest, receive)
        name, rest = _package_name(segments)
        if method in ("GET", "HEAD") and not rest:
            return self._packument(ctx, name, headers)
        if method in ("GET", "HEAD") and len(rest) == 2 and rest[0] == "-":
            file = npm.tarball(ctx, name, rest[1])
            return Reply(
                200,
                headers={"Content-Type": "application/octet-stream"},
                stream=self.blobs.read(file.digest),
                length=file.size,
            )
        if method in ("GET", "HEAD") and len(rest) == 1:
            return self._version(ctx, name, rest[0])
        if method == "PUT" and (not rest or rest[0] == "-rev"):
            document = json.loads(await read_body(receive) or b"{}")
            if not rest and document.get("_attachments"):
                npm.publish(ctx, self.blobs, name, document)
            else:
                # `npm deprecate` PUTs the packument back; with -rev, `npm unpublish` PUTs it
                # without the versions it removes.
                npm.update(ctx, name, document, unpublish=bool(rest))
            return Reply(201, {"ok": True, "id": name})
        if method == "DELETE" and rest[:1] == ["-rev"]:
            npm.unpublish_package(ctx, name)
            return Reply(200, {"ok": True})
        if method == "DELETE" and len(rest) >= 2 and rest[0] == "-":
            # The tarball of a version unpublished a moment ago: its bytes go with GC.
            return Reply(200, {"ok": True})
        raise NotFound("not found")

    def _document(self, name: str, record: NpmVersionRecord) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(record.manifest)
        integrity, shasum = npm.tarball_hashes(record.tarball)
        document.update(
            {
                "_id": f"{name}@{record.version}",
                "dist": {
                    "integrity": integrity,
                    "shasum": shasum,
                    "tarball": f"{self.base_url}{PREFIX}/{name}/-/"
                    f"{tarball_filename(name, record.version)}",
                },
            }
        )
        if record.deprecated:
            document["deprecated"] = record.deprecated
        return document

    def _packument(self, ctx: Context, name: str, headers: dict[str, str]) -> Reply:
        found = npm.packument(ctx, name)
        modified = max(
            [found.package.updated_at, *(r.created_at for r in found.versions if r.created_at)]
        )
        full = {v.version: self._document(name, v) for v in found.versions}
        if ABBREVIATED in headers.get("accept", ""):
            body: dict[str, Any] = {
                "name": name,
                "modified": modified,
                "dist-tags": found.dist_tags,
                "versions": {
                    version: {
                        k: d[k] for k in (*npm.ABBREVIATED_KEYS, "dist", "deprecated") if k in d
                    }
                    for version, d in full.items()
                },
            }
            return Reply(200, body, {"Content-Type": ABBREVIATED})
        time = {"created": found.package.created_at, "modified": modified}
        time.update({r.version: r.created_at for r in found.versions if r.created_at})
        body = {
            "_id": name,
            "name": name,
            "dist-tags": found.dist_tags,
            "versions": full,
            "time": time,
            "_rev": f"{len(found.versions)}-{found.package.id}",
        }
        return Reply(200, body)

    def _version(self, ctx: Context, name: str, wanted: str) -> Reply:
        found = npm.packument(ctx, name)
        version = found.dist_tags.get(wanted, wanted)
        for record in found.versions:
            if record.version == version:
                return Reply(200, self._document(name, record))
        raise NotFound(f"{name} has no version or dist-tag {wanted}")

    async def _dist_tags(
        self, ctx: Context, method: str, name: str, rest: list[str], receive: Receive
    ) -> Reply:
        if rest[:1] != ["dist-tags"]:
            raise NotFound("not found")
        if method == "GET" and len(rest) == 1:
            return Reply(200, npm.dist_tags(ctx, name))
        if method == "PUT" and len(rest) == 2:
            version = json.loads(await read_body(receive) or b'""')
            return Reply(201, npm.set_dist_tag(ctx, name, rest[1], str(version)))
        if method == "DELETE" and len(rest) == 2:
            return Reply(200, npm.remove_dist_tag(ctx, name, rest[1]))
        raise NotFound("not found")

    async def _login(self, ctx: Context, receive: Receive) -> Reply:
        """`npm login --auth-type=legacy`: the password is a Packyard token."""
        document = json.loads(await read_body(receive) or b"{}")
        token = str(document.get("password", ""))
        actor = authenticate(self.store, token, self.clock())
        if actor.user is None or actor.user.login.lower() != str(document.get("name", "")).lower():
            raise Unauthenticated("the token does not belong to that user")
        return Reply(
            201, {"ok": True, "id": f"org.couchdb.user:{actor.user.login}", "token": token}
        )


def _package_name(segments: list[str]) -> tuple[str, list[str]]:
    """`@owner/name` arrives as one segment (`@owner%2fname`) or as two."""
    if not segments:
        raise NotFound("not found")
    if "/" in segments[0]:
        return segments[0], segments[1:]
    if segments[0].startswith("@") and len(segments) > 1:
        return f"{segments[0]}/{segments[1]}", segments[2:]
    return segments[0], segments[1:]


async def _send(send: Send, reply: Reply, method: str, request: dict[str, str]) -> None:
    headers = {"Content-Type": "application/json", **(reply.headers or {})}
    if reply.stream is not None:
        headers["Content-Length"] = str(reply.length or 0)
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": raw_headers(headers)}
        )
        if method != "HEAD":
            for chunk in reply.stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    body = (
        b""
        if reply.body is None
        else orjson.dumps(reply.body, option=orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS)
    )
    status = reply.status
    if status == 200 and method in ("GET", "HEAD"):
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        headers["ETag"] = etag
        if request.get("if-none-match") == etag:
            status, body = 304, b""
    headers["Content-Length"] = str(len(body))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers(headers)})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
