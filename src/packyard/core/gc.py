"""Purging deletions past the restore window, and the bytes nothing needs any more.

Live bytes are every file of a live or restorable version (the versions past the window
are purged first, in the same transaction), plus what each format needs beyond its files
(a container push's blobs, uploaded before the manifest that will name them).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from packyard.core.formats import Formats
from packyard.core.ports import BlobStore, PurgeCounts, Store
from packyard.core.reclaims import mark, reclaim_marked
from packyard.domain.rules import purge_cutoff


def collect_garbage(
    store: Store,
    now: datetime,
    restore_window: timedelta,
    formats: Formats,
    blobs: BlobStore | None = None,
) -> PurgeCounts:
    """Remove packages and versions deleted longer ago than the window, for good; then
    blobs and abandoned uploads that nothing live or restorable references.

    Bytes younger than the window are never touched, whatever references them: a push in
    progress uploads its blobs before the manifest that names them, an upload may pause for
    as long as a client likes, and a publish that finds its bytes stored already refreshes
    their age before committing the row that names them. When processes share a database,
    one of them sweeps at a time; the others return zero counts.
    """
    cutoff = purge_cutoff(now, restore_window)
    with store.gc_leader() as leader:
        if not leader:
            return PurgeCounts(packages=0, versions=0)
        with store.write() as tx:
            counts = tx.housekeeping.purge_deleted(cutoff)
            for fmt in formats:
                fmt.purge(tx, cutoff)
            if blobs is not None:
                live = tx.files.file_digests()
                for fmt in formats:
                    live |= fmt.extra_references(tx, cutoff)
                for fmt in formats:
                    fmt.forget_unreferenced(tx, cutoff)
        if blobs is not None:
            reclaimed, abandoned = _sweep(store, blobs, now, cutoff, live)
            if abandoned:
                with store.write() as tx:
                    for fmt in formats:
                        fmt.forget_uploads(tx, abandoned)
            counts = replace(counts, blobs=reclaimed, uploads=len(abandoned))
    if counts.packages or counts.versions or counts.blobs or counts.uploads:
        with store.write() as tx:
            tx.housekeeping.audit(
                "purge",
                at=now,
                actor_id=None,
                token_id=None,
                request_id=None,
                package_id=None,
                version_id=None,
                before=None,
                after={
                    "packages": counts.packages,
                    "versions": counts.versions,
                    "blobs": counts.blobs,
                    "uploads": counts.uploads,
                },
            )
    return counts


def _sweep(
    store: Store, blobs: BlobStore, now: datetime, cutoff: datetime, live: set[str]
) -> tuple[int, list[str]]:
    """Reclaim old bytes nothing live names, and cancel uploads begun before `cutoff`:
    how many blobs went, and which uploads."""
    oldest = cutoff.timestamp()
    # The age is judged again as each blob is deleted, and a publish that refreshed it (it
    # found the bytes stored and is about to name them) keeps it: core/reclaims.py.
    candidates = [d for d, written in blobs.stored() if written < oldest and d not in live]
    mark(store, candidates, now)
    reclaimed = reclaim_marked(store, blobs, candidates, oldest, now)
    abandoned = [u for u in blobs.uploads() if blobs.upload_started(u) < oldest]
    for upload_id in abandoned:
        blobs.cancel(upload_id)
    return reclaimed, abandoned
