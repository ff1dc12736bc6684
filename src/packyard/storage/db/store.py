"""The SQL implementation of the services' `Store`, on SQLAlchemy Core."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from packyard.domain.rules import normalize_name
from packyard.domain.types import (
    Account,
    AccountType,
    OrgRole,
    Package,
    PackageType,
    Repository,
    RepositoryPermission,
    Role,
    TokenKind,
    Version,
    Visibility,
)
from packyard.services.ports import PurgeCounts, TokenRecord
from packyard.storage.db import queries as q
from packyard.storage.db import tables as t
from packyard.storage.db.compiled import timestamp
from packyard.storage.db.engine import read_transaction, transaction, write_transaction
from packyard.storage.db.pages import PAGE_CHECKPOINT_EVERY, PageIndex

_ROLE_BY_NAME = {"read": Role.READ, "write": Role.WRITE, "admin": Role.ADMIN}
_ROLE_NAME = {v: k for k, v in _ROLE_BY_NAME.items()}


class SqlStore:
    """The store on one engine.

    On SQLite each thread keeps one connection open for good: requests run inline on the
    event loop, one at a time per thread, and a pool checkout and return per transaction
    cost as much as the queries; reads there run without an explicit transaction.
    PostgreSQL connections go back to the pool after each transaction, so a restarted
    server is survived.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pages = PageIndex()
        self._held = threading.local() if engine.dialect.name == "sqlite" else None

    def _held_connection(self) -> Connection:
        assert self._held is not None
        held: Connection | None = getattr(self._held, "conn", None)
        if held is None or held.closed:
            held = self._held.conn = self.engine.connect()
        return held

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[SqlTransaction]:
        if self._held is None:
            opener = write_transaction if write else read_transaction
            with opener(self.engine) as pooled:
                yield SqlTransaction(pooled, self.pages)
            return
        held = self._held_connection()
        if write:
            with transaction(held, write=True):
                yield SqlTransaction(held, self.pages)
            return
        # Reads run statement by statement, each seeing the latest commit: the guarantee
        # PostgreSQL's READ COMMITTED gives them too, without a BEGIN and COMMIT per request.
        # A Core statement still opens a transaction of its own; it ends here.
        held.info["packyard_write"] = False
        try:
            yield SqlTransaction(held, self.pages)
        finally:
            if held.in_transaction():
                held.commit()

    def write(self) -> AbstractContextManager[SqlTransaction]:
        return self._transaction(write=True)

    def read(self) -> AbstractContextManager[SqlTransaction]:
        return self._transaction(write=False)

    def lookup_token(self, token_hash: str) -> TokenRecord | None:
        """One statement, so on SQLite it needs no transaction around it."""
        if self._held is None:
            with self.read() as tx:
                return tx.find_token(token_hash)
        held = self._held_connection()
        if held.in_transaction():
            return SqlTransaction(held, self.pages).find_token(token_hash)
        return _token_record(q.TOKEN_WITH_USER.first(held, token_hash=token_hash))

    def close(self) -> None:
        """Close this thread's held connection (tests and shutdown)."""
        conn = getattr(self._held, "conn", None) if self._held is not None else None
        if conn is not None:
            conn.close()
            self._held.conn = None  # type: ignore[union-attr]


def _token_record(row: Any) -> TokenRecord | None:
    if row is None:
        return None
    user = q.account_from(row, at=len(q.TOKEN_COLUMNS)) if row[8] is not None else None
    return TokenRecord(
        id=row[0],
        user=user,
        kind=TokenKind(row[1]),
        scopes=frozenset(s for s in row[2].split(",") if s),
        repository_id=row[3],
        packages_permission=row[4],
        expires_at=timestamp(row[5]),
        revoked_at=timestamp(row[6]),
        last_used_at=timestamp(row[7]),
    )


