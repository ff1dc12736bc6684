"""A version's files: bytes in, rows that name them, and bytes out.

The order is always: authorize, then write bytes, then write rows. Bytes go to the blob
store only for a caller already authorized, checked against their digest; a row naming them
is committed only after they are whole, so a crash leaves at worst unreferenced bytes, which
garbage collection reclaims — never a row without its bytes.

Downloads are counted in memory and written behind the reads (`DownloadTally`): a pull
never waits on a write, nor on another pull's. Under 100 concurrent pullers of one manifest
a write per pull queued them all on one row (PostgreSQL) or on the write lock (SQLite),
and p99 latency reached seconds. The counts stay exact: a batch is written every
`FLUSH_INTERVAL`, on exit, and before anything decides on them (`settle_downloads`: a
delete's 5,000-download rule, a downloads report) — so within a process, a count a delete
reads includes every download answered before it.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from packyard.core.access import Target, readable_package
from packyard.core.context import Context
from packyard.core.ports import BlobStore, NewFile, Store, Transaction
from packyard.domain.errors import NotFound
from packyard.domain.files import check_stored_name
from packyard.domain.types import Package

log = logging.getLogger("packyard")

# What every ingested file is hashed with: each registry's clients check one of these
# (npm sha1 and sha512, Maven md5/sha1/sha256/sha512, NuGet sha512, RubyGems sha256).
INGEST_HASHES = ("md5", "sha1", "sha256", "sha512")


def hash_bytes(data: bytes) -> dict[str, str]:
    return {algorithm: hashlib.new(algorithm, data).hexdigest() for algorithm in INGEST_HASHES}


def ingest(
    blobs: BlobStore,
    name: str,
    data: bytes,
    hashes: dict[str, str] | None = None,
    properties: dict[str, Any] | None = None,
) -> NewFile:
    """Make sure the blob store holds `data` (hashed here unless `hashes` says already);
    the caller must be authorized. Bytes already stored are not written again, only marked
    as fresh, so a sweep in progress leaves them alone."""
    check_stored_name("file", name)
    hashes = hashes or hash_bytes(data)
    digest = "sha256:" + hashes["sha256"]
    if not blobs.touch(digest):
        blobs.put(data, digest)
    return NewFile(name, digest, len(data), hashes, properties or {})


def stored(
    blobs: BlobStore, name: str, digest: str, size: int, properties: dict[str, Any] | None = None
) -> NewFile | None:
    """A file whose bytes are in the blob store already (an OCI layer uploaded before its
    manifest); None if they are gone. Their age is refreshed, so a sweep that started
    before this publish commits cannot judge them abandoned."""
    check_stored_name("file", name)
    if not blobs.touch(digest):
        return None
    return NewFile(name, digest, size, {}, properties or {})


def add_file(
    tx: Transaction, ctx: Context, package: Package, version_id: int, file: NewFile
) -> int:
    """The only writer of file rows."""
    return tx.files.add_file(version_id, package.id, file, ctx.now)


class OfVersion(Protocol):
    """What a download counts against: a file, or a format's record of one."""

    @property
    def version_id(self) -> int: ...


Found = TypeVar("Found", bound=OfVersion)


def open_file(
    tx: Transaction,
    ctx: Context,
    target: Target,
    find: Callable[[Package], Found | None],
    *,
    count_download: bool,
) -> tuple[Package, Found]:
    """Authorize the read, find the file, count one download of its version (in memory:
    nothing is written in `tx`, which may be a read). The caller streams the bytes once the
    transaction is over. `find` may raise its format's own "not found"."""
    package = readable_package(tx, ctx.actor, target)
    file = find(package)
    if file is None:
        raise NotFound(f"{target.label} has no such file")
    if count_download:
        _tally(ctx.store).add(file.version_id, ctx.now.strftime("%Y-%m-%d"))
    return package, file


def count_download(ctx: Context, version_id: int) -> None:
    """One download of the version, on its own (a registry that found the file in a read):
    counted in memory, written with the next batch; never waits on the database."""
    _tally(ctx.store).add(version_id, ctx.now.strftime("%Y-%m-%d"))


def settle_downloads(store: Store) -> None:
    """Write every download counted so far: before a count decides anything (a delete's
    download rule, a report). Cheap when nothing is pending; a database write otherwise."""
    tally = _tallies.get(store)
    if tally is not None:
        tally.flush()


def downloads_pending(store: Store) -> bool:
    """Whether `store` has downloads not yet written (a look, no lock: for skipping a
    `settle_downloads` that would do nothing)."""
    tally = _tallies.get(store)
    return tally is not None and bool(tally._pending)


def settle_all_downloads() -> None:
    """`settle_downloads` for every store of this process (on exit; in tests)."""
    for tally in list(_tallies.values()):
        tally.flush()


# Seconds a counted download may wait in memory before it is written.
FLUSH_INTERVAL = 0.5


class DownloadTally:
    """One store's downloads not yet written, by (version, day), and the one writer of them.

    `add` takes a lock for a dictionary update and arms a timer when the tally was empty;
    the timer's thread writes the whole batch in one transaction — one statement per version
    and day, however many pulls it holds. Writes happen one at a time and in order, and a
    batch that fails to write goes back into the tally (and is tried again), so no count is
    lost or doubled.
    """

    def __init__(self, store: Store, interval: float = FLUSH_INTERVAL) -> None:
        self.store = store
        self.interval = interval
        self._pending: Counter[tuple[int, str]] = Counter()
        self._lock = threading.Lock()  # guards _pending and _timer
        self._writing = threading.Lock()  # one batch at a time
        self._timer: threading.Timer | None = None

    def add(self, version_id: int, day: str) -> None:
        with self._lock:
            self._pending[(version_id, day)] += 1
            if self._timer is None:
                self._arm()

    def pending(self) -> int:
        with self._lock:
            return sum(self._pending.values())

    def flush(self) -> None:
        """Write what is pending now; returns once it is written (or has failed)."""
        with self._writing:
            with self._lock:
                batch, self._pending = self._pending, Counter()
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
            if not batch:
                return
            try:
                with self.store.write() as tx:
                    # In id order, so two processes' batches lock rows in the same order.
                    for (version_id, day), times in sorted(batch.items()):
                        tx.versions.record_download(version_id, day, times)
            except Exception:
                log.exception("writing %d downloads failed; kept for the next batch", len(batch))
                with self._lock:
                    self._pending.update(batch)
                    if self._timer is None:
                        self._arm()

    def _arm(self) -> None:
        timer = threading.Timer(self.interval, self._flush_quietly)
        timer.daemon = True  # the exit hook writes what is left
        self._timer = timer
        timer.start()

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception:  # flush logs its own; a timer thread must not die loudly
            log.exception("writing downloads failed")


# One tally per store: held weakly, so a store that goes away takes its tally along.
_tallies: weakref.WeakKeyDictionary[Store, DownloadTally] = weakref.WeakKeyDictionary()
_tallies_lock = threading.Lock()


def _tally(store: Store) -> DownloadTally:
    tally = _tallies.get(store)
    if tally is None:
        with _tallies_lock:
            tally = _tallies.get(store)
            if tally is None:
                tally = _tallies[store] = DownloadTally(store)
    return tally


atexit.register(settle_all_downloads)
