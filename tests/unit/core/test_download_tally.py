"""Downloads are counted in memory and written behind the pulls: a pull never writes, the
counts stay exact, and whatever decides on them (a delete's 5,000-download rule, the
downloads report) sees every download answered before it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from packyard.core.context import Context
from packyard.core.files import (
    DownloadTally,
    download_of,
    downloads_pending,
    settle_downloads,
)
from packyard.domain.types import ANONYMOUS
from packyard.storage.db.tables import version_downloads, versions
from tests.conftest import ALICE, Api, Clock, alice_with, seed


class Watched:
    """A store that counts its write transactions, and can be made to fail them."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.writes = 0
        self.failures = 0

    def write(self) -> AbstractContextManager[Any]:
        self.writes += 1
        if self.failures:
            self.failures -= 1
            return _failing()
        return self.store.write()

    def read(self) -> AbstractContextManager[Any]:
        return self.store.read()

    def hold_downloads(self, slot: int) -> bool:
        return bool(self.store.hold_downloads(slot))

    def release_downloads(self, slot: int) -> None:
        self.store.release_downloads(slot)

    def await_downloads(self) -> None:
        self.store.await_downloads()


@contextmanager
def _failing() -> Iterator[Any]:
    raise RuntimeError("database away")
    yield  # pragma: no cover


def one_version(store: Any, clock: Clock, downloads: int = 0) -> int:
    seed(
        store,
        alice_with(
            [
                {
                    "owner": "alice",
                    "package_type": "npm",
                    "name": "pkg",
                    "visibility": "public",
                    "versions": [{"name": "1.0.0"}, {"name": "1.0.1", "download_count": downloads}],
                }
            ]
        ),
        clock.now,
    )
    with store.read() as tx:
        package = tx.state.conn.execute(select(versions.c.id).order_by(versions.c.id)).all()
    return int(package[-1][0])


def counted(store: Any, version_id: int) -> tuple[int, int]:
    with store.engine.connect() as conn:
        total = conn.execute(select(versions.c.download_count).where(versions.c.id == version_id))
        days = conn.execute(
            select(version_downloads.c.count).where(version_downloads.c.version_id == version_id)
        )
        return int(total.scalar_one()), sum(int(c) for c in days.scalars())


def context(store: Any, clock: Clock) -> Context:
    return Context(store, ANONYMOUS, clock.now, clock.now - clock.now, None)  # type: ignore[arg-type]


def test_a_download_is_counted_without_a_write(store: Any, clock: Clock) -> None:
    version_id = one_version(store, clock)
    watched = Watched(store)
    ctx = context(watched, clock)
    for _ in range(3):
        download_of(ctx, version_id)()
    assert watched.writes == 0  # the pull returned without touching the database
    assert downloads_pending(watched)
    settle_downloads(watched)
    assert watched.writes == 1  # one batch for the three
    assert counted(store, version_id) == (3, 3)
    assert not downloads_pending(watched)
    settle_downloads(watched)
    assert watched.writes == 1  # nothing pending: nothing written


def test_counts_are_written_within_the_interval(store: Any, clock: Clock) -> None:
    version_id = one_version(store, clock)
    tally = DownloadTally(store, interval=0.05)
    tally.add(version_id, "2026-03-01")
    deadline = time.monotonic() + 5
    while counted(store, version_id) != (1, 1) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert counted(store, version_id) == (1, 1)


def test_many_threads_count_exactly(store: Any, clock: Clock) -> None:
    version_id = one_version(store, clock)
    tally = DownloadTally(store, interval=0.01)

    def pull() -> None:
        for _ in range(200):
            tally.add(version_id, "2026-03-01")

    threads = [threading.Thread(target=pull) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.flush()
    assert counted(store, version_id) == (4_000, 4_000)


def test_a_batch_that_fails_to_write_is_kept(store: Any, clock: Clock) -> None:
    version_id = one_version(store, clock)
    watched = Watched(store)
    watched.failures = 1
    tally = DownloadTally(watched, interval=60)
    tally.add(version_id, "2026-03-01")
    tally.add(version_id, "2026-03-02")
    tally.flush()  # fails, logged
    assert tally.pending() == 2
    tally.flush()
    assert tally.pending() == 0
    assert counted(store, version_id) == (2, 2)


@pytest.mark.parametrize(("before", "status"), [(4_999, 204), (5_000, 400)])
def test_the_download_rule_sees_every_pull_before_a_delete(
    store: Any, clock: Clock, api: Api, before: int, status: int
) -> None:
    """4,999 + one pull = 5,000: deletable; 5,000 + one pull = 5,001: not. The pull is
    still in memory when the delete comes: the REST door writes it first."""
    version_id = one_version(store, clock, downloads=before)
    rest_store = api.client._transport.rest.store  # type: ignore[attr-defined]
    download_of(context(rest_store, clock), version_id)()
    assert downloads_pending(rest_store)
    path = f"/users/alice/packages/npm/pkg/versions/{version_id}"
    response = api.delete(path, ALICE)
    assert response.status_code == status, response.text
    assert counted(store, version_id)[0] == before + 1


@pytest.fixture
def other_process(engine: Any, backend: str) -> Iterator[Any]:
    """A second store on the same database through an engine of its own: what another
    `packyard serve` sharing PostgreSQL holds."""
    from packyard.server import build_store
    from packyard.storage.db.engine import make_engine

    if backend != "postgres":
        pytest.skip("processes share downloads through PostgreSQL (SQLite is one machine's)")
    other = make_engine(engine.url.render_as_string(hide_password=False))
    yield build_store(other)
    other.dispose()


def test_a_delete_waits_for_downloads_another_process_holds(
    store: Any, clock: Clock, other_process: Any
) -> None:
    version_id = one_version(store, clock)
    theirs = DownloadTally(other_process, interval=0.3)
    theirs.add(version_id, "2026-03-01")
    theirs.add(version_id, "2026-03-01")
    assert counted(store, version_id) == (0, 0)  # still in the other process's memory
    settle_downloads(store)  # waits for their batch to be written
    assert counted(store, version_id) == (2, 2)


def test_a_download_while_a_delete_waits_is_written_at_once(
    store: Any, clock: Clock, other_process: Any
) -> None:
    from sqlalchemy import text

    version_id = one_version(store, clock)
    theirs = DownloadTally(other_process, interval=60)
    with store.engine.connect() as waiting:
        waiting = waiting.execution_options(isolation_level="AUTOCOMMIT")
        # What a delete's wait holds: the other process's next batch cannot take its hold.
        waiting.execute(text("SELECT pg_advisory_lock(1348027459, 0)"))
        theirs.add(version_id, "2026-03-01")
        assert theirs.pending() == 0
        assert counted(store, version_id) == (1, 1)
        waiting.execute(text("SELECT pg_advisory_unlock(1348027459, 0)"))
    theirs.add(version_id, "2026-03-01")  # held again: in memory
    assert theirs.pending() == 1
    theirs.flush()
