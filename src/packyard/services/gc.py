"""Purging deletions past the restore window."""

from __future__ import annotations

from datetime import datetime, timedelta

from packyard.domain.rules import purge_cutoff
from packyard.services.ports import PurgeCounts, Store


def collect_garbage(store: Store, now: datetime, restore_window: timedelta) -> PurgeCounts:
    """Remove packages and versions deleted longer ago than the window, for good."""
    with store.write() as tx:
        counts = tx.purge_deleted(purge_cutoff(now, restore_window))
        if counts.packages or counts.versions:
            tx.audit(
                "purge",
                at=now,
                actor_id=None,
                token_id=None,
                request_id=None,
                package_id=None,
                version_id=None,
                before=None,
                after={"packages": counts.packages, "versions": counts.versions},
            )
        return counts
