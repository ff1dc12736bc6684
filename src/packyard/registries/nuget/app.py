"""GitHub's NuGet registry at /_registry/nuget/OWNER/ (GitHub Enterprise Server's path form
of nuget.pkg.github.com/OWNER/index.json): the v3 protocol nuget.exe and `dotnet nuget`
speak — the service index, push and delete, registrations, the flat container and search.
The addresses are drawn in `documents.py`.

GitHub asks for a token even for public packages, and so does this registry: every request
without credentials is answered 401 with a Basic challenge, which is what makes nuget.config's
`packageSourceCredentials` be sent at all (the client tries without them first). A token
comes as Basic's password (any user name), as a Bearer token, or as the API key
(`X-NuGet-ApiKey`); when both are sent, `Authorization` decides, so a placeholder API key
beside real credentials does no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from packyard.auth.tokens import parse_authorization
from packyard.core.context import Context
from packyard.core.ports import BlobStore
from packyard.domain.errors import DomainError, NotFound, Unauthenticated
from packyard.domain.nuget import (
    DEFAULT_SEARCH_TAKE,
    MAX_NUPKG_SIZE,
    MAX_SEARCH_TAKE,
    NuGetInvalid,
    wants_semver2,
)
from packyard.domain.types import Actor
from packyard.http.request import BodyRefused, Request
from packyard.http.response import Response
from packyard.http.router import Params, Route, Router
from packyard.http.threads import body_from_thread
from packyard.registries.nuget import documents
from packyard.registries.nuget import service as nuget
from packyard.registries.nuget.errors import error_response, refused, server_error, text
from packyard.registries.nuget.nupkg import package_of_push
from packyard.registries.wiring import RegistryApp, Wiring, redirected, stored_blob
from packyard.services.auth import authenticate

PREFIX = "/_registry/nuget"
OCTETS = "application/octet-stream"
XML = "application/xml"
API_KEY_HEADER = "x-nuget-apikey"
# A push's multipart form around the package: boundaries and a part's headers.
MAX_FORM_OVERHEAD = 64 * 1024
TRUE = "true"


@dataclass(frozen=True, slots=True)
class Call:
    ctx: Context
    request: Request
    params: Params
    blobs: BlobStore
    feed: documents.Feed

    @property
    def owner(self) -> str:
        return self.params["owner"]


Handler = Callable[[Call], Response]


# handlers -----------------------------------------------------------------------------


def service_index(call: Call) -> Response:
    nuget.feed_owner(call.ctx, call.owner)
    return Response(200, documents.service_index(call.feed))


def registration_index(call: Call) -> Response:
    package_id = call.params["id"]
    found = nuget.versions(call.ctx, call.owner, package_id)
    return Response(200, documents.registration_index(call.feed, found[0].spec.id, found))


def registration_leaf(call: Call) -> Response:
    leaf = call.params["leaf"]
    if not leaf.endswith(".json"):
        raise NotFound(f"{leaf} is not known")
    found = nuget.version(call.ctx, call.owner, call.params["id"], leaf.removesuffix(".json"))
    return Response(200, documents.registration_leaf(call.feed, found))


def flat_versions(call: Call) -> Response:
    found = nuget.versions(call.ctx, call.owner, call.params["id"])
    return Response(200, documents.flat_versions(found))


def package_file(call: Call) -> Response:
    """A `.nupkg` (each GET counts one download of its version) or a `.nuspec`."""
    name = call.params["file"]
    file, download = nuget.package_file(
        call.ctx,
        call.owner,
        call.params["id"],
        call.params["version"],
        name,
        count_download=call.request.method == "GET",
    )
    nuspec = name.lower().endswith(".nuspec")
    moved = None if nuspec else redirected(call.blobs, call.request, file.digest, download)
    if moved is not None:
        return moved  # a .nuspec is the package's metadata: answered here
    return Response(
        200,
        headers={
            "Content-Type": XML if nuspec else OCTETS,
            "ETag": f'"{file.hashes.get("sha256", file.digest)}"',
        },
        blob=stored_blob(call.blobs, file.digest, file.size, ranges=True),
        served=download,
    )


def search(call: Call) -> Response:
    query = call.request.query
    skip = _count(query.get("skip", ""), 0, "skip")
    take = min(_count(query.get("take", ""), DEFAULT_SEARCH_TAKE, "take"), MAX_SEARCH_TAKE)
    found = nuget.search(
        call.ctx,
        call.owner,
        query.get("q", ""),
        slice(skip, skip + take),
        prerelease=query.get("prerelease", "").lower() == TRUE,
        semver2=wants_semver2(query.get("semVerLevel", "")),
    )
    return Response(200, documents.search_results(call.feed, found.total, found.found))


def _count(value: str, default: int, name: str) -> int:
    if not value:
        return default
    if not value.isdigit():
        raise NuGetInvalid(f"{name} must be a whole number, not {value!r}")
    return int(value)


def push(call: Call) -> Response:
    spec = nuget.push(call.ctx, call.blobs, call.owner, lambda: _package_of(call.request))
    return text(201, f"Your package {spec.id} {spec.version} was pushed.")


def _package_of(request: Request) -> bytes:
    """The pushed `.nupkg`, out of its form. The body is read within the registry's limit
    (GitHub's, a package under 2.147 GB, in its form: `Request.body`): refused (413) unread
    when its length says it is past it, and as soon as it passes it when it does not, so an
    oversized push is never held whole."""
    package = package_of_push(request.headers.get("content-type", ""), body_from_thread(request))
    if len(package) > MAX_NUPKG_SIZE:
        raise NuGetInvalid(f"The package is larger than the limit of {MAX_NUPKG_SIZE} bytes.")
    return package


def delete(call: Call) -> Response:
    nuget.delete(call.ctx, call.owner, call.params["id"], call.params["version"])
    return Response(204, content=b"")


# the table ----------------------------------------------------------------------------

OWNER = "{owner}"
PUBLISH = (OWNER, "api", "v2", "package")


def readable(pattern: tuple[str, ...], handler: Handler) -> list[Route[Handler, None]]:
    """GET, and HEAD (answered with GET's headers), of one path."""
    return [Route(method, (OWNER, *pattern), handler, None) for method in ("GET", "HEAD")]


ROUTES: list[Route[Handler, None]] = [
    *readable(("index.json",), service_index),
    # The router ignores a trailing `/`: `PUT …/api/v2/package/`, as some clients send it,
    # is this route too. GitHub's own publish address is the feed's root: taken as well.
    Route("PUT", PUBLISH, push, None),
    Route("PUT", (OWNER,), push, None),
    Route("DELETE", (*PUBLISH, "{id}", "{version}"), delete, None),
    Route("DELETE", (OWNER, "{id}", "{version}"), delete, None),
    *readable(("registration", "{id}", "index.json"), registration_index),
    *readable(("registration", "{id}", "{leaf}"), registration_leaf),
    *readable(("download", "{id}", "index.json"), flat_versions),
    *readable(("download", "{id}", "{version}", "{file}"), package_file),
    *readable(("query",), search),
]


class NuGetApp(RegistryApp):
    prefix = PREFIX
    # GitHub's: "The nupkg archive … must be smaller than 2.147 GB", and its push's form.
    body_limit = MAX_NUPKG_SIZE + MAX_FORM_OVERHEAD

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
            if actor.anonymous:
                # GitHub answers every anonymous request so, public packages too; clients
                # then send the source's credentials.
                raise Unauthenticated("authentication required")
            ctx = self.wiring.context(actor)
            found = self.router.match(request.method, request.raw_path)
            if found is None:
                if self.router.knows(request.raw_path):
                    return text(405, "Method Not Allowed")
                raise NotFound("not found")
            route, params = found
            feed = documents.Feed(f"{self.base_url}{PREFIX}/{params['owner']}")
            return route.handler(Call(ctx, request, params, self.blobs, feed))
        except DomainError as error:
            return error_response(error)

    def _actor(self, headers: dict[str, str]) -> Actor:
        token = parse_authorization(headers.get("authorization"))
        if token is None:
            token = headers.get(API_KEY_HEADER) or None
        return authenticate(self.store, token, self.clock())
