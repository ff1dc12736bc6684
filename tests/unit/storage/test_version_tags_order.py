"""A version's live tags come back in tag order from each of its reads with tags: SQLite
reads them unordered and the store sorts them (see `queries._by_tag`)."""

from __future__ import annotations

from datetime import UTC, datetime

from packyard.domain.types import AccountType, PackageType, Visibility
from packyard.storage.db.store import SqlStore

NOW = datetime(2026, 1, 2, tzinfo=UTC)
NAME = "sha256:" + "a" * 64
# Written in an order that is not theirs; lower-case ASCII sorts alike in any collation.
TAGS = ["zeta", "alpha", "v1.10", "v1.9", "mid"]


def test_live_tags_are_in_tag_order(store: SqlStore) -> None:
    with store.write() as tx:
        owner = tx.accounts.create_account("alice", AccountType.USER.value, None, False, NOW)
        package = tx.packages.create_package(
            owner.id, PackageType.CONTAINER, "app", Visibility.PRIVATE, None, NOW
        )
        version_id = tx.versions.create_version(package.id, NAME, NOW)
        for tag in TAGS:
            tx.versions.move_tag(package.id, tag, version_id, NOW)
    expected = tuple(sorted(TAGS))
    for read in (store.read, store.write):
        with read() as tx:
            by_id = tx.versions.find_version(package.id, version_id)
            by_name = tx.versions.find_version_by_name(package.id, NAME)
            _owner, _package, with_owner = tx.packages.find_owner_package_and_version(
                "alice", "container", "app", version_id
            )
            assert by_id is not None and by_name is not None and with_owner is not None
            assert by_id.tags == by_name.tags == with_owner.tags == expected
