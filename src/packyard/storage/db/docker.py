"""Legacy Docker images' move to the container registry: which legacy names moved, which
conflicted, and the blob links that follow an image to its container name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from packyard.domain.rules import normalize_name
from packyard.domain.types import PackageType
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows


class SqlDockerRows(Rows):
    def migrated_image(self, repository_id: int, image: str) -> str | None:
        m, p = t.docker_migrations, t.packages
        return self.conn.execute(
            select(p.c.name)
            .join(p, p.c.id == m.c.package_id)
            .where(
                m.c.repository_id == repository_id,
                m.c.image == normalize_name(image),
                m.c.migrated.is_(True),
                p.c.package_type == PackageType.CONTAINER.value,
                p.c.deleted_at.is_(None),
            )
        ).scalar()

    def record_migration(
        self, repository_id: int, image: str, package_id: int, migrated: bool, now: datetime
    ) -> None:
        m = t.docker_migrations
        key = (m.c.repository_id == repository_id, m.c.image == normalize_name(image))
        self.conn.execute(delete(m).where(*key))
        self.conn.execute(
            insert(m).values(
                repository_id=repository_id,
                image=normalize_name(image),
                package_id=package_id,
                migrated=migrated,
                attempted_at=now,
            )
        )

    def conflicted_packages(self, owner_id: int) -> list[str]:
        """Live `docker` packages of the owner whose last migration found their container
        name taken."""
        m, p = t.docker_migrations, t.packages
        return list(
            self.conn.execute(
                select(p.c.name)
                .join(m, m.c.package_id == p.c.id)
                .where(
                    p.c.owner_id == owner_id,
                    p.c.package_type == PackageType.DOCKER.value,
                    p.c.deleted_at.is_(None),
                    m.c.migrated.is_(False),
                )
                .order_by(p.c.id)
            ).scalars()
        )

    def docker_packages(self, owner_id: int | None) -> list[tuple[int, str]]:
        """(owner id, name) of every live `docker` package, or of one owner's."""
        p = t.packages
        query = select(p.c.owner_id, p.c.name).where(
            p.c.package_type == PackageType.DOCKER.value, p.c.deleted_at.is_(None)
        )
        if owner_id is not None:
            query = query.where(p.c.owner_id == owner_id)
        return [(int(o), str(n)) for o, n in self.conn.execute(query.order_by(p.c.id))]

    def move_links(self, owner_id: int, old: str, new: str) -> None:
        """Blob links and uploads under `old` now belong to `new` (an image that moved)."""
        b, u = t.oci_blobs, t.oci_uploads
        old, new = normalize_name(old), normalize_name(new)
        taken = set(
            self.conn.execute(
                select(b.c.digest).where(b.c.owner_id == owner_id, b.c.repository == new)
            ).scalars()
        )
        self.conn.execute(
            delete(b).where(b.c.owner_id == owner_id, b.c.repository == old, b.c.digest.in_(taken))
        )
        self.conn.execute(
            update(b).where(b.c.owner_id == owner_id, b.c.repository == old).values(repository=new)
        )
        self.conn.execute(
            update(u).where(u.c.owner_id == owner_id, u.c.repository == old).values(repository=new)
        )
