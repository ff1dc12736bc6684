"""A token's actor is built once per record the store keeps: requests with an unchanged
token share it, and a record read anew (its row changed) gets an actor of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from packyard.core.ports import TokenRecord
from packyard.domain.types import Account, AccountType, TokenKind
from packyard.services.auth import authenticate

NOW = datetime(2026, 1, 2, tzinfo=UTC)
ALICE = Account(1, "alice", AccountType.USER)
RECORD = TokenRecord(
    id=7,
    user=ALICE,
    kind=TokenKind.CLASSIC,
    scopes=frozenset({"read:packages"}),
    repository_id=None,
    packages_permission=None,
    expires_at=None,
    revoked_at=None,
    last_used_at=NOW,  # touched just now: authenticating writes nothing
)


class KeptRecords:
    """A store that hands back whichever record it holds now, as the SQL store hands back
    the record it kept for an unchanged row."""

    def __init__(self, record: TokenRecord) -> None:
        self.record = record

    def lookup_token(self, _token_hash: str) -> TokenRecord:
        return self.record


def test_an_unchanged_token_shares_its_actor() -> None:
    store = KeptRecords(RECORD)
    first = authenticate(store, "ghp_x", NOW)  # type: ignore[arg-type]
    assert authenticate(store, "ghp_x", NOW) is first  # type: ignore[arg-type]
    assert (first.user, first.token_id, first.scopes) == (ALICE, 7, RECORD.scopes)


def test_a_record_read_anew_gets_its_own_actor() -> None:
    store = KeptRecords(RECORD)
    before = authenticate(store, "ghp_x", NOW)  # type: ignore[arg-type]
    store.record = replace(RECORD, scopes=frozenset({"read:packages", "delete:packages"}))
    after = authenticate(store, "ghp_x", NOW)  # type: ignore[arg-type]
    assert after is not before
    assert after.scopes == {"read:packages", "delete:packages"}


def test_an_actions_token_keeps_its_repository_and_permission_scopes() -> None:
    record = replace(
        RECORD, id=8, kind=TokenKind.ACTIONS, repository_id=3, packages_permission="read"
    )
    actor = authenticate(KeptRecords(record), "ghs_x", NOW)  # type: ignore[arg-type]
    assert (actor.actions_repository_id, actor.scopes) == (3, {"read:packages"})
    assert authenticate(KeptRecords(record), "ghs_x", NOW) is actor  # type: ignore[arg-type]
