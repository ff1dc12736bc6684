"""Turning a presented token into an `Actor`."""

from __future__ import annotations

from datetime import datetime, timedelta

from packyard.auth.sessions import SESSION_SECONDS, Session, mint_session, session_signed_by
from packyard.auth.tokens import (
    OCI_TOKEN_SECONDS,
    SigningKeys,
    hash_token,
    is_oci_token,
    mint_oci_token,
    oci_token_signed_by,
    read_oci_token,
)
from packyard.core.ports import Store, TokenRecord
from packyard.domain.errors import Forbidden, Unauthenticated
from packyard.domain.permissions import scopes_for_actions
from packyard.domain.types import ANONYMOUS, Actor, TokenKind
from packyard.services.access import FINE_GRAINED_FORBIDDEN

BAD_CREDENTIALS = "Bad credentials"
# Only a real login mints: a registry token that could renew itself would live for ever.
NOT_A_LOGIN = (
    "a registry token (pyr_...) cannot be exchanged for another: log in with a Packyard token"
)
# `last_used_at` is advisory: refreshing it at most once a minute keeps reads read-only.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def authenticate(
    store: Store, token: str | None, now: datetime, *, registry_keys: SigningKeys | None = None
) -> Actor:
    """The actor a request acts as; `None` means no credentials were sent. Registry tokens
    (`pyr_…`, from `/v2/token`) count only where the keys that verify them are given: on
    `/v2/`."""
    if token is None:
        return ANONYMOUS
    record, _token_hash = _valid_record(store, token, now, registry_keys)
    return _actor(record)


def issue_oci_token(store: Store, keys: SigningKeys, token: str, now: datetime) -> tuple[str, int]:
    """A short-lived registry token standing for the login token `token` (checked first),
    and its lifetime in seconds: `/v2/token` never hands a client's own token back to it,
    and never renews a registry token."""
    if is_oci_token(token):
        raise Unauthenticated(NOT_A_LOGIN)
    record, token_hash = _valid_record(store, token, now, None)
    expires_at = int(now.timestamp()) + OCI_TOKEN_SECONDS
    return mint_oci_token(record.id, token_hash, expires_at, keys), OCI_TOKEN_SECONDS


def sign_in(store: Store, keys: SigningKeys, token: str, now: datetime, nonce: str) -> str:
    """A web session cookie for the Packyard token `token`, checked as the REST API checks
    it (a revoked or expired one is refused); the cookie names the token's row, never the
    token, and lives no longer than the token."""
    if is_oci_token(token):
        raise Unauthenticated(BAD_CREDENTIALS)
    record, token_hash = _valid_record(store, token, now, None)
    if record.kind is TokenKind.FINE_GRAINED:
        raise Forbidden(FINE_GRAINED_FORBIDDEN)  # every packages page would refuse it
    expires_at = int(now.timestamp()) + SESSION_SECONDS
    if record.expires_at is not None:
        expires_at = min(expires_at, int(record.expires_at.timestamp()))
    return mint_session(keys, record.id, token_hash, expires_at, nonce)


def session_actor(store: Store, keys: SigningKeys, session: Session | None, now: datetime) -> Actor:
    """Who a web session's cookie acts as: its token's actor while that token is live and
    the cookie is one the server signed for it, else anonymous (a stale cookie is simply
    signed out)."""
    if session is None or session.token_id is None or session.expires_at <= now.timestamp():
        return ANONYMOUS
    found = store.lookup_token_by_id(session.token_id)
    if found is None or not session_signed_by(keys, session, found[1]):
        return ANONYMOUS
    record = found[0]
    if not _live(record, now):
        return ANONYMOUS
    _touch(store, record, now)
    return _actor(record)


def _valid_record(
    store: Store, token: str, now: datetime, registry_keys: SigningKeys | None
) -> tuple[TokenRecord, str]:
    """The live token `token` is or stands for, and that token's stored hash."""
    found: tuple[TokenRecord, str] | None
    if registry_keys is not None and is_oci_token(token):
        found = _oci_token_record(store, registry_keys, token, now)
    else:
        token_hash = hash_token(token)
        record = store.lookup_token(token_hash) if token else None
        found = (record, token_hash) if record is not None else None
    if found is None or not _live(found[0], now):
        raise Unauthenticated(BAD_CREDENTIALS)
    _touch(store, found[0], now)
    return found


def _live(record: TokenRecord, now: datetime) -> bool:
    """Neither revoked nor expired."""
    return record.revoked_at is None and (record.expires_at is None or record.expires_at > now)


def _touch(store: Store, record: TokenRecord, now: datetime) -> None:
    if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
        with store.write() as tx:
            tx.tokens.touch_token(record.id, now)


# The last token record's actor. The store hands back the very record it kept while its
# token's row is unchanged, and both are frozen, so requests with that token share the actor
# (building it anew was ~12k of a REST delete's 729k instructions under callgrind).
_last_actor: tuple[TokenRecord | None, Actor] = (None, ANONYMOUS)


def _actor(record: TokenRecord) -> Actor:
    global _last_actor
    last = _last_actor
    if last[0] is record:
        return last[1]
    scopes = record.scopes
    if record.kind is TokenKind.ACTIONS:
        scopes = scopes_for_actions(record.packages_permission)
    actor = Actor(
        user=record.user,
        token_id=record.id,
        kind=record.kind,
        scopes=scopes,
        actions_repository_id=record.repository_id if record.kind is TokenKind.ACTIONS else None,
    )
    _last_actor = (record, actor)
    return actor


def _oci_token_record(
    store: Store, keys: SigningKeys, token: str, now: datetime
) -> tuple[TokenRecord, str] | None:
    """The login token a registry token was minted from, with its hash, if one of `keys`
    signed it for that very token and it has not expired. (The caller checks the login
    token is still live.)"""
    parsed = read_oci_token(token)
    if parsed is None:
        return None
    token_id, expires_at, payload, mac = parsed
    if expires_at <= now.timestamp():
        return None
    found = store.lookup_token_by_id(token_id)
    if found is None or not oci_token_signed_by(keys, found[1], payload, mac):
        return None
    return found
