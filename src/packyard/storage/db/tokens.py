"""Tokens in SQL: stored by hash, never in the clear."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from packyard.core.ports import (
    TokenRecord,
)
from packyard.domain.types import (
    TokenKind,
)
from packyard.kept import keep
from packyard.storage.db import columns as cols
from packyard.storage.db import queries as q
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows
from packyard.storage.db.compiled import timestamp


def token_record(row: Any) -> TokenRecord | None:
    if row is None:
        return None
    (
        id_,
        kind,
        scopes,
        repository_id,
        packages_permission,
        expires_at,
        revoked_at,
        last_used_at,
        user_id,
    ) = cols.TOKEN_FIELDS(row)
    return TokenRecord(
        id=id_,
        user=cols.account_from(row, with_token=True) if user_id is not None else None,
        kind=TokenKind(kind),
        scopes=frozenset(s for s in scopes.split(",") if s),
        repository_id=repository_id,
        packages_permission=packages_permission,
        expires_at=timestamp(expires_at),
        revoked_at=timestamp(revoked_at),
        last_used_at=timestamp(last_used_at),
    )


# Tokens whose records are kept; past it the oldest kept is dropped.
MAX_KEPT_TOKENS = 1_000


class TokenRecords:
    """Token records kept by the very row they were built from. Each request still reads
    its token's row (so a revoked, expired or re-scoped token, or a renamed user, is seen at
    once, in every process); only building the record again is spared when the row read is
    the row kept."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[Any, TokenRecord]] = {}

    def of(self, token_hash: str, row: Any) -> TokenRecord | None:
        if row is None:
            return None
        kept = self._kept.get(token_hash)
        if kept is not None and kept[0] == row:
            return kept[1]
        record = token_record(row)
        assert record is not None
        keep(self._kept, token_hash, (tuple(row), record), MAX_KEPT_TOKENS)
        return record


class SqlTokens(Rows):
    def find_token(self, token_hash: str) -> TokenRecord | None:
        return token_record(q.TOKEN_WITH_USER.first(self.conn, token_hash=token_hash))

    def find_token_by_id(self, token_id: int) -> tuple[TokenRecord, str] | None:
        """The token of this id, revoked or expired ones too (the caller checks), with its
        stored hash, which a registry token (`pyr_…`) names its login token by: it is
        signed with the server secret over that id and hash (`auth.tokens.mint_oci_token`,
        checked by `oci_token_signed_by`). The hash is no key: reading the database is not
        enough to forge one."""
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
