"""Administration from the command line: accounts and tokens."""

from __future__ import annotations

from datetime import datetime

from packyard.auth.tokens import generate_token, hash_token, token_prefix
from packyard.core.ports import Store
from packyard.domain.errors import Conflict, NotFound, Unprocessable
from packyard.domain.rules import is_valid_login
from packyard.domain.types import Account, AccountType, OrgRole, TokenKind

KNOWN_SCOPES = frozenset(
    {"read:packages", "write:packages", "delete:packages", "repo", "read:org", "admin:org"}
)


def create_account(
    store: Store,
    login: str,
    type_: AccountType,
    now: datetime,
    name: str | None = None,
    owner: str | None = None,
) -> Account:
    if not is_valid_login(login):
        raise Unprocessable(
            f"{login!r} is not a valid login: 1-39 alphanumerics or single hyphens, "
            "not starting or ending with a hyphen, and not a name the server's own pages "
            "take (login, settings, orgs...)."
        )
    with store.write() as tx:
        if tx.accounts.find_account_by_login(login) is not None:
            raise Conflict(f"{login!r} is already taken.")
        owner_account = None
        if owner is not None:
            owner_account = tx.accounts.find_account_by_login(owner)
            if owner_account is None or owner_account.is_org:
                raise NotFound(f"No user {owner!r} to own the organization.")
        account = tx.accounts.create_account(login, type_.value, name, False, now)
        if owner_account is not None:
            tx.accounts.set_org_role(account.id, owner_account.id, OrgRole.ADMIN)
        return account


def create_token(
    store: Store,
    login: str,
    scopes: list[str],
    kind: TokenKind,
    now: datetime,
    expires_at: datetime | None = None,
    note: str | None = None,
) -> str:
    """Create a token and return it: the only time its plain text exists."""
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise Unprocessable(
            f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(sorted(KNOWN_SCOPES))}."
        )
    if kind not in (TokenKind.CLASSIC, TokenKind.OAUTH):
        raise Unprocessable("Only classic and oauth tokens can be created here.")
    token = generate_token(kind)
    with store.write() as tx:
        user = tx.accounts.find_account_by_login(login)
        if user is None or user.is_org:
            raise NotFound(f"No user {login!r}.")
        tx.tokens.upsert_token(
            hash_token(token),
            token_prefix(token),
            {
                "user_id": user.id,
                "kind": kind.value,
                "scopes": ",".join(dict.fromkeys(scopes)),
                "created_at": now,
                "expires_at": expires_at,
                "note": note,
            },
        )
    return token


def revoke_token(store: Store, token: str, now: datetime) -> None:
    with store.write() as tx:
        if not tx.tokens.revoke_token(hash_token(token), now):
            raise NotFound("No such active token.")
