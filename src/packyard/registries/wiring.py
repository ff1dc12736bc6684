"""What every registry app shares: the bundle the composition root hands it, and the way a
request is answered — whole, in a worker thread, through the kit's catch-all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from packyard.auth.tokens import SigningKeys
from packyard.core.context import Context
from packyard.core.formats import Formats
from packyard.core.ports import BlobStore, Store
from packyard.domain.types import Actor
from packyard.http.asgi import AsgiScope, Receive, Send
from packyard.http.exchange import exchange
from packyard.http.request import Request
from packyard.http.response import Response
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
    I/O), so each request is handled whole in a worker thread, never on the event loop."""

    prefix: ClassVar[str]

    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.store = wiring.store
        self.blobs = wiring.blobs
        self.base_url = wiring.base_url.rstrip("/")
        self.clock = wiring.clock

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        request = Request.from_scope(scope, receive, self.prefix)
        await exchange(request, send, self._respond, self.server_error)

    async def _respond(self, request: Request) -> Response:
        return await in_thread(self.handle, request)

    def handle(self, request: Request) -> Response:
        """In a worker thread: authenticate, route, call the handler, map its refusal."""
        raise NotImplementedError

    def server_error(self) -> Response:
        """What a bug or a lost database answers, in the registry's own error format."""
        raise NotImplementedError
