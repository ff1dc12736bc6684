"""What every use case is handed: the store, the caller, the clock, the settings and the
registered formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from packyard.core.formats import Formats
from packyard.core.ports import Store
from packyard.domain.types import Actor


@dataclass(frozen=True, slots=True)
class Context:
    store: Store
    actor: Actor
    now: datetime
    restore_window: timedelta
    # Each package type's traits and hooks, as the composition root registered them: a
    # delete through any door runs the same hooks.
    formats: Formats
    request_id: str | None = None
