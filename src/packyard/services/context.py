"""What every use case is handed: the store, the caller, the clock and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from packyard.domain.types import Actor
from packyard.services.ports import Store


@dataclass(frozen=True, slots=True)
class Context:
    store: Store
    actor: Actor
    now: datetime
    restore_window: timedelta
    request_id: str | None = None
    # Refuse deleting a manifest a live, tagged index lists (GitHub does not).
    protect_children: bool = True
