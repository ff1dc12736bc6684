"""A delete takes the version's tags with it (kept on the deleted version, to restore them).
On SQLite a write that read the version untagged under its BEGIN IMMEDIATE (alone or with
its package) skips taking them, as there are none: these pin that a tag written since, in
the same transaction or another, is taken all the same (on PostgreSQL every delete takes
them)."""

from __future__ import annotations

from datetime import UTC, datetime

from packyard.domain.types import AccountType, PackageType, Version, Visibility
from packyard.storage.db.store import SqlStore, SqlTransaction

NOW = datetime(2026, 1, 2, tzinfo=UTC)


def _version(store: SqlStore) -> tuple[int, int]:
    with store.write() as tx:
        owner = tx.accounts.create_account("alice", AccountType.USER.value, None, False, NOW)
        package = tx.packages.create_package(
            owner.id, PackageType.CONTAINER, "app", Visibility.PRIVATE, None, NOW
        )
        tx.versions.create_version(package.id, "sha256:" + "a" * 64, NOW)
        version_id = tx.versions.create_version(package.id, "sha256:" + "b" * 64, NOW)
    return package.id, version_id


def _deleted(store: SqlStore, package_id: int, version_id: int) -> Version:
    with store.read() as tx:
        version = tx.versions.find_version(package_id, version_id)
        assert version is not None and version.deleted_at is not None
        assert tx.versions.list_tags(package_id, None, None) == []
        return version


def test_an_untagged_version_is_deleted_with_no_tags(store: SqlStore) -> None:
    package_id, version_id = _version(store)
    with store.write() as tx:
        version = tx.versions.find_version(package_id, version_id)
        assert version is not None and version.tags == ()
        assert tx.versions.soft_delete_version(version, NOW)
        assert not tx.versions.soft_delete_version(version, NOW)  # deleted once only
    assert _deleted(store, package_id, version_id).tags == ()


def test_a_tag_written_after_the_read_is_taken(store: SqlStore) -> None:
    package_id, version_id = _version(store)
    with store.write() as tx:
        version = tx.versions.find_version(package_id, version_id)
        assert version is not None and version.tags == ()
        tx.versions.move_tag(package_id, "latest", version_id, NOW)
        assert tx.versions.soft_delete_version(version, NOW)
    assert _deleted(store, package_id, version_id).tags == ("latest",)


def test_a_version_read_in_an_earlier_transaction_has_its_tags_taken(store: SqlStore) -> None:
    package_id, version_id = _version(store)
    with store.write() as tx:
        version = tx.versions.find_version(package_id, version_id)
        assert version is not None and version.tags == ()
    with store.write() as tx:  # another writer tags it
        tx.versions.move_tag(package_id, "v1", version_id, NOW)
    with store.write() as tx:
        assert tx.versions.soft_delete_version(version, NOW)
    assert _deleted(store, package_id, version_id).tags == ("v1",)


def test_a_version_read_by_name_then_tagged_has_its_tags_taken(store: SqlStore) -> None:
    package_id, version_id = _version(store)
    with store.write() as tx:
        version = tx.versions.find_version_by_name(package_id, "sha256:" + "b" * 64)
        assert version is not None and version.tags == ()
        tx.versions.move_tag(package_id, "v1", version_id, NOW)
        tx.versions.move_tag(package_id, "v2", version_id, NOW)
        assert tx.versions.soft_delete_version(version, NOW)
    assert _deleted(store, package_id, version_id).tags == ("v1", "v2")


def _read_with_its_package(tx: SqlTransaction, version_id: int) -> Version:
    _owner, package, version = tx.packages.find_owner_package_and_version(
        "alice", PackageType.CONTAINER.value, "app", version_id
    )
    assert package is not None and version is not None and version.tags == ()
    return version


def test_a_version_read_with_its_package_then_tagged_has_its_tags_taken(store: SqlStore) -> None:
    package_id, version_id = _version(store)
    with store.write() as tx:
        version = _read_with_its_package(tx, version_id)
        tx.versions.move_tag(package_id, "v1", version_id, NOW)
        assert tx.versions.soft_delete_version(version, NOW)
    assert _deleted(store, package_id, version_id).tags == ("v1",)


def test_a_version_under_the_lock_is_read_again_unless_serialized(store: SqlStore) -> None:
    """The REST delete reads the version with its package before locking the package: a
    serialized write (SQLite's) keeps that read; PostgreSQL reads it again under the lock."""
    package_id, version_id = _version(store)
    with store.write() as tx:
        read = _read_with_its_package(tx, version_id)
        assert tx.packages.lock_package(package_id)
        locked = tx.versions.version_under_lock(package_id, version_id, read)
        assert locked == read
        assert (locked is read) == (store.engine.dialect.name == "sqlite")
        assert tx.versions.soft_delete_version(read, NOW)
    assert _deleted(store, package_id, version_id).tags == ()
