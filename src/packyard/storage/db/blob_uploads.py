"""Blob uploads whose state lives in the database (core/uploads.py): the row, its parts and
the chunks gathered for the next part."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from packyard.core.uploads import UploadPart, UploadState
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows

_u, _p, _g = t.blob_uploads, t.blob_upload_parts, t.blob_upload_pending


class SqlBlobUploads(Rows):
    def start(self, upload_id: str, now: datetime) -> None:
        self.conn.execute(insert(_u).values(id=upload_id, size=0, parts_claimed=0, created_at=now))

    def find(self, upload_id: str) -> UploadState | None:
        row = self.conn.execute(
            select(_u.c.size, _u.c.multipart_id, _u.c.created_at).where(_u.c.id == upload_id)
        ).first()
        if row is None:
            return None
        parts = self.conn.execute(
            select(_p.c.number, _p.c.start, _p.c.size, _p.c.etag)
            .where(_p.c.upload_id == upload_id)
            .order_by(_p.c.start)
        ).all()
        return UploadState(
            size=int(row.size),
            multipart_id=row.multipart_id,
            parts=tuple(UploadPart(int(n), int(s), int(z), str(e)) for n, s, z, e in parts),
            started_at=row.created_at,
        )

    def pending(self, upload_id: str) -> list[bytes]:
        rows = self.conn.execute(
            select(_g.c.data).where(_g.c.upload_id == upload_id).order_by(_g.c.start)
        )
        return [bytes(data) for (data,) in rows]

    def attach(self, upload_id: str, multipart_id: str) -> str | None:
        self.conn.execute(
            update(_u)
            .where(_u.c.id == upload_id, _u.c.multipart_id.is_(None))
            .values(multipart_id=multipart_id)
        )
        found = self.conn.execute(select(_u.c.multipart_id).where(_u.c.id == upload_id)).first()
        return None if found is None else str(found.multipart_id)

    def claim_part(self, upload_id: str, at: int) -> int | None:
        # The UPDATE takes the row (PostgreSQL's row lock, SQLite's writer lock): the number
        # read back in this transaction is this caller's alone.
        claimed = self.conn.execute(
            update(_u)
            .where(_u.c.id == upload_id, _u.c.size == at)
            .values(parts_claimed=_u.c.parts_claimed + 1)
        ).rowcount
        if not claimed:
            return None
        number = self.conn.execute(select(_u.c.parts_claimed).where(_u.c.id == upload_id))
        return int(number.scalar_one())

    def _move(self, upload_id: str, at: int, to: int) -> bool:
        # The arbiter: of two appends that read the upload at byte `at`, the first to commit
        # moves it on and the other's WHERE no longer matches (PostgreSQL re-reads the row
        # once the first commits; SQLite runs one writer at a time).
        moved = self.conn.execute(
            update(_u).where(_u.c.id == upload_id, _u.c.size == at).values(size=to)
        ).rowcount
        return bool(moved)

    def append_pending(self, upload_id: str, at: int, data: bytes) -> bool:
        if not self._move(upload_id, at, at + len(data)):
            return False
        self.conn.execute(insert(_g).values(upload_id=upload_id, start=at, data=data))
        return True

    def append_part(self, upload_id: str, at: int, part: UploadPart) -> bool:
        if not self._move(upload_id, at, part.start + part.size):
            return False
        self.conn.execute(delete(_g).where(_g.c.upload_id == upload_id))
        self.conn.execute(
            insert(_p).values(
                upload_id=upload_id,
                number=part.number,
                start=part.start,
                size=part.size,
                etag=part.etag,
            )
        )
        return True

    def ids(self) -> list[str]:
        return [str(i) for i in self.conn.execute(select(_u.c.id).order_by(_u.c.id)).scalars()]

    def delete(self, upload_id: str) -> bool:
        # Children first, rather than trusting ON DELETE CASCADE: SQLite enforces it only on
        # connections that turned foreign keys on.
        self.conn.execute(delete(_g).where(_g.c.upload_id == upload_id))
        self.conn.execute(delete(_p).where(_p.c.upload_id == upload_id))
        return bool(self.conn.execute(delete(_u).where(_u.c.id == upload_id)).rowcount)
