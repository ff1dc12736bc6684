"""The npm format's own rows: each version's published document; its tarball is a file."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from packyard.domain.npm import NpmVersionRecord
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows
from packyard.storage.db.compiled import timestamp
from packyard.storage.db.files import FILE_COLUMNS, file_record

# An npm version's own columns; its tarball's `FILE_COLUMNS` follow them in each row.
_VERSION_COLUMNS = (
    t.versions.c.id.label("v_id"),
    t.versions.c.name.label("v_name"),
    t.versions.c.created_at.label("v_created_at"),
    t.npm_versions.c.manifest,
    t.npm_versions.c.deprecated,
)
FILE_AT = len(_VERSION_COLUMNS)


class SqlNpmRows(Rows):
    def save_npm_version(
        self, version_id: int, package_id: int, manifest: str, deprecated: str | None
    ) -> None:
        self.conn.execute(
            insert(t.npm_versions).values(
                version_id=version_id,
                package_id=package_id,
                manifest=manifest,
                deprecated=deprecated,
            )
        )

    def npm_versions(self, package_id: int) -> list[NpmVersionRecord]:
        """The package's live versions, oldest first, each with its tarball."""
        v, n, f = t.versions, t.npm_versions, t.package_files
        rows = self.conn.execute(
            select(*_VERSION_COLUMNS, *FILE_COLUMNS)
            .join(n, n.c.version_id == v.c.id)
            .join(f, f.c.version_id == v.c.id)
            .where(v.c.package_id == package_id, v.c.deleted_at.is_(None))
            .order_by(v.c.created_at, v.c.id)
        ).all()
        return [
            NpmVersionRecord(
                version_id=int(row.v_id),
                version=row.v_name,
                manifest=row.manifest,
                tarball=file_record(row, at=FILE_AT),
                deprecated=row.deprecated,
                created_at=timestamp(row.v_created_at),
            )
            for row in rows
        ]

    def find_manifest(self, version_id: int) -> str | None:
        """One version's stored document (its package.json as published, without `dist`)."""
        n = t.npm_versions
        return self.conn.execute(
            select(n.c.manifest).where(n.c.version_id == version_id)
        ).scalar_one_or_none()

    def dist_tags(self, package_id: int) -> dict[str, str]:
        v, vt = t.versions, t.version_tags
        rows = self.conn.execute(
            select(vt.c.tag, v.c.name)
            .join(v, v.c.id == vt.c.version_id)
            .where(vt.c.package_id == package_id)
            .order_by(vt.c.tag)
        ).all()
        return {row.tag: row.name for row in rows}

    def set_deprecated(self, version_id: int, message: str | None) -> None:
        n = t.npm_versions
        self.conn.execute(
            update(n).where(n.c.version_id == version_id).values(deprecated=message or None)
        )
