"""A package's versions a page at a time: whole, or as ids for a caller that keeps its own
copies of versions by `version_generation` (the REST API's rendered versions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from packyard.domain.types import Version, VersionFilter
from packyard.storage.db import columns as cols
from packyard.storage.db import page_queries as pq
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows
from packyard.storage.db.compiled import timestamp
from packyard.storage.db.pages import PAGE_CHECKPOINT_EVERY, SHALLOW_OFFSET

# (the statement's parameters, whether they seek from a checkpoint), or the total alone
# when the page lies past the end.
_Plan = tuple[dict[str, Any], bool]
# A page's ids, the listing's total, and the package's version and download generations.
_Page = tuple[list[int], int, tuple[int, int]]


class VersionPages(Rows):
    def _versions(self, rows: Sequence[Any]) -> list[Version]:
        """Versions from rows of `VERSION_COLUMNS`, with the live ones' tags."""
        live_ids = [row[cols.V.id] for row in rows if row[cols.V.deleted_at] is None]
        tags: dict[int, list[str]] = {}
        if live_ids:
            vt = t.version_tags
            for version_id, tag in self.conn.execute(
                select(vt.c.version_id, vt.c.tag)
                .where(vt.c.version_id.in_(live_ids))
                .order_by(vt.c.version_id, vt.c.tag)
            ):
                tags.setdefault(version_id, []).append(tag)
        return [cols.version_from(row, tags.get(row[cols.V.id], ())) for row in rows]

    def _plan(
        self, package_id: int, shown: VersionFilter, offset: int, limit: int
    ) -> tuple[_Plan | None, int, tuple[int, int]]:
        """How to read the page (None: it is empty), the listing's total, and the package's
        version and download generations ((0, 0) for a package that is gone)."""
        counters = pq.PAGE_COUNTERS.first(self.conn, id=package_id)
        if counters is None:
            return None, 0, (0, 0)
        version_count, generation, download_generation = counters
        generations = (int(generation), int(download_generation))
        if shown is VersionFilter.DELETED:
            v = t.versions
            total = int(
                self.conn.execute(
                    select(func.count())
                    .select_from(v)
                    .where(v.c.package_id == package_id, v.c.deleted_at.is_not(None))
                ).scalar_one()
            )
        elif shown is VersionFilter.ACTIVE:
            total = int(version_count)
        else:
            # Tags name live versions only, so the untagged are the rest of the live count.
            tagged = int(pq.TAGGED_VERSIONS.scalar(self.conn, package_id=package_id))
            total = tagged if shown is VersionFilter.TAGGED else int(version_count) - tagged
        if offset >= total:
            return None, total, generations
        params: dict[str, Any] = {"package_id": package_id, "limit": limit, "offset": offset}
        anchor = self.pages.anchor(
            (package_id, shown, int(generation)),
            offset,
            lambda: [
                (timestamp(row[0]), int(row[1]))
                for row in pq.checkpoints(shown, PAGE_CHECKPOINT_EVERY).rows(
                    self.conn, package_id=package_id
                )
            ],
        )
        if anchor is not None:
            # Seek to the nearest checkpoint through the index, then skip the rest: a deep
            # page costs about what a shallow one does.
            anchor_offset, params["anchor_created"], params["anchor_id"] = anchor
            params["offset"] = offset - anchor_offset
        return (params, anchor is not None), total, generations

    def page_versions(
        self, package_id: int, shown: VersionFilter, offset: int, limit: int
    ) -> tuple[list[Version], int]:
        plan, total, _generations = self._plan(package_id, shown, offset, limit)
        if plan is None:
            return [], total
        params, anchored = plan
        versions_query, tags_query = pq.version_page(shown, anchored)
        rows = versions_query.rows(self.conn, **params)
        tags: dict[int, list[str]] = {}
        if shown is not VersionFilter.DELETED:
            for version_id, tag in tags_query.rows(self.conn, **params):
                tags.setdefault(version_id, []).append(tag)
        return [cols.version_from(row, tags.get(row[cols.V.id], ())) for row in rows], total

    def page_version_ids(
        self,
        package_id: int,
        shown: VersionFilter,
        offset: int,
        limit: int,
        *,
        downloads: bool = False,
    ) -> tuple[list[int], int, int, dict[int, int]]:
        """The page's version ids in the listing's order, the total, the package's version
        generation, which any change to these versions (tags included) bumps, and if asked
        the page's download counts, which change without it."""
        found: _Page | None = None
        if shown is VersionFilter.ACTIVE and offset < SHALLOW_OFFSET:
            # No checkpoint to seek from and the total is the live count: one statement
            # where the counters and the ids were two (two round trips to PostgreSQL).
            shallow = pq.counters_and_page_ids(False, downloads)
            found = _counted_page(
                shallow.rows(self.conn, package_id=package_id, limit=limit, offset=offset)
            )
        elif shown is VersionFilter.ACTIVE and self.conn.dialect.name == "postgresql":
            # One round trip where the counters and the ids were two. Not on SQLite, where
            # a statement is no round trip and the join costs more than it saves (the web's
            # page 3,000: 1,553k -> 1,596k instructions per request; 4 statements -> 3).
            found = self._guessed_page(package_id, offset, limit, downloads)
        if found is None:
            plan, total, generations = self._plan(package_id, shown, offset, limit)
            ids: list[int] = []
            if plan is not None:
                params, anchored = plan
                rows = pq.version_page_ids(shown, anchored).rows(self.conn, **params)
                ids = [int(row[0]) for row in rows]
            found = ids, total, generations
        ids, total, (generation, download_generation) = found
        if not downloads or not ids:
            return ids, total, generation, {}
        counts = self.pages.counts(
            (package_id, generation, download_generation, tuple(ids)),
            lambda: self._download_counts(ids),
        )
        return ids, total, generation, counts

    def _download_counts(self, ids: list[int]) -> dict[int, int]:
        v = t.versions
        rows = self.conn.execute(select(v.c.id, v.c.download_count).where(v.c.id.in_(ids)))
        return {int(version_id): int(count) for version_id, count in rows}

    def _guessed_page(
        self, package_id: int, offset: int, limit: int, downloads: bool
    ) -> _Page | None:
        """A deep page of live versions in one statement, from the checkpoints of the
        generation last seen here, read with the package's generation: the page, if that
        is still the generation (in this process or another, none changed the versions
        since), else None and the page is planned anew."""
        guess = self.pages.guess((package_id, VersionFilter.ACTIVE), offset)
        if guess is None:
            return None
        generation, (anchor_offset, anchor_created, anchor_id) = guess
        rows = pq.counters_and_page_ids(True, downloads).rows(
            self.conn,
            package_id=package_id,
            limit=limit,
            offset=offset - anchor_offset,
            anchor_created=anchor_created,
            anchor_id=anchor_id,
        )
        if not rows or int(rows[0][1]) != generation:
            return None
        return _counted_page(rows)

    def find_versions(self, package_id: int, version_ids: Sequence[int]) -> list[Version]:
        """Those of the package's versions, in the order asked, with their tags."""
        if not version_ids:
            return []
        v = t.versions
        rows = self.conn.execute(
            select(*cols.VERSION_COLUMNS).where(
                v.c.package_id == package_id, v.c.id.in_(version_ids)
            )
        ).all()
        found = {version.id: version for version in self._versions(rows)}
        return [found[i] for i in version_ids if i in found]


def _counted_page(rows: list[tuple[Any, ...]]) -> _Page:
    """A page read with its package's counters: (version count, version generation, id[,
    download generation]) rows, one with a NULL id for an empty page; none for a package
    that is gone. Without the download generation, it is 0."""
    if not rows:
        return [], 0, (0, 0)
    first = rows[0]
    ids = [int(row[2]) for row in rows if row[2] is not None]
    return ids, int(first[0]), (int(first[1]), int(first[3]) if len(first) > 3 else 0)
