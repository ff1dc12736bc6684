"""The Maven format's own rows: coordinates, uploaded metadata's hashes, SNAPSHOT builds.
A build's files are rows of `package_files` whose properties name the build."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update

from packyard.domain.files import BuildRecord, FileRecord
from packyard.domain.maven import BUILD_PROPERTY, Build, Coordinates
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows
from packyard.storage.db.compiled import Query, timestamp
from packyard.storage.db.files import FILES_OF, file_record

# Read on every resolve: precompiled.
_m, _b = t.maven_packages, t.maven_builds
COORDINATES = Query(
    select(_m.c.group_id, _m.c.artifact_id).where(_m.c.package_id == bindparam("package_id"))
)
BUILD_DELETED = Query(
    select(_b.c.deleted_at).where(
        _b.c.version_id == bindparam("version_id"), _b.c.name == bindparam("name")
    )
)

# Each live version and when its newest file came: artifact-level metadata.
_v, _f = t.versions, t.package_files
VERSION_TIMES = Query(
    select(_v.c.name, func.max(_f.c.created_at))
    .join(_f, _f.c.version_id == _v.c.id)
    .where(_v.c.package_id == bindparam("package_id"), _v.c.deleted_at.is_(None))
    .group_by(_v.c.id, _v.c.name)
)


class SqlMavenRows(Rows):
    def coordinates(self, package_id: int) -> Coordinates | None:
        row = COORDINATES.first(self.conn, package_id=package_id)
        return None if row is None else Coordinates(row[0], row[1])

    def build_deleted(self, version_id: int, name: str) -> bool:
        """Whether the build of that name is deleted (or was never recorded)."""
        row = BUILD_DELETED.first(self.conn, version_id=version_id, name=name)
        return row is None or row[0] is not None

    def save_coordinates(self, package_id: int, coordinates: Coordinates) -> None:
        self.conn.execute(
            insert(t.maven_packages).values(
                package_id=package_id,
                group_id=coordinates.group_id,
                artifact_id=coordinates.artifact_id,
            )
        )

    def metadata_hashes(self, package_id: int, version: str) -> dict[str, str] | None:
        m = t.maven_metadata
        text = self.conn.execute(
            select(m.c.hashes).where(m.c.package_id == package_id, m.c.version == version)
        ).scalar()
        return None if text is None else dict(json.loads(text))

    def save_metadata_hashes(
        self, package_id: int, version: str, hashes: dict[str, str], now: datetime
    ) -> None:
        m = t.maven_metadata
        text = json.dumps(hashes, sort_keys=True)
        where = (m.c.package_id == package_id, m.c.version == version)
        if self.conn.execute(update(m).where(*where).values(hashes=text, updated_at=now)).rowcount:
            return
        self.conn.execute(
            insert(m).values(package_id=package_id, version=version, hashes=text, updated_at=now)
        )

    def version_times(self, package_id: int) -> list[tuple[str, datetime]]:
        result = []
        for name, last in VERSION_TIMES.rows(self.conn, package_id=package_id):
            moment = timestamp(last)
            assert moment is not None
            result.append((name, moment))
        return result

    def create_build(self, version_id: int, package_id: int, build: Build, now: datetime) -> int:
        return int(
            self.conn.execute(
                insert(t.maven_builds)
                .values(
                    version_id=version_id,
                    package_id=package_id,
                    name=build.name,
                    number=build.number,
                    created_at=now,
                )
                .returning(t.maven_builds.c.id)
            ).scalar_one()
        )

    def builds(self, version_id: int, deleted: bool | None) -> list[BuildRecord]:
        b = t.maven_builds
        query = select(b).where(b.c.version_id == version_id)
        if deleted is not None:
            query = query.where(b.c.deleted_at.isnot(None) if deleted else b.c.deleted_at.is_(None))
        rows = self.conn.execute(query.order_by(b.c.number.desc(), b.c.id.desc())).all()
        if not rows:
            return []
        files = self._files_by_build(version_id)
        records = []
        for row in rows:
            created = timestamp(row.created_at)
            assert created is not None
            records.append(
                BuildRecord(
                    id=int(row.id),
                    version_id=int(row.version_id),
                    name=row.name,
                    number=int(row.number),
                    created_at=created,
                    deleted_at=timestamp(row.deleted_at),
                    files=tuple(files.get(row.name, ())),
                    properties={"timestamp": row.name.rpartition("-")[0]},
                )
            )
        return records

    def _files_by_build(self, version_id: int) -> dict[str, list[FileRecord]]:
        grouped: dict[str, list[FileRecord]] = defaultdict(list)
        for row in FILES_OF.rows(self.conn, version_id=version_id):
            record = file_record(row)
            build = record.properties.get(BUILD_PROPERTY)
            if build:
                grouped[build].append(record)
        return grouped

    def set_build_deleted(self, build_id: int, at: datetime | None) -> bool:
        b = t.maven_builds
        state = b.c.deleted_at.is_(None) if at is not None else b.c.deleted_at.isnot(None)
        result = self.conn.execute(update(b).where(b.c.id == build_id, state).values(deleted_at=at))
        return bool(result.rowcount)

    def purge_builds(self, cutoff: datetime) -> list[int]:
        b = t.maven_builds
        gone = self.conn.execute(
            select(b.c.id, b.c.version_id, b.c.name).where(
                b.c.deleted_at.isnot(None), b.c.deleted_at < cutoff
            )
        ).all()
        file_ids: list[int] = []
        for row in gone:
            file_ids.extend(f.id for f in self._files_by_build(row.version_id).get(row.name, ()))
        if gone:
            self.conn.execute(delete(b).where(b.c.id.in_([row.id for row in gone])))
        return file_ids