class SqlTransaction:
    def __init__(self, conn: Connection, pages: PageIndex) -> None:
        self.conn = conn
        self.pages = pages
        # Owners are looked up again for every package rendered; one read per transaction.
        self._accounts: dict[int, Account] = {}

    # accounts, orgs, repositories -----------------------------------------------------

    def find_account_by_login(self, login: str) -> Account | None:
        row = q.ACCOUNT_BY_LOGIN.first(self.conn, login=normalize_name(login))
        if row is None:
            return None
        account = q.account_from(row)
        self._accounts[account.id] = account
        return account

    def find_account(self, account_id: int) -> Account | None:
        if account_id in self._accounts:
            return self._accounts[account_id]
        row = q.ACCOUNT_BY_ID.first(self.conn, id=account_id)
        if row is None:
            return None
        account = q.account_from(row)
        self._accounts[account_id] = account
        return account

    def create_account(
        self, login: str, type_: str, name: str | None, site_admin: bool, now: datetime
    ) -> Account:
        account_id = self.conn.execute(
            insert(t.accounts)
            .values(
                login=login,
                login_norm=normalize_name(login),
                type=type_,
                name=name,
                site_admin=site_admin,
                created_at=now,
            )
            .returning(t.accounts.c.id)
        ).scalar_one()
        account = Account(account_id, login, AccountType(type_), name, site_admin, now)
        self._accounts[account_id] = account
        return account

    def update_account(self, account_id: int, name: str | None, site_admin: bool) -> None:
        self.conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == account_id)
            .values(name=name, site_admin=site_admin)
        )
        self._accounts.pop(account_id, None)

    def org_role(self, org_id: int, user_id: int) -> OrgRole | None:
        role = q.ORG_ROLE.scalar(self.conn, org_id=org_id, user_id=user_id)
        return OrgRole(role) if role else None

    def set_org_role(self, org_id: int, user_id: int, role: OrgRole) -> None:
        m = t.org_memberships
        done = self.conn.execute(
            update(m).where(m.c.org_id == org_id, m.c.user_id == user_id).values(role=role.value)
        ).rowcount
        if not done:
            self.conn.execute(insert(m).values(org_id=org_id, user_id=user_id, role=role.value))

    def _repository(self, row: Any) -> Repository | None:
        """A repository from a row of `REPOSITORY_COLUMNS`."""
        if row is None:
            return None
        owner = self.find_account(row[1])
        assert owner is not None  # a foreign key guarantees it
        return Repository(
            id=row[0],
            owner=owner,
            name=row[2],
            visibility=Visibility(row[3]),
            description=row[4],
        )

    def find_repository(self, owner_id: int, name: str) -> Repository | None:
        r = t.repositories
        row = self.conn.execute(
            select(*q.REPOSITORY_COLUMNS).where(
                r.c.owner_id == owner_id, r.c.name_norm == normalize_name(name)
            )
        ).first()
        return self._repository(row)

    def get_repository(self, repository_id: int) -> Repository | None:
        return self._repository(q.REPOSITORY_BY_ID.first(self.conn, id=repository_id))

    def upsert_repository(
        self, owner_id: int, name: str, visibility: Visibility, now: datetime
    ) -> int:
        existing = self.find_repository(owner_id, name)
        r = t.repositories
        if existing is not None:
            self.conn.execute(
                update(r).where(r.c.id == existing.id).values(name=name, visibility=visibility)
            )
            return existing.id
        return int(
            self.conn.execute(
                insert(r)
                .values(
                    owner_id=owner_id,
                    name=name,
                    name_norm=normalize_name(name),
                    visibility=visibility.value,
                    created_at=now,
                )
                .returning(r.c.id)
            ).scalar_one()
        )

    def collaborator_permission(
        self, repository_id: int, user_id: int
    ) -> RepositoryPermission | None:
        value = q.COLLABORATOR_PERMISSION.scalar(
            self.conn, repository_id=repository_id, user_id=user_id
        )
        return RepositoryPermission(value) if value else None

    def set_collaborator(
        self, repository_id: int, user_id: int, permission: RepositoryPermission
    ) -> None:
        c = t.collaborators
        self.conn.execute(
            delete(c).where(c.c.repository_id == repository_id, c.c.user_id == user_id)
        )
        self.conn.execute(
            insert(c).values(
                repository_id=repository_id, user_id=user_id, permission=permission.value
            )
        )

    # tokens -------------------------------------------------------------------------

    def find_token(self, token_hash: str) -> TokenRecord | None:
        return _token_record(q.TOKEN_WITH_USER.first(self.conn, token_hash=token_hash))

    def token_owner_id(self, token_hash: str) -> int | None:
        tk = t.tokens
        row = self.conn.execute(
            select(tk.c.user_id, tk.c.repository_id).where(tk.c.token_hash == token_hash)
        ).first()
        return None if row is None else row.user_id

    def upsert_token(self, token_hash: str, prefix: str, values: dict[str, Any]) -> int:
        tk = t.tokens
        existing = self.conn.execute(select(tk.c.id).where(tk.c.token_hash == token_hash)).scalar()
        if existing is not None:
            # A token keeps the moment it was first made, however often it is re-seeded.
            changes = {k: v for k, v in values.items() if k != "created_at"}
            self.conn.execute(update(tk).where(tk.c.id == existing).values(**changes))
            return int(existing)
        return int(
            self.conn.execute(
                insert(tk)
                .values(token_hash=token_hash, token_prefix=prefix, **values)
                .returning(tk.c.id)
            ).scalar_one()
        )

    def touch_token(self, token_id: int, now: datetime) -> None:
        self.conn.execute(
            update(t.tokens).where(t.tokens.c.id == token_id).values(last_used_at=now)
        )

    def revoke_token(self, token_hash: str, now: datetime) -> bool:
        tk = t.tokens
        return bool(
            self.conn.execute(
                update(tk)
                .where(tk.c.token_hash == token_hash, tk.c.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount
        )

    # packages -----------------------------------------------------------------------

    def _package(self, row: Any) -> Package:
        owner = self.find_account(row[1])
        assert owner is not None  # a foreign key guarantees it
        return q.package_from(row, owner)

    def find_package(self, owner_id: int, package_type: PackageType, name: str) -> Package | None:
        row = q.LIVE_PACKAGE.first(
            self.conn,
            owner_id=owner_id,
            package_type=package_type.value,
            name=normalize_name(name),
        )
        return None if row is None else self._package(row)

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
        owner = q.account_from(row)
        self._accounts[owner.id] = owner
        width = len(q.ACCOUNT_COLUMNS)
        package = q.package_from(row[width:], owner) if row[width] is not None else None
        return owner, package

    def find_deleted_packages(
        self, owner_id: int, package_type: PackageType, name: str
    ) -> list[Package]:
        p = t.packages
        rows = self.conn.execute(
            select(*q.PACKAGE_COLUMNS)
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
            select(*q.PACKAGE_COLUMNS)
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
            select(*q.PACKAGE_COLUMNS)
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

    def set_package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None, role: Role
    ) -> None:
        a = t.package_access
        done = self.conn.execute(
            update(a)
            .where(
                a.c.package_id == package_id,
                a.c.user_id.is_(None) if user_id is None else a.c.user_id == user_id,
                a.c.repository_id.is_(None)
                if repository_id is None
                else a.c.repository_id == repository_id,
            )
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

    def lock_package(self, package_id: int) -> bool:
        """Serialize changes to one package's versions.

        PostgreSQL reads each statement at its own snapshot: without the lock, a delete could
        count versions after a concurrent delete committed and take the whole package.
        SQLite needs nothing here; its writers are already serialized by BEGIN IMMEDIATE.
        Returns whether the package is still live once locked.
        """
        row = q.LOCK_PACKAGE.first(self.conn, id=package_id)
        return row is not None and row[0] is None

    def soft_delete_package(self, package_id: int, now: datetime) -> bool:
        p = t.packages
        return bool(
            self.conn.execute(
                update(p)
                .where(p.c.id == package_id, p.c.deleted_at.is_(None))
                .values(deleted_at=now, live_name=None, updated_at=now)
            ).rowcount
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

    def max_download_count(self, package_id: int) -> int:
        v = t.versions
        value = self.conn.execute(
            select(func.max(v.c.download_count)).where(
                v.c.package_id == package_id, v.c.deleted_at.is_(None)
            )
        ).scalar()
        return int(value or 0)

    # versions -----------------------------------------------------------------------

    def _versions(self, rows: Sequence[Any]) -> list[Version]:
        """Versions from rows of `VERSION_COLUMNS`, with the live ones' tags."""
        live_ids = [row[0] for row in rows if row[9] is None]
        tags: dict[int, list[str]] = {}
        if live_ids:
            vt = t.version_tags
            for version_id, tag in self.conn.execute(
                select(vt.c.version_id, vt.c.tag)
                .where(vt.c.version_id.in_(live_ids))
                .order_by(vt.c.version_id, vt.c.tag)
            ):
                tags.setdefault(version_id, []).append(tag)
        return [q.version_from(row, tags.get(row[0], ())) for row in rows]

    def find_version(self, package_id: int, version_id: int) -> Version | None:
        # One row per live tag (or one with a NULL tag): the version and its tags at once.
        rows = q.VERSION_WITH_TAGS.rows(self.conn, id=version_id, package_id=package_id)
        if not rows:
            return None
        tags = [row[-1] for row in rows if row[-1] is not None]
        return q.version_from(rows[0], tags)

    def find_version_by_name(self, package_id: int, name: str) -> Version | None:
        v = t.versions
        rows = self.conn.execute(
            select(*q.VERSION_COLUMNS).where(v.c.package_id == package_id, v.c.live_name == name)
        ).all()
        found = self._versions(rows)
        return found[0] if found else None

    def page_versions(
        self, package_id: int, deleted: bool, offset: int, limit: int
    ) -> tuple[list[Version], int]:
        counters = q.PACKAGE_COUNTERS.first(self.conn, id=package_id)
        if counters is None:
            return [], 0
        version_count, generation = counters
        if deleted:
            v = t.versions
            total = int(
                self.conn.execute(
                    select(func.count())
                    .select_from(v)
                    .where(v.c.package_id == package_id, v.c.deleted_at.is_not(None))
                ).scalar_one()
            )
        else:
            total = int(version_count)
        if offset >= total:
            return [], total
        params: dict[str, Any] = {"package_id": package_id, "limit": limit, "offset": offset}
        anchor = self.pages.anchor(
            (package_id, deleted, int(generation)),
            offset,
            lambda: [
                (timestamp(row[0]), int(row[1]))
                for row in q.checkpoints(deleted, PAGE_CHECKPOINT_EVERY).rows(
                    self.conn, package_id=package_id
                )
            ],
        )
        if anchor is not None:
            # Seek to the nearest checkpoint through the index, then skip the rest: a deep
            # page costs about what a shallow one does.
            anchor_offset, params["anchor_created"], params["anchor_id"] = anchor
            params["offset"] = offset - anchor_offset
        versions_query, tags_query = q.version_page(deleted, anchor is not None)
        rows = versions_query.rows(self.conn, **params)
        tags: dict[int, list[str]] = {}
        if not deleted:
            for version_id, tag in tags_query.rows(self.conn, **params):
                tags.setdefault(version_id, []).append(tag)
        return [q.version_from(row, tags.get(row[0], ())) for row in rows], total

    def version_counts(self, package_id: int) -> tuple[int, int]:
        """(live versions, live tagged versions up to 2): enough for the last-version rules."""
        active = q.PACKAGE_COUNTERS.first(self.conn, id=package_id)
        tagged = q.TAGGED_UP_TO_TWO.scalar(self.conn, package_id=package_id)
        return (int(active[0]) if active else 0), int(tagged)

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

    def upsert_version(
        self, package_id: int, name: str, values: dict[str, Any], tags: Sequence[str]
    ) -> int:
        v = t.versions
        live = values.get("deleted_at") is None
        existing = self.conn.execute(
            select(v.c.id)
            .where(v.c.package_id == package_id, v.c.name == name)
            .order_by(v.c.deleted_at.is_(None).desc(), v.c.id.desc())
        ).scalar()
        row = {
            **values,
            "live_name": name if live else None,
            "deleted_tags": None if live else json.dumps(list(tags)),
        }
        if existing is not None:
            self.conn.execute(update(v).where(v.c.id == existing).values(**row))
            version_id = int(existing)
        else:
            version_id = int(
                self.conn.execute(
                    insert(v).values(package_id=package_id, name=name, **row).returning(v.c.id)
                ).scalar_one()
            )
        vt = t.version_tags
        self.conn.execute(delete(vt).where(vt.c.version_id == version_id))
        if live and tags:
            # A tag names one version: seeding it here moves it from wherever it was.
            self.conn.execute(delete(vt).where(vt.c.package_id == package_id, vt.c.tag.in_(tags)))
            self.conn.execute(
                insert(vt),
                [{"package_id": package_id, "tag": tag, "version_id": version_id} for tag in tags],
            )
        self._versions_changed(package_id, None)
        return version_id

    def soft_delete_version(self, version: Version, now: datetime) -> bool:
        tags = [row[0] for row in q.TAGS_OF_VERSION.rows(self.conn, version_id=version.id)]
        # The conditional update is the arbiter between concurrent deletes: only one of
        # them sees a live row, the other gets rowcount 0 and answers 404.
        done = q.SOFT_DELETE_VERSION.execute(
            self.conn, id=version.id, now=now, tags=json.dumps(tags)
        )
        if done:
            q.DELETE_TAGS_OF_VERSION.execute(self.conn, version_id=version.id)
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

    # housekeeping -------------------------------------------------------------------

    def audit(
        self,
        action: str,
        *,
        at: datetime,
        actor_id: int | None,
        token_id: int | None,
        request_id: str | None,
        package_id: int | None,
        version_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        q.AUDIT.execute(
            self.conn,
            at=at,
            action=action,
            actor_id=actor_id,
            token_id=token_id,
            request_id=request_id,
            package_id=package_id,
            version_id=version_id,
            before=json.dumps(before, default=str) if before is not None else None,
            after=json.dumps(after, default=str) if after is not None else None,
        )

    def purge_deleted(self, cutoff: datetime) -> PurgeCounts:
        v = t.versions
        p = t.packages
        purged = v.c.deleted_at.is_not(None) & (v.c.deleted_at < cutoff)
        self.conn.execute(
            update(p)
            .where(p.c.id.in_(select(v.c.package_id).where(purged)))
            .values(version_generation=p.c.version_generation + 1)
        )
        versions = self.conn.execute(
            delete(v).where(v.c.deleted_at.is_not(None), v.c.deleted_at < cutoff)
        ).rowcount
        packages = self.conn.execute(
            delete(p).where(p.c.deleted_at.is_not(None), p.c.deleted_at < cutoff)
        ).rowcount
        return PurgeCounts(packages=int(packages), versions=int(versions))
