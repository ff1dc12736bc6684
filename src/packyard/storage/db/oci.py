"""The container format's own rows: linked blobs, uploads, manifests and their references."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import bindparam, delete, insert, select, update

from packyard.domain.oci import (
    ManifestRecord,
    ParentRecord,
    ParsedManifest,
    Reference,
    ReferrerRecord,
)
from packyard.domain.rules import normalize_name
from packyard.domain.types import PackageType
from packyard.storage.db import queries as q
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows
from packyard.storage.db.compiled import Query

_v, _m, _vt = t.versions, t.oci_manifests, t.version_tags
# (version id, digest, media type, size, subject digest), in ManifestRecord's order.
_MANIFEST = select(_v.c.id, _v.c.name, _m.c.media_type, _m.c.size, _m.c.subject_digest).join(
    _m, _m.c.version_id == _v.c.id
)
_MANIFEST_BY_DIGEST = Query(
    _MANIFEST.where(
        _v.c.package_id == bindparam("package_id"), _v.c.live_name == bindparam("reference")
    )
)
_MANIFEST_BY_TAG = Query(
    _MANIFEST.join(_vt, _vt.c.version_id == _v.c.id).where(
        _vt.c.package_id == bindparam("package_id"), _vt.c.tag == bindparam("reference")
    )
)


class SqlOciRows(Rows):
    def linked_blob_size(self, owner_id: int, repository: str, digest: str) -> int | None:
        b = t.oci_blobs
        value = self.conn.execute(
            select(b.c.size).where(
                b.c.owner_id == owner_id,
                b.c.repository == normalize_name(repository),
                b.c.digest == digest,
            )
        ).scalar()
        return None if value is None else int(value)

    def link_blob(
        self, owner_id: int, repository: str, digest: str, size: int, now: datetime
    ) -> None:
        if self.linked_blob_size(owner_id, repository, digest) is not None:
            return
        self.conn.execute(
            insert(t.oci_blobs).values(
                owner_id=owner_id,
                repository=normalize_name(repository),
                digest=digest,
                size=size,
                created_at=now,
            )
        )

    def relink_blobs(
        self, owner_id: int, repository: str, digests: Sequence[str], now: datetime
    ) -> set[str]:
        """Mark links as made `now` (a manifest naming them is being pushed); the digests
        that are linked, among `digests`."""
        b = t.oci_blobs
        linked = set()
        for digest in dict.fromkeys(digests):
            if self.conn.execute(
                update(b)
                .where(
                    b.c.owner_id == owner_id,
                    b.c.repository == normalize_name(repository),
                    b.c.digest == digest,
                )
                .values(created_at=now)
            ).rowcount:
                linked.add(digest)
        return linked

    def create_upload(self, upload_id: str, owner_id: int, repository: str, now: datetime) -> None:
        self.conn.execute(
            insert(t.oci_uploads).values(
                id=upload_id,
                owner_id=owner_id,
                repository=normalize_name(repository),
                created_at=now,
            )
        )

    def find_upload(self, upload_id: str) -> tuple[int, str] | None:
        u = t.oci_uploads
        row = self.conn.execute(
            select(u.c.owner_id, u.c.repository).where(u.c.id == upload_id)
        ).first()
        return None if row is None else (int(row.owner_id), str(row.repository))

    def delete_upload(self, upload_id: str) -> None:
        self.conn.execute(delete(t.oci_uploads).where(t.oci_uploads.c.id == upload_id))

    def save_manifest(
        self, version_id: int, package_id: int, parsed: ParsedManifest, size: int
    ) -> None:
        self.conn.execute(
            insert(t.oci_manifests).values(
                version_id=version_id,
                package_id=package_id,
                media_type=parsed.media_type,
                artifact_type=parsed.artifact_type,
                subject_digest=parsed.subject.digest if parsed.subject else None,
                size=size,
                annotations=json.dumps(parsed.annotations) if parsed.annotations else None,
            )
        )
        references = [*parsed.references, *([parsed.subject] if parsed.subject else [])]
        if references:
            self.conn.execute(
                insert(t.oci_references),
                [
                    {
                        "version_id": version_id,
                        "position": position,
                        "package_id": package_id,
                        "digest": ref.digest,
                        "kind": ref.kind,
                        "media_type": ref.media_type,
                        "size": ref.size,
                        "platform": json.dumps(ref.platform) if ref.platform else None,
                    }
                    for position, ref in enumerate(references)
                ],
            )

    def find_manifest(self, package_id: int, reference: str) -> ManifestRecord | None:
        """A live manifest by digest, or by tag (every pull asks: precompiled)."""
        by = _MANIFEST_BY_DIGEST if ":" in reference else _MANIFEST_BY_TAG
        row = by.first(self.conn, package_id=package_id, reference=reference)
        if row is None:
            return None
        version_id, digest, media_type, size, subject = row
        return ManifestRecord(int(version_id), digest, media_type, int(size), subject)

    def referrers(self, package_id: int, digest: str) -> list[ReferrerRecord]:
        """Live manifests whose subject is `digest`."""
        v, m = t.versions, t.oci_manifests
        rows = self.conn.execute(
            select(v.c.name, m.c.media_type, m.c.size, m.c.artifact_type, m.c.annotations)
            .join(m, m.c.version_id == v.c.id)
            .where(
                m.c.package_id == package_id, m.c.subject_digest == digest, v.c.deleted_at.is_(None)
            )
            .order_by(v.c.id)
        ).all()
        return [
            ReferrerRecord(
                digest=row.name,
                media_type=row.media_type,
                size=int(row.size),
                artifact_type=row.artifact_type,
                annotations=json.loads(row.annotations) if row.annotations else {},
            )
            for row in rows
        ]

    def parents_of(self, package_id: int, digest: str) -> list[ParentRecord]:
        """Live indexes in the package that list `digest` among their manifests."""
        parents = []
        for version_id, name in q.PARENTS_OF.rows(self.conn, package_id=package_id, digest=digest):
            tags = [row[0] for row in q.TAGS_OF_VERSION.rows(self.conn, version_id=version_id)]
            parents.append(ParentRecord(version_id=int(version_id), digest=name, tags=tags))
        return parents

    def children_of(self, version_id: int) -> list[str]:
        ahead = self.state.read_ahead.pop(("children", version_id), None)
        if ahead is not None:
            return cast(list[str], ahead)
        return [row[0] for row in q.CHILDREN_OF.rows(self.conn, version_id=version_id)]

    def parents_and_children(
        self, package_id: int, digest: str, version_id: int
    ) -> list[ParentRecord]:
        """`parents_of(package_id, digest)`, reading the version's `children_of` with it:
        the delete that asks one asks the other next, in the same transaction."""
        parents, children, seen = [], [], set()
        for parent_id, name, position in q.PARENTS_AND_CHILDREN.rows(
            self.conn, package_id=package_id, digest=digest, version_id=version_id
        ):
            if parent_id is None:
                children.append((position, name))
                continue
            if parent_id in seen:  # an index listing the version twice: one parent
                continue
            seen.add(parent_id)
            tags = [row[0] for row in q.TAGS_OF_VERSION.rows(self.conn, version_id=parent_id)]
            parents.append(ParentRecord(version_id=int(parent_id), digest=name, tags=tags))
        children.sort(key=lambda child: child[0])
        self.state.read_ahead[("children", version_id)] = [name for _, name in children]
        return parents

    def references_of(self, version_id: int) -> list[Reference]:
        """Everything the version's manifest points at, in the manifest's order."""
        r = t.oci_references
        rows = self.conn.execute(
            select(r.c.digest, r.c.size, r.c.media_type, r.c.kind, r.c.platform)
            .where(r.c.version_id == version_id)
            .order_by(r.c.position)
        ).all()
        return [
            Reference(
                digest=row.digest,
                size=int(row.size),
                media_type=row.media_type,
                kind=row.kind,
                platform=json.loads(row.platform) if row.platform else None,
            )
            for row in rows
        ]

    def unlink_blob(self, owner_id: int, repository: str, digest: str) -> bool:
        b = t.oci_blobs
        return bool(
            self.conn.execute(
                delete(b).where(
                    b.c.owner_id == owner_id,
                    b.c.repository == normalize_name(repository),
                    b.c.digest == digest,
                )
            ).rowcount
        )

    def recently_linked_blobs(self, since: datetime) -> set[str]:
        """Blobs linked since `since`: a push whose manifest may still be on its way."""
        b = t.oci_blobs
        return set(self.conn.execute(select(b.c.digest).where(b.c.created_at >= since)).scalars())

    def forget_stale_blob_links(self, cutoff: datetime) -> int:
        """Unlink blobs linked before `cutoff` that no file of the repository's own package
        names (live, deleted or restorable): a link is the repository's right to serve the
        blob, so another package naming the same bytes must not keep it alive — a package
        recreated under the name later would serve what it never pushed.

        One statement, the age in it: a manifest push that relinked a blob holds its row,
        and PostgreSQL re-reads the row before deleting it."""
        b, f, p = t.oci_blobs, t.package_files, t.packages
        named = (
            select(f.c.id)
            .join(p, p.c.id == f.c.package_id)
            .where(
                p.c.owner_id == b.c.owner_id,
                p.c.package_type == PackageType.CONTAINER.value,
                p.c.name_norm == b.c.repository,
                f.c.blob_digest == b.c.digest,
            )
            .exists()
        )
        return int(self.conn.execute(delete(b).where(b.c.created_at < cutoff, ~named)).rowcount)
