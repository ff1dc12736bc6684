"""Reclaiming blobs from a store that cannot judge a blob's age atomically with a publish's
touch (S3: no rename, so the filesystem store's set-aside trick has no counterpart).

The race to close: garbage collection lists an old blob nothing names, and meanwhile a
publish finds the same bytes stored, refreshes their age (`touch`) and commits a row naming
them; if the sweep then deletes them, the row names nothing. Each side writes before it
reads what the other wrote, so one of them always sees the other:

    sweep (the GC leader)                      publish that re-uses the bytes
    1. mark the candidates `pending`, commit   a. touch the blob (its age is now fresh)
    2. per blob, in one transaction:           b. read the blob's mark:
       hold the mark (locked); if a publish        none: the sweep marked it after (a), so
       vetoed it, keep the blob; else read          its read of the age (2) sees (a): kept
       the age, delete it only if still old,       pending: veto it (drop the mark; waits
       and say `reclaimed` (or drop the mark)       while a sweep holds it), then read again
                                                   reclaimed: deleted after the mark; the
                                                    caller looks whether the bytes are there
                                                    (written again since) or writes them

Not S3's conditional delete: SeaweedFS (4.48) honours `If-Match` on DeleteObject, but a
touch keeps the ETag (it is the content's MD5), and it deletes whatever
`x-amz-if-match-last-modified-time` says (AWS takes that one on directory buckets only).

A `reclaimed` mark is remembered for RECLAIM_MEMORY, far longer than a publish takes from
(a) to (b); a mark left pending by a sweep that died is re-marked or forgotten likewise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from packyard.core.ports import BlobStore, Store

# How long a sweep's marks outlive it: (a) to (b) above takes milliseconds; a publish stalled
# longer than this between them could name bytes a sweep deleted.
RECLAIM_MEMORY = timedelta(days=1)
PENDING = "pending"
RECLAIMED = "reclaimed"


class StoreReclaims:
    """The publish's side, for the blob store: (b) above."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def spared(self, digest: str) -> bool:
        # A read first: nearly always nothing is marked, and a publish need not queue for a
        # write (SQLite's one writer lock) to learn so.
        with self.store.read() as tx:
            state = tx.reclaims.state_of(digest)
        if state == PENDING:
            with self.store.write() as tx:
                tx.reclaims.veto(digest)
                state = tx.reclaims.state_of(digest)
        return state != RECLAIMED


def mark(store: Store, candidates: Sequence[str], now: datetime) -> None:
    """(1) above: the sweep's candidates marked `pending`, for publishes to see and veto;
    marks older than RECLAIM_MEMORY forgotten."""
    with store.write() as tx:
        tx.reclaims.forget(now - RECLAIM_MEMORY)
        tx.reclaims.mark(candidates, now)


def reclaim_marked(
    store: Store, blobs: BlobStore, candidates: Sequence[str], oldest: float, now: datetime
) -> int:
    """(2) above: delete each marked candidate still older than `oldest` that no publish
    re-used meanwhile; how many went."""
    reclaimed = 0
    for digest in candidates:
        # One short transaction per blob, around one age check and one delete: SQLite's
        # writers queue behind it, so never around the whole sweep.
        with store.write() as tx:
            if not tx.reclaims.hold(digest):
                continue  # a publish re-used the bytes: vetoed
            deleted = blobs.delete_if_older(digest, oldest)
            tx.reclaims.release(digest, deleted, now)
        reclaimed += deleted
    return reclaimed
