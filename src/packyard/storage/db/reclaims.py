"""Blobs garbage collection is reclaiming: the marks a publish checks and vetoes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from packyard.core.reclaims import PENDING, RECLAIMED
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows

_r = t.blob_reclaims
MARK_BATCH = 500  # digests per statement: well under either engine's bound-parameter limit


class SqlReclaims(Rows):
    def mark(self, digests: Sequence[str], now: datetime) -> None:
        if not digests:
            return
        # Delete-then-insert is the portable upsert: a mark an earlier sweep left (reclaimed,
        # or pending from a sweep that died) starts over.
        for i in range(0, len(digests), MARK_BATCH):
            batch = list(digests[i : i + MARK_BATCH])
            self.conn.execute(delete(_r).where(_r.c.digest.in_(batch)))
            rows = [{"digest": d, "state": PENDING, "at": now} for d in batch]
            self.conn.execute(insert(_r), rows)

    def hold(self, digest: str) -> bool:
        # FOR UPDATE: a publish's veto waits until this sweep has deleted (or kept) the bytes
        # and said which. SQLite has no row locks; the sweep's write transaction holds the
        # database's one writer lock instead.
        found = self.conn.execute(
            select(_r.c.state).where(_r.c.digest == digest).with_for_update()
        ).scalar()
        return found == PENDING

    def release(self, digest: str, deleted: bool, now: datetime) -> None:
        if deleted:
            self.conn.execute(
                update(_r).where(_r.c.digest == digest).values(state=RECLAIMED, at=now)
            )
        else:
            self.conn.execute(delete(_r).where(_r.c.digest == digest))

    def state_of(self, digest: str) -> str | None:
        return self.conn.execute(select(_r.c.state).where(_r.c.digest == digest)).scalar()

    def veto(self, digest: str) -> bool:
        # On PostgreSQL this waits for a sweep holding the row, then re-reads its state: a
        # mark the sweep turned into `reclaimed` meanwhile is left alone.
        dropped = self.conn.execute(
            delete(_r).where(_r.c.digest == digest, _r.c.state == PENDING)
        ).rowcount
        return bool(dropped)

    def forget(self, before: datetime) -> int:
        return int(self.conn.execute(delete(_r).where(_r.c.at < before)).rowcount)
