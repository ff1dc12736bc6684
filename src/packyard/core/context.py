"""What every use case is handed: the store, the caller, the clock, the settings and the
registered formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from packyard.core.formats import Formats
from packyard.core.ports import Store
from packyard.domain.types import Actor


# Not frozen, unlike the values it carries: one is built per request, and a frozen
# dataclass sets each field through object.__setattr__ (Context, the REST API's Call and
# PackageAddress were 21k of a REST delete's 705k instructions under callgrind). Nothing
# changes one once built; a different caller or clock is a new Context.
@dataclass(slots=True)
class Context:
    store: Store
    actor: Actor
    now: datetime
    restore_window: timedelta
    # Each package type's traits and hooks, as the composition root registered them: a
    # delete through any door runs the same hooks.
    formats: Formats
    request_id: str | None = None
