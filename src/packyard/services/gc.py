"""Purging deletions past the restore window, and the bytes nothing needs any more."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from packyard.domain.rules import purge_cutoff
from packyard.services.ports import BlobStore, PurgeCounts, Store


def collect_garbage(
    store: Store, now: datetime, restore_window: timedelta, blobs: BlobStore | None = None
) -> PurgeCounts:
    """Remove packages and versions deleted longer ago than the window, for good; then
    blobs and abandoned uploads that nothing live or restorable references.

    Bytes younger than the window are never touched, whatever references them: a push in
    progress uploads its blobs before the manifest that names them, and an upload may
    pause for as long as a client likes.
    """
    cutoff = purge_cutoff(now, restore_window)
    with store.write() as tx:
        counts = tx.purge_deleted(cutoff)
        if blobs is not None:
            referenced = tx.referenced_digests(recent_since=cutoff)
            tx.forget_stale_blob_links(cutoff, referenced)
    if blobs is not None:
        oldest = cutoff.timestamp()
        reclaimed = 0
        for digest, written in list(blobs.stored()):
            if written < oldest and digest not in referenced and blobs.delete(digest):
                reclaimed += 1
        abandoned = [u for u in blobs.uploads() if blobs.upload_started(u) < oldest]
        with store.write() as tx:
            for upload_id in abandoned:
                tx.delete_upload(upload_id)
        for upload_id in abandoned:
            blobs.cancel(upload_id)
        counts = replace(counts, blobs=reclaimed, uploads=len(abandoned))
    if counts.packages or counts.versions or counts.blobs or counts.uploads:
        with store.write() as tx:
            tx.audit(
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
