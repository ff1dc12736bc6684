"""What every registry app shares: the bundle the composition root hands it, and the way a
request is answered — whole, in a worker thread, through the kit's catch-all."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from packyard.auth.tokens import SigningKeys
from packyard.core.context import Context
from packyard.core.files import Download, downloads_pending, settle_downloads
from packyard.core.formats import Formats
from packyard.core.ports import BlobStore, FileBlobStore, Store
from packyard.domain.errors import DomainError, NotFound
from packyard.domain.types import Actor
from packyard.http.asgi import AsgiScope, Receive, Send
from packyard.http.exchange import exchange, plain_refusal
from packyard.http.request import DEFAULT_BODY_LIMIT, BodyRefused, Request
from packyard.http.response import Blob, Response
from packyard.http.threads import in_thread


@dataclass(frozen=True, slots=True)
class Wiring:
    store: Store
    blobs: BlobStore
    base_url: str  # the public URL, for the addresses a registry hands its clients
    clock: Callable[[], datetime]
    restore_window: timedelta
    formats: Formats
    # What signs and verifies registry tokens (`pyr_…`): the server secret.
    registry_keys: SigningKeys

    def context(self, actor: Actor) -> Context:
        """A use case's context for one request by `actor`, at the clock's now."""
        return Context(self.store, actor, self.clock(), self.restore_window, self.formats)


class RegistryApp:
    """A registry's ASGI app. Its services are synchronous (a transaction, blob-store file
    I/O), so each request is handled whole in a worker thread, never on the event loop.

    `body_limit` bounds every whole-body read (`Request.body`, `body_from_thread`) of the
    registry's requests: a registry sets its own (OCI: a manifest's 4 MB, as distribution
    has), and a route may pass a smaller one. A refused body is answered by `refused`, in
    the registry's own error format once it overrides it."""

    prefix: ClassVar[str]
    body_limit: ClassVar[int] = DEFAULT_BODY_LIMIT
    # Reads (GET, HEAD) answered inline on the event loop: a few indexed rows and small
    # local files, where a hop to a worker thread costs more than the work (and, under a
    # hundred concurrent pullers, makes the slowest wait on the pool). Only while the blob
    # store is local: over S3 each read is a network call, made from a worker thread.
    reads_inline: ClassVar[bool] = False

    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.store = wiring.store
        self.blobs = wiring.blobs
        self.base_url = wiring.base_url.rstrip("/")
        self.clock = wiring.clock

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        request = Request.from_scope(scope, receive, self.prefix)
        request.body_limit = self.body_limit
        await exchange(
            request, send, self._settled_then_respond, self.server_error, self.refused, self._failed
        )

    async def _settled_then_respond(self, request: Request) -> Response:
        # Downloads are written behind the pulls; a request that may delete (a DELETE, npm's
        # unpublish PUT) must decide on every download answered before it, by any process
        # (those of others are awaited, core.files). Other writes settle only this one's.
        if request.method in ("DELETE", "PUT") or (
            request.method not in ("GET", "HEAD") and downloads_pending(self.store)
        ):
            await in_thread(settle_downloads, self.store)
        return await self._respond(request)

    async def _respond(self, request: Request) -> Response:
        if self.reads_inline and request.method in ("GET", "HEAD") and self.blobs.local:
            return self.handle(request)
        return await in_thread(self.handle, request)

    def handle(self, request: Request) -> Response:
        """In a worker thread: authenticate, route, call the handler, map its refusal."""
        raise NotImplementedError

    def server_error(self) -> Response:
        """What a bug or a lost database answers, in the registry's own error format."""
        raise NotImplementedError

    def refused(self, refused: BodyRefused) -> Response:
        """A body too large (413) or whose client went silent (408): plain text unless the
        registry says it in its own format."""
        return plain_refusal(refused)

    def refusal(self, error: DomainError) -> Response:
        """A rule's refusal in the registry's own error format (its handlers' answer)."""
        raise NotImplementedError

    def _failed(self, error: Exception) -> Response | None:
        # A streamed blob whose bytes turned out gone at its first read (S3: the object is
        # missing though its row is there) raises its format's "not found" (`stored_blob`),
        # answered as the handler would have, since nothing has been sent yet.
        return self.refusal(error) if isinstance(error, DomainError) else None


def redirected(
    blobs: BlobStore, request: Request, digest: str, download: Download | None = None
) -> Response | None:
    """A blob or package file's `GET` (or `HEAD`) sent to the blob store itself: a 307 to a
    short-lived presigned URL when `PACKYARD_BLOB_REDIRECT` is on, else None (the bytes are
    served here). Call it only once the read is authorized, as distribution's redirect
    does, and never for a manifest or metadata, which the registry builds or must answer
    itself; `download` is counted as the 307 goes out. A `Range` goes along with the client
    to the new address."""
    url = blobs.download_url(digest, request.method)
    if url is None:
        return None
    return Response(307, headers={"Location": url}, served=download)


def stored_blob(
    blobs: BlobStore, digest: str, size: int, ranges: bool, missing: DomainError | None = None
) -> Blob:
    """A stored blob as a response body: where the store keeps files, the blob's file, opened
    now (so the server sends it zero-copy, and a blob deleted after this still goes out
    whole); elsewhere (S3) its bytes, read in chunks as they are sent. A blob whose row was
    found but whose file is gone raises `missing` (the format's "not found"), not a 500."""
    gone = missing or NotFound(f"the bytes of {digest} are not stored")
    if isinstance(blobs, FileBlobStore):
        file = blobs.open_file(digest)
        if file is None:
            raise gone
        return Blob.of_file(file, size, ranges)

    def read(start: int, end: int) -> Iterator[bytes]:
        # The response reads the first chunk before its head goes out: a missing object
        # raises `gone` then, and is answered as the format's not-found, never a 500.
        chunks = blobs.read(digest, start, end)
        try:
            first = next(chunks, None)
        except FileNotFoundError:
            raise gone from None
        return chunks if first is None else itertools.chain((first,), chunks)

    return Blob(size, read, ranges)


def stored_bytes(blobs: BlobStore, digest: str, missing: DomainError | None = None) -> bytes:
    """A small stored blob's bytes, read whole now, before anything is answered or counted.
    A blob whose row was found but whose bytes are gone raises `missing` (the format's "not
    found"), not a 500."""
    try:
        return blobs.read_all(digest)
    except FileNotFoundError:
        raise missing or NotFound(f"the bytes of {digest} are not stored") from None
