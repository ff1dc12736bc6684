"""What the composition root hands every registry app: one bundle, the same for each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from packyard.core.context import Context
from packyard.core.formats import Formats
from packyard.core.ports import BlobStore, Store
from packyard.domain.types import Actor


@dataclass(frozen=True, slots=True)
class Wiring:
    store: Store
    blobs: BlobStore
    base_url: str  # the public URL, for the addresses a registry hands its clients
    clock: Callable[[], datetime]
    restore_window: timedelta
    formats: Formats

    def context(self, actor: Actor) -> Context:
        """A use case's context for one request by `actor`, at the clock's now."""
        return Context(self.store, actor, self.clock(), self.restore_window, self.formats)
