"""GitHub's Maven registry at /_registry/maven/OWNER/REPOSITORY/ (GitHub Enterprise
Server's path form of maven.pkg.github.com/OWNER/REPOSITORY): the Maven 2 layout, PUT to
deploy, GET and HEAD to resolve, and `/OWNER/*/` to read across the owner's repositories.

Maven sends every GET without credentials first and retries with Basic after a 401; PUTs
carry Basic from the start, with `Expect: 100-continue` (the server sends `100 Continue`
only once the body is read, after the caller is authorized).
"""

from __future__ import annotations

from urllib.parse import unquote

from packyard.auth.tokens import parse_authorization
from packyard.core.context import Context
from packyard.domain.errors import DomainError, NotFound, Unauthenticated
from packyard.domain.maven import ArtifactFile, parse_path
from packyard.domain.types import ANONYMOUS, Actor
from packyard.http.request import BodyRefused, Request
from packyard.http.response import Response
from packyard.http.router import segments
from packyard.http.threads import body_from_thread, in_thread
from packyard.registries.maven import service as maven
from packyard.registries.maven.errors import TEXT, error_response, refused, server_error
from packyard.registries.maven.metadata import XML_TYPE
from packyard.registries.wiring import (
    RegistryApp,
    Wiring,
    redirected,
    stored_blob,
    stored_bytes,
)
from packyard.services.auth import authenticate

PREFIX = "/_registry/maven"
ALLOWED = "GET, HEAD, PUT"
# Below OWNER/REPOSITORY, a path names at least artifactId/maven-metadata.xml.
MIN_SEGMENTS = 4
# Files up to this size are read whole and sent in one piece; larger ones are streamed.
INLINE_SIZE = 256 * 1024

CONTENT_TYPES = {
    "pom": XML_TYPE,
    "xml": XML_TYPE,
    "module": "application/json",
    "jar": "application/java-archive",
    "war": "application/java-archive",
    "ear": "application/java-archive",
    "asc": "text/plain",
}
OCTETS = "application/octet-stream"
# Checksums sent as headers as repository managers do, so a client may skip fetching them.
CHECKSUM_HEADERS = {
    "md5": "X-Checksum-MD5",
    "sha1": "X-Checksum-SHA1",
    "sha256": "X-Checksum-SHA256",
}


class MavenApp(RegistryApp):
    prefix = PREFIX

    def __init__(self, wiring: Wiring) -> None:
        super().__init__(wiring)

    def server_error(self) -> Response:
        return server_error()

    def refusal(self, error: DomainError) -> Response:
        return error_response(error)

    def refused(self, refusal: BodyRefused) -> Response:
        return refused(refusal)

    async def _respond(self, request: Request) -> Response:
        # Maven sends every GET without credentials first: the challenge needs no database,
        # so it is answered here, without a hop to a worker thread.
        if "authorization" not in request.headers:
            return error_response(Unauthenticated(maven.TOKEN_NEEDED))
        if request.method not in ("GET", "HEAD"):
            return await super()._respond(request)
        # A resolve is hundreds of reads of a few primary-key rows each: answered inline on
        # the event loop, as the REST API's reads are (a hop to a worker thread costs more
        # than the queries). Bytes beyond INLINE_SIZE still stream from the pool. A blob
        # store whose reads are network calls (S3) is read from a worker thread instead.
        if not self.blobs.local:
            return await in_thread(self._read, request)
        return self._read(request)

    def _read(self, request: Request) -> Response:
        """A GET or HEAD: a file, a checksum or generated metadata."""
        try:
            ctx, address = self._address(request)
            served = maven.read(ctx, address, head=request.method == "HEAD")
            return self._served(address, served, request)
        except DomainError as error:
            return error_response(error)

    def handle(self, request: Request) -> Response:
        """In a worker thread: deploys (the body is read from here)."""
        try:
            if request.method != "PUT":
                return Response(
                    405,
                    content=b"Method Not Allowed\n",
                    headers={"Content-Type": TEXT, "Allow": ALLOWED},
                )
            ctx, address = self._address(request)
            maven.deploy(ctx, self.blobs, address, lambda: body_from_thread(request))
            return Response(200, content=b"", headers={"Content-Type": TEXT})
        except DomainError as error:
            return error_response(error)

    def _address(self, request: Request) -> tuple[Context, maven.Address]:
        actor = self._actor(request.headers)
        parts = [unquote(s) for s in segments(request.raw_path)]
        if len(parts) < MIN_SEGMENTS:
            raise NotFound("not a path of a Maven repository: /OWNER/REPOSITORY/group/…")
        owner, repository, *rest = parts
        return self.wiring.context(actor), maven.Address(owner, repository, parse_path(rest))

    def _served(self, address: maven.Address, served: maven.Served, request: Request) -> Response:
        head = request.method == "HEAD"
        file = served.file
        if file is None:
            kind = TEXT if address.path.checksum else XML_TYPE
            return Response(200, content=served.content, headers={"Content-Type": kind})
        if (moved := redirected(self.blobs, request, file.digest, served.download)) is not None:
            return moved
        target = address.path.target
        extension = target.extension if isinstance(target, ArtifactFile) else ""
        headers = {
            "Content-Type": CONTENT_TYPES.get(extension.rpartition(".")[2], OCTETS),
            "Last-Modified": file.created_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "ETag": f'"{file.hashes.get("sha1", file.digest)}"',
        }
        for algorithm, header in CHECKSUM_HEADERS.items():
            if algorithm in file.hashes:
                headers[header] = file.hashes[algorithm]
        blobs, digest = self.blobs, file.digest
        if file.size <= INLINE_SIZE and not head and "range" not in request.headers:
            # Poms, checksums' files and most jars are small: read at once rather than
            # streamed through hops to the thread pool.
            content = stored_bytes(blobs, digest)
            return Response(200, headers=headers, content=content, served=served.download)
        return Response(
            200,
            headers=headers,
            blob=stored_blob(blobs, digest, file.size, ranges=True),
            served=served.download,
        )

    def _actor(self, headers: dict[str, str]) -> Actor:
        token = parse_authorization(headers.get("authorization"))
        return ANONYMOUS if token is None else authenticate(self.store, token, self.clock())
