"""Turning a presented token into an `Actor`."""

from __future__ import annotations

from datetime import datetime, timedelta

from packyard.auth.tokens import (
    REGISTRY_TOKEN_SECONDS,
    hash_token,
    is_registry_token,
    mint_registry_token,
    read_registry_token,
    registry_token_signed_by,
)
from packyard.domain.errors import Unauthenticated
from packyard.domain.permissions import scopes_for_actions
from packyard.domain.types import ANONYMOUS, Actor, TokenKind
from packyard.services.ports import Store, TokenRecord

BAD_CREDENTIALS = "Bad credentials"
# `last_used_at` is advisory: refreshing it at most once a minute keeps reads read-only.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def authenticate(
    store: Store, token: str | None, now: datetime, *, registry_tokens: bool = False
) -> Actor:
    """The actor a request acts as; `None` means no credentials were sent. Registry tokens
    (`pyr_…`, from `/v2/token`) count only where `registry_tokens` says so: on `/v2/`."""
    if token is None:
        return ANONYMOUS
    if registry_tokens and is_registry_token(token):
        record = _registry_token_record(store, token, now)
    else:
        record = store.lookup_token(hash_token(token)) if token else None
    if record is None or record.revoked_at is not None:
        raise Unauthenticated(BAD_CREDENTIALS)
    if record.expires_at is not None and record.expires_at <= now:
        raise Unauthenticated(BAD_CREDENTIALS)
    if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
        with store.write() as tx:
            tx.touch_token(record.id, now)
    scopes = record.scopes
    if record.kind is TokenKind.ACTIONS:
        scopes = scopes_for_actions(record.packages_permission)
    return Actor(
        user=record.user,
        token_id=record.id,
        kind=record.kind,
        scopes=scopes,
        actions_repository_id=record.repository_id if record.kind is TokenKind.ACTIONS else None,
    )


def _registry_token_record(store: Store, token: str, now: datetime) -> TokenRecord | None:
    """The token a registry token was minted from, if the MAC holds and it has not expired."""
    parsed = read_registry_token(token)
    if parsed is None:
        return None
    token_id, expires_at, payload, mac = parsed
    if expires_at <= now.timestamp():
        return None
    with store.read() as tx:
        found = tx.find_token_by_id(token_id)
    if found is None or not registry_token_signed_by(found[1], payload, mac):
        return None
    return found[0]


def issue_registry_token(store: Store, token: str, now: datetime) -> tuple[str, int]:
    """A short-lived registry token standing for `token` (checked first), and its lifetime
    in seconds: `/v2/token` never hands a client's own token back to it."""
    actor = authenticate(store, token, now, registry_tokens=True)
    if is_registry_token(token):
        token_id = actor.token_id
        assert token_id is not None
        with store.read() as tx:
            found = tx.find_token_by_id(token_id)
        assert found is not None
        token_hash = found[1]
    else:
        token_hash = hash_token(token)
    assert actor.token_id is not None
    expires_at = int(now.timestamp()) + REGISTRY_TOKEN_SECONDS
    return mint_registry_token(actor.token_id, token_hash, expires_at), REGISTRY_TOKEN_SECONDS
