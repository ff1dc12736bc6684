"""Users and organizations as the REST API shows them."""

from __future__ import annotations

from packyard.core.context import Context
from packyard.domain.errors import NotFound
from packyard.domain.types import Account
from packyard.services.access import NOT_FOUND, OwnerScope, resolve_owner


def get_authenticated_user(ctx: Context) -> Account:
    with ctx.store.read() as tx:
        return resolve_owner(tx, ctx.actor, OwnerScope.AUTHENTICATED_USER, None)


def get_account(ctx: Context, login: str) -> Account:
    with ctx.store.read() as tx:
        account = tx.accounts.find_account_by_login(login)
    if account is None:
        raise NotFound(NOT_FOUND)
    return account
