"""Packages and their access grants in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update

from packyard.domain.rules import normalize_name
from packyard.domain.types import (
    Account,
    Package,
    PackageType,
    Role,
    Version,
    Visibility,
)
from packyard.storage.db import columns as cols
from packyard.storage.db import queries as q
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows

_ROLE_BY_NAME = {"read": Role.READ, "write": Role.WRITE, "admin": Role.ADMIN}


_ROLE_NAME = {v: k for k, v in _ROLE_BY_NAME.items()}


class SqlPackages(Rows):
    def _package(self, row: Any) -> Package:
        owner = self.find_account(row[cols.P.owner_id])
        assert owner is not None  # a foreign key guarantees it
        return cols.package_from(row, owner)

    def find_package(self, owner_id: int, package_type: PackageType, name: str) -> Package | None:
        row = q.LIVE_PACKAGE.first(
            self.conn,
            owner_id=owner_id,
            package_type=package_type.value,
            name=normalize_name(name),
        )
        if row is None:
            return None
        self.state.live_packages.add(row[cols.P.id])
        return self._package(row)

    def find_owner_and_package(
        self, login: str, package_type: str, name: str
    ) -> tuple[Account | None, Package | None]:
        """The owner by login and its live package of that type and name, in one read."""
        row = q.OWNER_WITH_LIVE_PACKAGE.first(
            self.conn,
            login=normalize_name(login),
            package_type=package_type,
            name=normalize_name(name),
        )
        if row is None:
            return None, None
        width = len(cols.ACCOUNT_COLUMNS)
        if row[width] is None:
            owner = cols.account_from(row)
            self.state.accounts[owner.id] = owner
            return owner, None
        owner, package = self.state.kept_packages.of(row)
        self.state.accounts[owner.id] = owner
        self.state.live_packages.add(package.id)
        return owner, package

    def find_owner_package_and_version(
        self, login: str, package_type: str, name: str, version_id: int | None
    ) -> tuple[Account | None, Package | None, Version | None]:
        """`find_owner_and_package` and the package's version `version_id` (live or not,
        with its tags), in one read: a get-version's one statement after its token's."""
        rows = q.OWNER_PACKAGE_AND_VERSION.rows(
            self.conn,
            login=normalize_name(login),
            package_type=package_type,
            name=normalize_name(name),
            version_id=version_id,
        )
        if not rows:
            return None, None, None
        row = rows[0]
        at_package = len(cols.ACCOUNT_COLUMNS)
        if row[at_package] is None:
            owner = cols.account_from(row)
            self.state.accounts[owner.id] = owner
            return owner, None, None
        owner, package = self.state.kept_packages.of(row)
        self.state.accounts[owner.id] = owner
        self.state.live_packages.add(package.id)
        at_version = at_package + len(cols.PACKAGE_COLUMNS)
        if row[at_version] is None:
            return owner, package, None
        tags = cols.live_tags(rows, self.conn)
        version = cols.version_from(row[at_version:], tags)
        if not tags:
            self.state.untagged_read(version.id)
        return owner, package, version

    def find_deleted_packages(
        self, owner_id: int, package_type: PackageType, name: str
    ) -> list[Package]:
        p = t.packages
        rows = self.conn.execute(
            select(*cols.PACKAGE_COLUMNS)
            .where(
                p.c.owner_id == owner_id,
                p.c.package_type == package_type.value,
                p.c.name_norm == normalize_name(name),
                p.c.deleted_at.is_not(None),
            )
            .order_by(p.c.deleted_at.desc(), p.c.id.desc())
        ).all()
        return [self._package(row) for row in rows]

    def list_packages(self, owner_id: int, package_type: PackageType) -> list[Package]:
        p = t.packages
        rows = self.conn.execute(
            select(*cols.PACKAGE_COLUMNS)
            .where(
                p.c.owner_id == owner_id,
                p.c.package_type == package_type.value,
                p.c.deleted_at.is_(None),
            )
            .order_by(p.c.created_at, p.c.id)
        ).all()
        return [self._package(row) for row in rows]

    def page_packages(
        self,
        owner_id: int,
        package_type: PackageType,
        visibilities: Sequence[Visibility] | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Package], int]:
        p = t.packages
        where = [
            p.c.owner_id == owner_id,
            p.c.package_type == package_type.value,
            p.c.deleted_at.is_(None),
        ]
        if visibilities is not None:
            where.append(p.c.visibility.in_([v.value for v in visibilities]))
        total = self.conn.execute(select(func.count()).select_from(p).where(*where)).scalar_one()
        rows = self.conn.execute(
            select(*cols.PACKAGE_COLUMNS)
            .where(*where)
            .order_by(p.c.created_at, p.c.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return [self._package(row) for row in rows], int(total)

    def upsert_package(
        self, owner_id: int, package_type: PackageType, name: str, values: dict[str, Any]
    ) -> int:
        p = t.packages
        norm = normalize_name(name)
        live = values.get("deleted_at") is None
        existing = self.conn.execute(
            select(p.c.id)
            .where(
                p.c.owner_id == owner_id,
                p.c.package_type == package_type.value,
                p.c.name_norm == norm,
            )
            .order_by(p.c.deleted_at.is_(None).desc(), p.c.id.desc())
        ).scalar()
        row = {**values, "name": name, "live_name": norm if live else None}
        if existing is not None:
            self.conn.execute(update(p).where(p.c.id == existing).values(**row))
            return int(existing)
        return int(
            self.conn.execute(
                insert(p)
                .values(owner_id=owner_id, package_type=package_type.value, name_norm=norm, **row)
                .returning(p.c.id)
            ).scalar_one()
        )

    def package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None
    ) -> Role:
        if user_id is not None:
            rows = q.USER_GRANT.rows(self.conn, package_id=package_id, user_id=user_id)
        elif repository_id is not None:
            rows = q.REPOSITORY_GRANT.rows(
                self.conn, package_id=package_id, repository_id=repository_id
            )
        else:
            return Role.NONE
        return max((_ROLE_BY_NAME[row[0]] for row in rows), default=Role.NONE)

    def package_grants(self, package_id: int) -> list[tuple[int | None, int | None, Role]]:
        """(user id, repository id, role) of every grant on the package, oldest first."""
        a = t.package_access
        rows = self.conn.execute(
            select(a.c.user_id, a.c.repository_id, a.c.role)
            .where(a.c.package_id == package_id)
            .order_by(a.c.id)
        ).all()
        return [(row[0], row[1], _ROLE_BY_NAME[row[2]]) for row in rows]

    def set_package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None, role: Role
    ) -> None:
        a = t.package_access
        done = self.conn.execute(
            update(a)
            .where(*_grantee(package_id, user_id, repository_id))
            .values(role=_ROLE_NAME[role])
        ).rowcount
        if not done:
            self.conn.execute(
                insert(a).values(
                    package_id=package_id,
                    user_id=user_id,
                    repository_id=repository_id,
                    role=_ROLE_NAME[role],
                )
            )

    def remove_package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None
    ) -> bool:
        a = t.package_access
        where = _grantee(package_id, user_id, repository_id)
        return bool(self.conn.execute(delete(a).where(*where)).rowcount)

    def set_inherit_access(self, package_id: int, inherit: bool, now: datetime) -> None:
        p = t.packages
        self.conn.execute(
            update(p).where(p.c.id == package_id).values(inherit_access=inherit, updated_at=now)
        )

    def lock_package(self, package_id: int) -> bool:
        """Serialize changes to one package's versions.

        PostgreSQL reads each statement at its own snapshot: without the lock, a delete could
        count versions after a concurrent delete committed and take the whole package.
        SQLite's writers are already serialized by BEGIN IMMEDIATE: a package this write
        transaction read live is live until it ends, and is not read again (a statement of a
        REST delete's twelve).
        Returns whether the package is still live once locked.
        """
        if self.state.serialized and package_id in self.state.live_packages:
            return True
        row = q.LOCK_PACKAGE.first(self.conn, id=package_id)
        return row is not None and row[0] is None

    def soft_delete_package(self, package_id: int, now: datetime) -> bool:
        self.state.live_packages.discard(package_id)
        p = t.packages
        return bool(
            self.conn.execute(
                update(p)
                .where(p.c.id == package_id, p.c.deleted_at.is_(None))
                .values(deleted_at=now, live_name=None, updated_at=now)
            ).rowcount
        )

    def retype_package(self, package_id: int, package_type: PackageType, now: datetime) -> None:
        """The package, with its id, versions and files, is now of `package_type` (a legacy
        Docker image moved to the container registry)."""
        p = t.packages
        self.conn.execute(
            update(p)
            .where(p.c.id == package_id)
            .values(package_type=package_type.value, updated_at=now)
        )

    def restore_package(self, package_id: int, now: datetime) -> bool:
        p = t.packages
        return bool(
            self.conn.execute(
                update(p)
                .where(p.c.id == package_id, p.c.deleted_at.is_not(None))
                .values(deleted_at=None, live_name=p.c.name_norm, updated_at=now)
            ).rowcount
        )

    def set_visibility(self, package_id: int, visibility: Visibility, now: datetime) -> None:
        p = t.packages
        self.conn.execute(
            update(p)
            .where(p.c.id == package_id)
            .values(visibility=visibility.value, updated_at=now)
        )

    def list_deleted_packages(self, owner_id: int) -> list[Package]:
        """The owner's deleted packages, newest deletion first (purged ones are gone)."""
        p = t.packages
        rows = self.conn.execute(
            select(*cols.PACKAGE_COLUMNS)
            .where(p.c.owner_id == owner_id, p.c.deleted_at.is_not(None))
            .order_by(p.c.deleted_at.desc(), p.c.id.desc())
        ).all()
        return [self._package(row) for row in rows]

    def max_download_count(self, package_id: int) -> int:
        v = t.versions
        value = self.conn.execute(
            select(func.max(v.c.download_count)).where(
                v.c.package_id == package_id, v.c.deleted_at.is_(None)
            )
        ).scalar()
        return int(value or 0)

    def total_download_count(self, package_id: int) -> int:
        """The live versions' downloads, summed (the package page's total)."""
        v = t.versions
        value = self.conn.execute(
            select(func.sum(v.c.download_count)).where(
                v.c.package_id == package_id, v.c.deleted_at.is_(None)
            )
        ).scalar()
        return int(value or 0)

    def create_package(
        self,
        owner_id: int,
        package_type: PackageType,
        name: str,
        visibility: Visibility,
        repository_id: int | None,
        now: datetime,
    ) -> Package:
        p = t.packages
        package_id = self.conn.execute(
            insert(p)
            .values(
                owner_id=owner_id,
                package_type=package_type.value,
                name=name,
                name_norm=normalize_name(name),
                live_name=normalize_name(name),
                visibility=visibility.value,
                repository_id=repository_id,
                inherit_access=True,
                version_count=0,
                version_generation=0,
                created_at=now,
                updated_at=now,
            )
            .returning(p.c.id)
        ).scalar_one()
        owner = self.find_account(owner_id)
        assert owner is not None
        return Package(
            id=int(package_id),
            owner=owner,
            package_type=package_type,
            name=name,
            visibility=visibility,
            repository_id=repository_id,
            inherit_access=True,
            created_at=now,
            updated_at=now,
        )


def _grantee(
    package_id: int, user_id: int | None, repository_id: int | None
) -> list[ColumnElement[bool]]:
    """The one grant row of a user or a repository on a package."""
    a = t.package_access
    return [
        a.c.package_id == package_id,
        a.c.user_id.is_(None) if user_id is None else a.c.user_id == user_id,
        a.c.repository_id.is_(None)
        if repository_id is None
        else a.c.repository_id == repository_id,
    ]
