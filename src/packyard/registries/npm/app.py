"""npm's registry protocol at /_registry/npm/: parse, call one npm use case, answer.

A `.npmrc` needs two lines: `@OWNER:registry=http://HOST:PORT/_registry/npm/` and
`//HOST:PORT/_registry/npm/:_authToken=TOKEN`. Errors come back as npm's `{"error": ...}`
(`registries/npm/errors.py`).

Each request is handled whole in a worker thread (the services are synchronous, tarballs
are files): the event loop never waits on the database or the blob store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from packyard.auth.tokens import parse_authorization
from packyard.core.context import Context
from packyard.core.ports import BlobStore
from packyard.domain.errors import DomainError, NotFound, Unauthenticated
from packyard.domain.npm import NpmInvalid, NpmVersionRecord, tarball_filename
from packyard.domain.types import ANONYMOUS, Actor
from packyard.http.request import BodyRefused, Request
from packyard.http.response import Response
from packyard.http.router import Matcher, Params, Route, Router, match_pattern, segments
from packyard.http.threads import body_from_thread
from packyard.registries.npm import service as npm
from packyard.registries.npm.errors import JSON, error_response, refused, server_error
from packyard.registries.wiring import RegistryApp, Wiring, redirected, stored_blob
from packyard.services.auth import authenticate

PREFIX = "/_registry/npm"
ABBREVIATED = "application/vnd.npm.install-v1+json"


@dataclass(frozen=True, slots=True)
class Needs:
    body: bool  # reads the request's JSON document
    etag: bool  # a GET or HEAD answered 200 carries an ETag and honours If-None-Match
    # The most a body of the route may be, when far less than the registry's limit (which
    # a publish, carrying its tarballs, needs): past it, a 413 before it is read.
    body_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Call:
    ctx: Context
    request: Request
    params: Params
    needs: Needs
    blobs: BlobStore
    base_url: str

    @property
    def name(self) -> str:
        return self.params["name"]

    def value(self, empty: bytes) -> Any:
        """The request's JSON body (`empty` when there is none); only for routes that say so."""
        if not self.needs.body:
            raise RuntimeError("this route did not declare that it reads a body")
        try:
            return json.loads(body_from_thread(self.request, self.needs.body_limit) or empty)
        # JSONDecodeError, bytes that are not UTF-8, a number of thousands of digits; and
        # arrays nested deeper than the parser recurses.
        except (ValueError, RecursionError):
            raise NpmInvalid("the request body is not JSON") from None

    def document(self) -> dict[str, Any]:
        """The request's JSON object (`{}` when there is none)."""
        document = self.value(b"{}")
        if not isinstance(document, dict):
            raise NpmInvalid("the request body must be a JSON object")
        return document


Handler = Callable[[Call], Response]


def package(*rest: str, under: tuple[str, ...] = ()) -> Matcher:
    """A path naming a package, then `rest`: `@owner/name` comes as one segment
    (`@owner%2fname`) or as two."""

    def match(raw_path: str) -> Params | None:
        raw = segments(raw_path)[len(under) :]
        head = [unquote(s) for s in segments(raw_path)[: len(under) + 2]]
        if tuple(head[: len(under)]) != under or not raw:
            return None
        first = head[len(under)]
        if "/" in first or not first.startswith("@") or len(raw) == 1:
            name, tail = first, raw[1:]
        else:
            name, tail = f"{first}/{head[len(under) + 1]}", raw[2:]
        params = match_pattern(rest, tail)
        return None if params is None else {**params, "name": name}

    return match


# handlers -----------------------------------------------------------------------------


def whoami(call: Call) -> Response:
    if call.ctx.actor.user is None:
        raise Unauthenticated("log in to see who you are")
    return Response(200, {"username": call.ctx.actor.user.login})


def login(call: Call) -> Response:
    """`npm login --auth-type=legacy`: the password is a Packyard token."""
    document = call.document()
    token = str(document.get("password", ""))
    actor = authenticate(call.ctx.store, token, call.ctx.now)
    if actor.user is None or actor.user.login.lower() != str(document.get("name", "")).lower():
        raise Unauthenticated("the token does not belong to that user")
    return Response(201, {"ok": True, "id": f"org.couchdb.user:{actor.user.login}", "token": token})


def packument(call: Call) -> Response:
    found = npm.packument(call.ctx, call.name)
    name = call.name
    modified = max(
        [found.package.updated_at, *(r.created_at for r in found.versions if r.created_at)]
    )
    full = {v.version: _document(call.base_url, name, v) for v in found.versions}
    if ABBREVIATED in call.request.headers.get("accept", ""):
        body: dict[str, Any] = {
            "name": name,
            "modified": modified,
            "dist-tags": found.dist_tags,
            "versions": {
                version: {k: d[k] for k in (*npm.ABBREVIATED_KEYS, "dist", "deprecated") if k in d}
                for version, d in full.items()
            },
        }
        return Response(200, body, {"Content-Type": ABBREVIATED})
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
    return Response(200, body)


def version(call: Call) -> Response:
    found = npm.packument(call.ctx, call.name)
    wanted = call.params["version"]
    chosen = found.dist_tags.get(wanted, wanted)
    for record in found.versions:
        if record.version == chosen:
            return Response(200, _document(call.base_url, call.name, record))
    raise NotFound(f"{call.name} has no version or dist-tag {wanted}")


