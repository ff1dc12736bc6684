"""The npm registry's rows: each version's published document and tarball."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from packyard.services.ports import NpmVersionRecord
from packyard.storage.db import tables as t
from packyard.storage.db.compiled import timestamp
from packyard.storage.db.tx_base import TransactionBase


class NpmTransaction(TransactionBase):
    def save_npm_version(self, record: NpmVersionRecord, package_id: int) -> None:
        self.conn.execute(
            insert(t.npm_versions).values(
                version_id=record.version_id,
                package_id=package_id,
                manifest=record.manifest,
                tarball_digest=record.tarball_digest,
                tarball_size=record.tarball_size,
                integrity=record.integrity,
                shasum=record.shasum,
                deprecated=record.deprecated,
            )
        )

    def npm_versions(self, package_id: int) -> list[NpmVersionRecord]:
        """The package's live versions, oldest first."""
        v, n = t.versions, t.npm_versions
        rows = self.conn.execute(
            select(
                v.c.id,
                v.c.name,
                v.c.created_at,
                n.c.manifest,
                n.c.tarball_digest,
                n.c.tarball_size,
                n.c.integrity,
                n.c.shasum,
                n.c.deprecated,
            )
            .join(n, n.c.version_id == v.c.id)
            .where(v.c.package_id == package_id, v.c.deleted_at.is_(None))
            .order_by(v.c.created_at, v.c.id)
        ).all()
        return [
            NpmVersionRecord(
                version_id=int(row.id),
                version=row.name,
                manifest=row.manifest,
                tarball_digest=row.tarball_digest,
                tarball_size=int(row.tarball_size),
                integrity=row.integrity,
                shasum=row.shasum,
                deprecated=row.deprecated,
                created_at=timestamp(row.created_at),
            )
            for row in rows
        ]

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
