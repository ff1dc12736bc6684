"""The store's write transactions, on the connection the REST API uses: on SQLite the main
thread's held one, whose writes are begun and ended on the driver's connection (pytest runs
tests on the main thread, so these go that way); on PostgreSQL a pooled one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from packyard.domain.types import AccountType, PackageType, Visibility
from packyard.storage.db.store import SqlStore
from packyard.storage.db.tables import audit_log, packages

NOW = datetime(2026, 1, 2, tzinfo=UTC)


class Boom(Exception):
    pass


def _package(store: SqlStore) -> int:
    with store.write() as tx:
        owner = tx.accounts.create_account("alice", AccountType.USER.value, None, False, NOW)
        package = tx.packages.create_package(
            owner.id, PackageType.NPM, "pkg", Visibility.PUBLIC, None, NOW
        )
    return package.id


def _audit_rows(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def _deleted_at(store: SqlStore, package_id: int) -> object:
    with store.engine.connect() as conn:
        return conn.execute(
            select(packages.c.deleted_at).where(packages.c.id == package_id)
        ).scalar_one()


def _audit(store: SqlStore, package_id: int) -> None:
    with store.write() as tx:
        tx.housekeeping.audit(
            "test",
            at=NOW,
            actor_id=None,
            token_id=None,
            request_id=None,
            package_id=package_id,
            version_id=None,
            before=None,
            after=None,
        )


def test_the_rest_apis_connection_is_the_one_under_test(store: SqlStore) -> None:
    assert store._holds() is (store.engine.dialect.name == "sqlite")


def test_a_write_commits_its_prebuilt_and_core_statements(store: SqlStore) -> None:
    package_id = _package(store)
    with store.write() as tx:
        tx.housekeeping.audit(  # a prebuilt statement, on the driver's cursor
            "test",
            at=NOW,
            actor_id=None,
            token_id=None,
            request_id=None,
            package_id=package_id,
            version_id=None,
            before={"a": 1},
            after=None,
        )
        assert tx.packages.soft_delete_package(package_id, NOW)  # a Core statement
    assert _audit_rows(store) == 1
    assert _deleted_at(store, package_id) is not None


@pytest.mark.parametrize("core", ["none", "first", "last"])
def test_a_write_that_raises_leaves_nothing(store: SqlStore, core: str) -> None:
    """Rolled back whether Core's transaction was begun inside (a Core statement) or not."""
    package_id = _package(store)
    with pytest.raises(Boom), store.write() as tx:
        if core == "first":
            tx.packages.soft_delete_package(package_id, NOW)
        tx.housekeeping.audit(
            "test",
            at=NOW,
            actor_id=None,
            token_id=None,
            request_id=None,
            package_id=package_id,
            version_id=None,
            before=None,
            after=None,
        )
        if core == "last":
            tx.packages.soft_delete_package(package_id, NOW)
        raise Boom
    assert _audit_rows(store) == 0
    assert _deleted_at(store, package_id) is None
    _audit(store, package_id)  # and the next write begins afresh
    assert _audit_rows(store) == 1


def test_a_write_lets_go_of_the_database(store: SqlStore) -> None:
    """Another thread (a registry's worker) writes once the REST API's write is over."""
    package_id = _package(store)
    _audit(store, package_id)
    done: list[BaseException | None] = []

    def other() -> None:
        try:
            _audit(store, package_id)
            done.append(None)
        except BaseException as error:  # reported below
            done.append(error)

    worker = threading.Thread(target=other)
    worker.start()
    worker.join(timeout=30)
    assert done == [None]
    assert _audit_rows(store) == 2


def test_postgres_reads_send_no_begin_and_writes_still_roll_back(
    store: SqlStore, backend: str
) -> None:
    """Reads run statement by statement on PostgreSQL (a BEGIN and COMMIT bought them
    nothing under READ COMMITTED); the pooled connections they used go back transactional."""
    if backend != "postgres":
        pytest.skip("SQLite's reads on the held connection run statement by statement already")
    package_id = _package(store)
    for _ in range(6):  # more than the pool holds: every pooled connection has read
        with store.read() as tx:
            assert tx.state.conn.connection.dbapi_connection.autocommit  # type: ignore[union-attr]
            assert tx.packages.find_package(1, PackageType.NPM, "pkg") is not None
        with pytest.raises(Boom), store.write() as tx:
            tx.packages.soft_delete_package(package_id, NOW)
            raise Boom
        assert _deleted_at(store, package_id) is None
