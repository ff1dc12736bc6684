"""Package versions, their tags and download counts in SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, func, insert, select, update

from packyard.core.ports import SeededVersion
from packyard.domain.types import Version
from packyard.storage.db import columns as cols
from packyard.storage.db import queries as q
from packyard.storage.db import tables as t
from packyard.storage.db.version_pages import VersionPages

# Up to this many names, a seed matches its versions to the package's rows by name, each an
# index lookup on (package_id, name) (and well under SQLite's 32,766 bound parameters); past
# it, by one read of the package's versions.
SEED_NAMES_PER_READ = 1_000


class SqlVersions(VersionPages):
    def find_version(self, package_id: int, version_id: int) -> Version | None:
        # One row per live tag (or one with a NULL tag): the version and its tags at once.
        rows = q.VERSION_WITH_TAGS.rows(self.conn, id=version_id, package_id=package_id)
        if not rows:
            return None
        tags = cols.live_tags(rows, self.conn)
        if not tags:
            self.untagged_read(version_id)
        return cols.version_from(rows[0], tags)

    def find_version_by_name(self, package_id: int, name: str) -> Version | None:
        """The live version of that name, with its tags, in one read."""
        rows = q.LIVE_VERSION_WITH_TAGS.rows(self.conn, package_id=package_id, name=name)
        if not rows:
            return None
        tags = cols.live_tags(rows, self.conn)
        version = cols.version_from(rows[0], tags)
        if not tags:
            self.untagged_read(version.id)
        return version

    def untagged_read(self, version_id: int) -> None:
        self.state.untagged_read(version_id)

    def version_under_lock(
        self, package_id: int, version_id: int, read: Version | None
    ) -> Version | None:
        """In a serialized write (SQLite's BEGIN IMMEDIATE) nothing but this transaction
        changes the version between its read and the package's lock, so `read` stands (the
        version read again was a statement of a REST delete's nine); elsewhere another
        transaction may have changed it before the lock was granted: it is read again."""
        if self.state.serialized:
            return read
        return self.find_version(package_id, version_id)

    def _tags_written(self) -> None:
        """Any tag written may have tagged a version read untagged: none is known untagged."""
        self.state.untagged.clear()

    def version_counts(
        self, package_id: int, *, active: bool = True, tagged: bool = True
    ) -> tuple[int | None, int | None]:
        """(live versions, live tagged versions up to 2): enough for the last-version rules;
        a count not asked for is not read (None)."""
        live = None
        if active:
            counters = q.PACKAGE_COUNTERS.first(self.conn, id=package_id)
            live = int(counters[0]) if counters else 0
        up_to_two = (
            int(q.TAGGED_UP_TO_TWO.scalar(self.conn, package_id=package_id)) if tagged else None
        )
        return live, up_to_two

    def downloads_since(self, package_id: int, day: str) -> list[tuple[int, str, int]]:
        """(version id, name, downloads) of live versions downloaded on `day` (YYYY-MM-DD,
        UTC) or later; versions nobody downloaded are left out."""
        v, d = t.versions, t.version_downloads
        rows = self.conn.execute(
            select(v.c.id, v.c.name, func.sum(d.c.count))
            .join(d, d.c.version_id == v.c.id)
            .where(v.c.package_id == package_id, v.c.deleted_at.is_(None), d.c.day >= day)
            .group_by(v.c.id, v.c.name)
            .order_by(v.c.id)
        ).all()
        return [(int(row[0]), str(row[1]), int(row[2])) for row in rows]

    def daily_downloads(self, package_id: int, day: str) -> list[tuple[str, int]]:
        """(day, downloads) of the package's live versions, per UTC day from `day` on, oldest
        first; days without a download are left out."""
        v, d = t.versions, t.version_downloads
        rows = self.conn.execute(
            select(d.c.day, func.sum(d.c.count))
            .join(v, d.c.version_id == v.c.id)
            .where(v.c.package_id == package_id, v.c.deleted_at.is_(None), d.c.day >= day)
            .group_by(d.c.day)
            .order_by(d.c.day)
        ).all()
        return [(str(row[0]), int(row[1])) for row in rows]

    def recount_versions(self, package_id: int) -> None:
        """After bulk loads that bypass the store: count the live versions again."""
        self._versions_changed(package_id, None)

    def _versions_changed(self, package_id: int, delta: int | None) -> None:
        """Keep `version_count` and `version_generation` in step; None recounts."""
        if delta is not None:
            q.VERSIONS_CHANGED.execute(self.conn, id=package_id, delta=delta)
            return
        p = t.packages
        v = t.versions
        count: Any = (
            select(func.count())
            .select_from(v)
            .where(v.c.package_id == package_id, v.c.deleted_at.is_(None))
            .scalar_subquery()
            if delta is None
            else p.c.version_count + delta
        )
        self.conn.execute(
            update(p)
            .where(p.c.id == package_id)
            .values(version_count=count, version_generation=p.c.version_generation + 1)
        )

    def upsert_versions(self, package_id: int, versions: Sequence[SeededVersion]) -> list[int]:
        # Row by row, N versions cost N lookups by name and N recounts of the package's live
        # versions, each as long as the package: O(N²), 9 minutes for 60,000. Here the
        # statements do not grow with N: one read matching the names (and one reading back
        # the new ids), one executemany each for the updates and the inserts, the package's
        # tags read and written once, one recount.
        names = [seeded.name for seeded in versions]
        if len(set(names)) != len(names):
            raise ValueError("a version name appears twice")  # the seed refuses such files
        v = t.versions
        ids = self._match_names(package_id, names)
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for seeded in versions:
            live = seeded.values.get("deleted_at") is None
            row = {
                **seeded.values,
                "live_name": seeded.name if live else None,
                "deleted_tags": None if live else json.dumps(list(seeded.tags or [])),
            }
            if seeded.name in ids:
                updates.append({**row, "b_id": ids[seeded.name]})
            else:
                inserts.append({**row, "package_id": package_id, "name": seeded.name})
        if updates:
            self.conn.execute(update(v).where(v.c.id == bindparam("b_id")), updates)
        if inserts:
            # In the order given, so new versions take ids in the file's order. No RETURNING:
            # SQLAlchemy sends one INSERT per row to SQLite when it must keep the rows' order
            # (SQLite does not promise it), so the new ids are read back by name, which
            # matched no row before.
            self.conn.execute(insert(v), inserts)
            ids.update(self._match_names(package_id, [row["name"] for row in inserts]))
        self._seed_tags(package_id, [(ids[seeded.name], seeded) for seeded in versions])
        self._versions_changed(package_id, None)
        return [ids[name] for name in names]

    def _match_names(self, package_id: int, names: Sequence[str]) -> dict[str, int]:
        """The row each name matches: its live version, else its newest deleted one (a
        deleted version's name may be published again, so a name may have several)."""
        v = t.versions
        query = select(v.c.id, v.c.name, v.c.deleted_at).where(v.c.package_id == package_id)
        if len(names) <= SEED_NAMES_PER_READ:
            # Looked up through (package_id, name): a few names cost a few index reads, even
            # in a package of a million versions.
            query = query.where(v.c.name.in_(names))
        # Many names: the package's versions in one read. An IN list of thousands of names
        # is no cheaper, and PostgreSQL, whose statistics have not yet seen the rows this
        # transaction wrote, plans it as a filter over every row of the package (~0.4 s per
        # 1,000 names against 12,000 versions).
        wanted = set(names)
        found: dict[str, tuple[bool, int]] = {}
        for version_id, name, deleted_at in self.conn.execute(query):
            if name not in wanted:
                continue
            rank = (deleted_at is None, int(version_id))
            if name not in found or rank > found[name]:
                found[name] = rank
        return {name: version_id for name, (_live, version_id) in found.items()}

    def _seed_tags(self, package_id: int, seeded: Sequence[tuple[int, SeededVersion]]) -> None:
        """Each seeded version's tags, as seeding them one by one would leave them, written
        as the difference from the package's tags before."""
        vt = t.version_tags
        self._tags_written()
        before: dict[str, int] = {
            str(tag): int(version_id)
            for tag, version_id in self.conn.execute(
                select(vt.c.tag, vt.c.version_id).where(vt.c.package_id == package_id)
            )
        }
        after = dict(before)
        held: dict[int, set[str]] = {}
        for tag, version_id in after.items():
            held.setdefault(version_id, set()).add(tag)
        for version_id, version in seeded:
            live = version.values.get("deleted_at") is None
            if version.tags is not None or not live:  # None: a live version keeps its tags
                for tag in held.pop(version_id, set()):
                    del after[tag]
            if live and version.tags:
                for tag in version.tags:
                    # A tag names one version: seeding it here moves it from wherever it was.
                    holder = after.get(tag)
                    if holder is not None:
                        held[holder].discard(tag)
                    after[tag] = version_id
                    held.setdefault(version_id, set()).add(tag)
        gone = [
            {"b_tag": tag} for tag, version_id in before.items() if after.get(tag) != version_id
        ]
        added = [
            {"package_id": package_id, "tag": tag, "version_id": version_id}
            for tag, version_id in after.items()
            if before.get(tag) != version_id
        ]
        if gone:
            self.conn.execute(
                delete(vt).where(vt.c.package_id == package_id, vt.c.tag == bindparam("b_tag")),
                gone,
            )
        if added:
            self.conn.execute(insert(vt), added)

    def soft_delete_version(self, version: Version, now: datetime) -> bool:
        # The tags are taken and read in one statement (where a read, then a delete, was
        # two), so none moved onto the version in between is lost. A serialized write that
        # read the version untagged, and has written no tag since, knows there are none to
        # take (a REST delete of an untagged version: one statement of its ten).
        tags: list[str] = []
        if version.id not in self.state.untagged:
            tags = sorted(
                row[0] for row in q.TAKE_TAGS_OF_VERSION.rows(self.conn, version_id=version.id)
            )
        # The conditional update is the arbiter between concurrent deletes: only one of
        # them sees a live row, the other gets rowcount 0 and answers 404 (its take of the
        # tags waited for the winner's and found none).
        done = q.SOFT_DELETE_VERSION.execute(
            self.conn, id=version.id, now=now, tags=orjson.dumps(tags).decode()
        )
        if done:
            self._versions_changed(version.package_id, -1)
        return bool(done)

    def restore_version(self, version: Version, now: datetime) -> bool:
        v = t.versions
        done = self.conn.execute(
            update(v)
            .where(v.c.id == version.id, v.c.deleted_at.is_not(None))
            .values(deleted_at=None, live_name=version.name, deleted_tags=None)
        ).rowcount
        if not done:
            return False
        self._versions_changed(version.package_id, +1)
        if not version.tags:
            return True
        vt = t.version_tags
        self._tags_written()
        taken = set(
            self.conn.execute(
                select(vt.c.tag).where(
                    vt.c.package_id == version.package_id, vt.c.tag.in_(version.tags)
                )
            ).scalars()
        )
        free = [tag for tag in version.tags if tag not in taken]
        if free:
            self.conn.execute(
                insert(vt),
                [
                    {"package_id": version.package_id, "tag": tag, "version_id": version.id}
                    for tag in free
                ],
            )
        return True

    def create_version(
        self,
        package_id: int,
        name: str,
        now: datetime,
        description: str | None = None,
        license: str | None = None,
    ) -> int:
        v = t.versions
        version_id = self.conn.execute(
            insert(v)
            .values(
                package_id=package_id,
                name=name,
                live_name=name,
                download_count=0,
                description=description,
                license=license,
                created_at=now,
                updated_at=now,
            )
            .returning(v.c.id)
        ).scalar_one()
        self.conn.execute(
            update(t.packages).where(t.packages.c.id == package_id).values(updated_at=now)
        )
        self._bump_versions(package_id, +1)
        return int(version_id)

    def _bump_versions(self, package_id: int, delta: int) -> None:
        p = t.packages
        self.conn.execute(
            update(p)
            .where(p.c.id == package_id)
            .values(
                version_count=p.c.version_count + delta,
                version_generation=p.c.version_generation + 1,
            )
        )

    def move_tag(self, package_id: int, tag: str, version_id: int, now: datetime) -> None:
        """Point `tag` at `version_id`, taking it from whichever version had it."""
        vt = t.version_tags
        self._tags_written()
        self.conn.execute(delete(vt).where(vt.c.package_id == package_id, vt.c.tag == tag))
        self.conn.execute(insert(vt).values(package_id=package_id, tag=tag, version_id=version_id))
        self.conn.execute(
            update(t.versions).where(t.versions.c.id == version_id).values(updated_at=now)
        )
        # The tagged and untagged listings' page indexes are keyed by the generation.
        self._bump_versions(package_id, 0)

    def untag(self, package_id: int, tag: str) -> bool:
        vt = t.version_tags
        self._tags_written()
        untagged = bool(
            self.conn.execute(
                delete(vt).where(vt.c.package_id == package_id, vt.c.tag == tag)
            ).rowcount
        )
        if untagged:
            self._bump_versions(package_id, 0)
        return untagged

    def list_tags(self, package_id: int, last: str | None, limit: int | None) -> list[str]:
        vt = t.version_tags
        query = select(vt.c.tag).where(vt.c.package_id == package_id).order_by(vt.c.tag)
        if last is not None:
            query = query.where(vt.c.tag > last)
        if limit is not None:
            query = query.limit(limit)
        return [str(tag) for tag in self.conn.execute(query).scalars()]

    def record_download(self, version_id: int, day: str, times: int = 1) -> None:
        """`times` downloads of the version on `day`; nothing if the version is gone (a
        batch of counts may reach the database after a purge)."""
        if times == 1:
            # Precompiled, as the REST API's hot reads are.
            if not q.COUNT_DOWNLOAD.execute(self.conn, version_id=version_id):
                return
            q.DOWNLOADS_CHANGED.execute(self.conn, version_id=version_id)
            if not q.COUNT_DOWNLOAD_DAY.execute(self.conn, version_id=version_id, day=day):
                q.FIRST_DOWNLOAD_OF_DAY.execute(self.conn, version_id=version_id, day=day)
            return
        v, d = t.versions, t.version_downloads
        counted = self.conn.execute(
            update(v).where(v.c.id == version_id).values(download_count=v.c.download_count + times)
        ).rowcount
        if not counted:
            return
        q.DOWNLOADS_CHANGED.execute(self.conn, version_id=version_id)
        that_day = (d.c.version_id == version_id) & (d.c.day == day)
        if not self.conn.execute(
            update(d).where(that_day).values(count=d.c.count + times)
        ).rowcount:
            self.conn.execute(insert(d).values(version_id=version_id, day=day, count=times))
