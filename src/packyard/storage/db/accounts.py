"""Accounts, organizations and repositories in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update

from packyard.domain.rules import normalize_name
from packyard.domain.types import (
    Account,
    AccountType,
    OrgRole,
    Repository,
    RepositoryPermission,
    Visibility,
)
from packyard.storage.db import columns as cols
from packyard.storage.db import queries as q
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows


class SqlAccounts(Rows):
    def find_account_by_login(self, login: str) -> Account | None:
        row = q.ACCOUNT_BY_LOGIN.first(self.conn, login=normalize_name(login))
        if row is None:
            return None
        account = cols.account_from(row)
        self.state.accounts[account.id] = account
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
        self.state.accounts[account_id] = account
        return account

    def update_account(self, account_id: int, name: str | None, site_admin: bool) -> None:
        self.conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == account_id)
            .values(name=name, site_admin=site_admin)
        )
        self.state.accounts.pop(account_id, None)

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
        R = cols.R
        owner = self.find_account(row[R.owner_id])
        assert owner is not None  # a foreign key guarantees it
        return Repository(
            id=row[R.id],
            owner=owner,
            name=row[R.name],
            visibility=Visibility(row[R.visibility]),
            description=row[R.description],
        )

    def find_repository(self, owner_id: int, name: str) -> Repository | None:
        row = q.REPOSITORY_BY_NAME.first(self.conn, owner_id=owner_id, name=normalize_name(name))
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