def tarball(call: Call) -> Response:
    get = call.request.method == "GET"
    file, download = npm.tarball(call.ctx, call.name, call.params["filename"], count_download=get)
    if (moved := redirected(call.blobs, call.request, file.digest, download)) is not None:
        return moved
    return Response(
        200,
        headers={"Content-Type": "application/octet-stream"},
        blob=stored_blob(call.blobs, file.digest, file.size, ranges=False),
        served=download,
    )


def publish_or_update(call: Call) -> Response:
    npm.put_packument(call.ctx, call.blobs, call.name, call.document, unpublish=False)
    return Response(201, {"ok": True, "id": call.name})


def unpublish_versions(call: Call) -> Response:
    """`npm unpublish name@version` PUTs the packument back without the versions it drops."""
    npm.put_packument(call.ctx, call.blobs, call.name, call.document, unpublish=True)
    return Response(201, {"ok": True, "id": call.name})


def unpublish_package(call: Call) -> Response:
    npm.unpublish_package(call.ctx, call.name)
    return Response(200, {"ok": True})


def forget_tarball(_call: Call) -> Response:
    """The tarball of a version unpublished a moment ago: its bytes go with GC."""
    return Response(200, {"ok": True})


def dist_tags(call: Call) -> Response:
    return Response(200, npm.dist_tags(call.ctx, call.name))


def set_dist_tag(call: Call) -> Response:
    chosen = call.value(b'""')
    if not isinstance(chosen, str):
        raise NpmInvalid("a dist-tag names a version: a JSON string")
    return Response(201, npm.set_dist_tag(call.ctx, call.name, call.params["tag"], chosen))


def remove_dist_tag(call: Call) -> Response:
    return Response(200, npm.remove_dist_tag(call.ctx, call.name, call.params["tag"]))


def _document(base_url: str, name: str, record: NpmVersionRecord) -> dict[str, Any]:
    try:
        stored = json.loads(record.manifest)
    except ValueError:  # a row no publish of this version wrote: the version's name stands
        stored = None
    document: dict[str, Any] = (
        stored if isinstance(stored, dict) else {"name": name, "version": record.version}
    )
    integrity, shasum = npm.tarball_hashes(record.tarball)
    document.update(
        {
            "_id": f"{name}@{record.version}",
            "dist": {
                "integrity": integrity,
                "shasum": shasum,
                "tarball": f"{base_url}{PREFIX}/{name}/-/{tarball_filename(name, record.version)}",
            },
        }
    )
    if record.deprecated:
        document["deprecated"] = record.deprecated
    return document


# the table ----------------------------------------------------------------------------

READ = Needs(body=False, etag=True)
STREAM = Needs(body=False, etag=False)
WRITE = Needs(body=True, etag=False)
# A dist-tag's body is a version as a JSON string (a version is at most 256 characters); a
# login's, a name and a token.
SET_TAG = Needs(body=True, etag=False, body_limit=1024)
LOG_IN = Needs(body=True, etag=False, body_limit=64 * 1024)
ACT = Needs(body=False, etag=False)

DIST_TAGS = package("dist-tags", under=("-", "package"))
DIST_TAG = package("dist-tags", "{tag}", under=("-", "package"))
TARBALL = package("-", "{filename}")
TARBALL_REV = package("-", "{filename}", "-rev", "{rev}")
REV = package("-rev", "{rev}")
PACKAGE = package()
VERSION = package("{version}")

ROUTES: list[Route[Handler, Needs]] = [
    Route("GET", ("-", "whoami"), whoami, READ),
    Route("HEAD", ("-", "whoami"), whoami, READ),
    Route("PUT", ("-", "user", "{user}"), login, LOG_IN),
    Route("GET", DIST_TAGS, dist_tags, READ),
    Route("PUT", DIST_TAG, set_dist_tag, SET_TAG),
    Route("DELETE", DIST_TAG, remove_dist_tag, ACT),
    Route("GET", TARBALL, tarball, STREAM),
    Route("HEAD", TARBALL, tarball, STREAM),
    Route("DELETE", TARBALL, forget_tarball, ACT),
    Route("DELETE", TARBALL_REV, forget_tarball, ACT),
    Route("PUT", REV, unpublish_versions, WRITE),
    Route("DELETE", REV, unpublish_package, ACT),
    Route("GET", PACKAGE, packument, READ),
    Route("HEAD", PACKAGE, packument, READ),
    Route("PUT", PACKAGE, publish_or_update, WRITE),
    Route("GET", VERSION, version, READ),
    Route("HEAD", VERSION, version, READ),
]


class NpmApp(RegistryApp):
    prefix = PREFIX

    def __init__(self, wiring: Wiring) -> None:
        super().__init__(wiring)
        self.router = Router(ROUTES)

    def server_error(self) -> Response:
        return server_error()

    def refusal(self, error: DomainError) -> Response:
        return error_response(error)

    def refused(self, refusal: BodyRefused) -> Response:
        return refused(refusal)

    def handle(self, request: Request) -> Response:
        try:
            actor = self._actor(request.headers)
            ctx = self.wiring.context(actor)
            found = self.router.match(request.method, request.raw_path)
            if found is None:
                raise NotFound("not found")
            route, params = found
            response = route.handler(
                Call(ctx, request, params, route.needs, self.blobs, self.base_url)
            )
            response.etag = route.needs.etag
        except DomainError as error:
            response = error_response(error)
        response.headers.setdefault("Content-Type", JSON)
        return response

    def _actor(self, headers: dict[str, str]) -> Actor:
        token = parse_authorization(headers.get("authorization"))
        return ANONYMOUS if token is None else authenticate(self.store, token, self.clock())
