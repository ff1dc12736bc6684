"""The owner's own requests read nothing about their access: one shared, empty set of facts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from packyard.core.access import OWNER_FACTS, access_facts
from packyard.domain.permissions import AccessFacts
from packyard.domain.types import Account, AccountType, Actor, Package, PackageType, Visibility

NOW = datetime(2026, 1, 2, tzinfo=UTC)
ALICE = Account(1, "alice", AccountType.USER)
PACKAGE = Package(
    id=5,
    owner=ALICE,
    package_type=PackageType.CONTAINER,
    name="app",
    visibility=Visibility.PRIVATE,
    repository_id=None,
    inherit_access=False,
    version_count=1,
    created_at=NOW,
    updated_at=NOW,
    deleted_at=None,
)


class NoReads:
    """A transaction any read of which fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the owner's facts read tx.{name}")


def test_the_owner_shares_the_empty_facts_and_reads_nothing() -> None:
    owner = Actor(user=ALICE, token_id=1)
    assert access_facts(NoReads(), owner, PACKAGE) is OWNER_FACTS  # type: ignore[arg-type]
    assert AccessFacts() == OWNER_FACTS
