"""A container delete reads the live indexes listing the version, and the manifests the
version lists, in one statement: an index listing a manifest twice (two platforms of one
digest) is still one parent, as a `SELECT DISTINCT` gave."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from packyard.domain.types import AccountType, PackageType, Visibility
from packyard.registries.oci.ports import OCI_ROWS
from packyard.storage.db.store import SqlStore
from packyard.storage.db.tables import oci_references

NOW = datetime(2026, 1, 2, tzinfo=UTC)
INDEX, OTHER, CHILD = ("sha256:" + c * 64 for c in "abc")


def _graph(store: SqlStore) -> tuple[int, dict[str, int]]:
    """Two indexes, each listing CHILD (INDEX twice); INDEX tagged `latest`."""
    with store.write() as tx:
        owner = tx.accounts.create_account("alice", AccountType.USER.value, None, False, NOW)
        package = tx.packages.create_package(
            owner.id, PackageType.CONTAINER, "app", Visibility.PRIVATE, None, NOW
        )
        ids = {
            name: tx.versions.create_version(package.id, name, NOW)
            for name in (INDEX, OTHER, CHILD)
        }
        tx.versions.move_tag(package.id, "latest", ids[INDEX], NOW)
        reference = {"package_id": package.id, "digest": CHILD, "kind": "manifest", "size": 1}
        tx.state.conn.execute(
            insert(oci_references),
            [
                {**reference, "version_id": ids[INDEX], "position": 0, "media_type": "m"},
                {**reference, "version_id": ids[INDEX], "position": 1, "media_type": "m"},
                {**reference, "version_id": ids[OTHER], "position": 0, "media_type": "m"},
            ],
        )
    return package.id, ids


def test_an_index_listing_a_manifest_twice_is_one_parent(store: SqlStore) -> None:
    package_id, ids = _graph(store)
    with store.write() as tx:
        parents = tx.rows(OCI_ROWS).parents_and_children(package_id, CHILD, ids[CHILD])
        assert sorted((p.version_id, p.digest, p.tags) for p in parents) == [
            (ids[INDEX], INDEX, ["latest"]),
            (ids[OTHER], OTHER, []),
        ]
        assert sorted((p.version_id, p.digest, p.tags) for p in parents) == sorted(
            (p.version_id, p.digest, p.tags)
            for p in tx.rows(OCI_ROWS).parents_of(package_id, CHILD)
        )


def test_an_index_reads_its_children_ahead_in_their_order(store: SqlStore) -> None:
    package_id, ids = _graph(store)
    with store.write() as tx:
        assert tx.rows(OCI_ROWS).parents_and_children(package_id, INDEX, ids[INDEX]) == []
        assert tx.rows(OCI_ROWS).children_of(ids[INDEX]) == [CHILD, CHILD]
