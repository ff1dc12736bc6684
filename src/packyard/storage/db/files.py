"""Every format's files: the rows that say which blobs a version holds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select

from packyard.core.ports import (
    FileRecord,
    NewFile,
)
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows
from packyard.storage.db.compiled import Positions, Query, timestamp

_f = t.package_files
FILE_COLUMNS = (
    _f.c.id,
    _f.c.version_id,
    _f.c.package_id,
    _f.c.name,
    _f.c.blob_digest,
    _f.c.size,
    _f.c.hashes,
    _f.c.properties,
    _f.c.created_at,
)


F = Positions(FILE_COLUMNS)
FILE_BY_NAME = Query(
    select(*FILE_COLUMNS).where(
        _f.c.version_id == bindparam("version_id"), _f.c.name == bindparam("name")
    )
)

FILES_OF = Query(
    select(*FILE_COLUMNS).where(_f.c.version_id == bindparam("version_id")).order_by(_f.c.id)
)

_v = t.versions
# A file of one of a package's live versions, by its name (a registry's download).
LIVE_FILE_BY_NAME = Query(
    select(*FILE_COLUMNS)
    .join(_v, _v.c.id == _f.c.version_id)
    .where(
        _f.c.package_id == bindparam("package_id"),
        _f.c.name == bindparam("name"),
        _v.c.deleted_at.is_(None),
    )
    .order_by(_f.c.id.desc())
    .limit(1)
)
# Every file of one package's live versions (an index of one package: the most asked).
LIVE_FILES_OF_PACKAGE = Query(
    select(*FILE_COLUMNS)
    .join(_v, _v.c.id == _f.c.version_id)
    .where(_f.c.package_id == bindparam("package_id"), _v.c.deleted_at.is_(None))
    .order_by(_f.c.id)
)


def file_record(row: Sequence[Any], at: int = 0) -> FileRecord:
    """A file from a row holding `FILE_COLUMNS` from position `at` on (a raw row of the
    precompiled path, or a Core row whose select put other columns first)."""
    created = timestamp(row[at + F.created_at])
    assert created is not None
    hashes, properties = row[at + F.hashes], row[at + F.properties]
    return FileRecord(
        id=int(row[at + F.id]),
        version_id=int(row[at + F.version_id]),
        package_id=int(row[at + F.package_id]),
        name=row[at + F.name],
        digest=row[at + F.blob_digest],
        size=int(row[at + F.size]),
        hashes=json.loads(hashes) if hashes else {},
        properties=json.loads(properties) if properties else {},
        created_at=created,
    )


class SqlFiles(Rows):
    def add_file(self, version_id: int, package_id: int, file: NewFile, now: datetime) -> int:
        return int(
            self.conn.execute(
                insert(_f)
                .values(
                    version_id=version_id,
                    package_id=package_id,
                    name=file.name,
                    blob_digest=file.digest,
                    size=file.size,
                    hashes=json.dumps(file.hashes, sort_keys=True) if file.hashes else None,
                    properties=json.dumps(file.properties, sort_keys=True)
                    if file.properties
                    else None,
                    created_at=now,
                )
                .returning(_f.c.id)
            ).scalar_one()
        )

    def files_of(self, version_id: int) -> list[FileRecord]:
        return [file_record(row) for row in FILES_OF.rows(self.conn, version_id=version_id)]

    def find_file(self, version_id: int, name: str) -> FileRecord | None:
        row = FILE_BY_NAME.first(self.conn, version_id=version_id, name=name)
        return None if row is None else file_record(row)

    def find_live_file(self, package_id: int, name: str) -> FileRecord | None:
        """A file of one of the package's live versions, by its name."""
        row = LIVE_FILE_BY_NAME.first(self.conn, package_id=package_id, name=name)
        return None if row is None else file_record(row)

    def live_files(self, package_ids: Sequence[int]) -> list[FileRecord]:
        """Every file of the packages' live versions, in the order they were published
        (what an index of several packages lists)."""
        if not package_ids:
            return []
        if len(package_ids) == 1:
            rows = LIVE_FILES_OF_PACKAGE.rows(self.conn, package_id=package_ids[0])
            return [file_record(row) for row in rows]
        found = self.conn.execute(
            select(*FILE_COLUMNS)
            .join(_v, _v.c.id == _f.c.version_id)
            .where(_f.c.package_id.in_(package_ids), _v.c.deleted_at.is_(None))
            .order_by(_f.c.id)
        ).all()
        return [file_record(row) for row in found]

    def forget_files(self, file_ids: list[int]) -> None:
        """Drop file rows for good (a purged build's); GC then reclaims bytes none names."""
        if file_ids:
            self.conn.execute(delete(_f).where(_f.c.id.in_(file_ids)))

    def file_digests(self) -> set[str]:
        """Every blob a file names. Versions and packages past the restore window are purged
        first, so these are the live and restorable ones."""
        return set(self.conn.execute(select(_f.c.blob_digest).distinct()).scalars())
