"""Turning a presented token into an `Actor`."""

from __future__ import annotations

from datetime import datetime, timedelta

from packyard.auth.tokens import hash_token
from packyard.domain.errors import Unauthenticated
from packyard.domain.permissions import scopes_for_actions
from packyard.domain.types import ANONYMOUS, Actor, TokenKind
from packyard.services.ports import Store

BAD_CREDENTIALS = "Bad credentials"
# `last_used_at` is advisory: refreshing it at most once a minute keeps reads read-only.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def authenticate(store: Store, token: str | None, now: datetime) -> Actor:
    """The actor a request acts as; `None` means no credentials were sent."""
    if token is None:
        return ANONYMOUS
    token_hash = hash_token(token)
    record = store.lookup_token(token_hash) if token else None
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
