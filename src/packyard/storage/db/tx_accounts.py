"""Accounts, organizations, repositories and tokens in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from packyard.core.ports import TokenRecord
from packyard.domain.rules import normalize_name
from packyard.domain.types import (
    Account,
    AccountType,
    OrgRole,
    Repository,
    RepositoryPermission,
    TokenKind,
    Visibility,
)
from packyard.storage.db import queries as q
from packyard.storage.db import tables as t
from packyard.storage.db.compiled import timestamp
from packyard.storage.db.tx_base import TransactionBase


def token_record(row: Any) -> TokenRecord | None:
    if row is None:
        return None
    T, at = q.T, q.T.width  # a TOKEN_WITH_USER row: the token, then its user's account
    user = q.account_from(row, at=at) if row[at + q.A.id] is not None else None
    return TokenRecord(
        id=row[T.id],
        user=user,
        kind=TokenKind(row[T.kind]),
        scopes=frozenset(s for s in row[T.scopes].split(",") if s),
        repository_id=row[T.repository_id],
        packages_permission=row[T.packages_permission],
        expires_at=timestamp(row[T.expires_at]),
        revoked_at=timestamp(row[T.revoked_at]),
        last_used_at=timestamp(row[T.last_used_at]),
    )


class AccountsTransaction(TransactionBase):
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
        R = q.R
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
        return token_record(q.TOKEN_WITH_USER.first(self.conn, token_hash=token_hash))

    def find_token_by_id(self, token_id: int) -> tuple[TokenRecord, str] | None:
        """A token and its stored hash, which keys the registry tokens minted from it."""
        row = q.TOKEN_WITH_USER_AND_HASH_BY_ID.first(self.conn, id=token_id)
        record = token_record(row)
        if row is None or record is None:
            return None
        return record, str(row[-1])

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
