"""Engines for SQLite (the default) and PostgreSQL, and the transaction shapes we use.

Queries run inline on the event loop: a primary-key read from SQLite takes microseconds,
and a thread hop per query costs more than the query (measured: ~11k req/s inline against
~1.5k through a pool). Each process therefore needs one connection at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A server checkpoints the WAL in a worker thread every few tenths of a second
# (`checkpoint_wal`); the commit that takes the WAL past this many pages (~40 MB) checkpoints
# it itself, so it stays bounded where no such thread runs or while one cannot keep up.
# SQLite's default, 1,000 pages, made about one REST delete in 125 copy the WAL into the
# database and fsync both on the event loop's thread (8-20 ms; ~100 µs a delete).
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+pysqlite:///{data_dir / 'packyard.db'}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=4, max_overflow=4, pool_pre_ping=False)


def _sqlite_engine(url: str) -> Engine:
    # Room for the main thread's held connection and the registries' worker threads, which
    # check one out per transaction; WAL lets the readers among them run side by side.
    engine = create_engine(
        url, poolclass=QueuePool, pool_size=4, max_overflow=12, pool_reset_on_return=None
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is ours to send.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # WAL with NORMAL survives process crashes; only an OS crash can lose the last commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes fails with SQLITE_BUSY when
        # another writer committed in between; IMMEDIATE takes the write lock up front.
        # Sent on the driver's connection: through Core, statement setup and its events
        # cost more than the BEGIN (a tenth of a REST delete).
        raw = conn.connection.driver_connection
        assert raw is not None
        # The store's held connection begins its writes on the driver (store._driver_write):
        # a Core statement inside one joins the transaction already open.
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE" if conn.info.get("packyard_write") else "BEGIN")

    return engine


def checkpoint_wal(engine: Engine) -> None:
    """Copy the WAL's committed pages into the database file: PASSIVE, so it neither waits
    for nor blocks a writer or a reader (SQLite's checkpoint lock keeps two from overlapping).
    Meant for a worker thread: the driver lets go of the GIL while SQLite copies and syncs.
    The commit that finds the WAL wholly copied starts it over from its beginning."""
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        raw.close()


@contextmanager
def transaction(conn: Connection, write: bool) -> Iterator[Connection]:
    # Read by the "begin" listener: SQLite takes the write lock at BEGIN for writers.
    conn.info["packyard_write"] = write
    with conn.begin():
        yield conn


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, transaction(conn, write=True):
        yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name == "postgresql":
        # Statement by statement: under READ COMMITTED each statement of a transaction reads
        # its own snapshot anyway, so a read's BEGIN and COMMIT bought nothing but two round
        # trips (a get-version sent 7 statements, 3 of them its own).
        with engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")
        return
    with engine.connect() as conn, transaction(conn, write=False):
        yield conn


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; everything we store is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
