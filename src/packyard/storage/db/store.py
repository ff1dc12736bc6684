"""The SQL implementation of the services' `Store`, on SQLAlchemy Core."""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from threading import get_ident
from typing import Any, cast

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool

from packyard.core.ports import R, RowsKey, Store, TokenRecord, Transaction
from packyard.storage.db import queries as q
from packyard.storage.db.accounts import SqlAccounts
from packyard.storage.db.base import Rows, TxState
from packyard.storage.db.blob_uploads import SqlBlobUploads
from packyard.storage.db.columns import KeptPackages
from packyard.storage.db.compiled import Query
from packyard.storage.db.engine import read_transaction, write_transaction
from packyard.storage.db.files import SqlFiles
from packyard.storage.db.housekeeping import SqlHousekeeping
from packyard.storage.db.packages import SqlPackages
from packyard.storage.db.pages import PageIndex
from packyard.storage.db.reclaims import SqlReclaims
from packyard.storage.db.tokens import SqlTokens, TokenRecords
from packyard.storage.db.versions import SqlVersions

# The advisory lock's key: any 64-bit number no other lock in the database uses ("PYGC").
GC_LOCK_KEY = 0x50594743


class SqlStore:
    """The store on one engine.

    On SQLite the main thread — the event loop's, where the REST API runs inline, one
    request at a time — keeps one connection open for good: a pool checkout and return per
    transaction cost as much as its queries; reads there run without an explicit
    transaction. Every other thread (the registries' workers, GC) takes a connection from
    the pool per transaction and gives it back: a connection held per worker thread would
    drain the pool as the thread pool grows, and leave the next worker waiting for one.
    PostgreSQL connections always go back to the pool after each transaction, so a
    restarted server is survived.
    """

    def __init__(
        self, engine: Engine, format_rows: Mapping[RowsKey[Any], Callable[[TxState], Rows]]
    ) -> None:
        self.engine = engine
        # Each format's own rows, by the key it declares; the composition root maps them.
        self.format_rows = dict(format_rows)
        self.pages = PageIndex()
        self._tokens = TokenRecords()
        self._kept_packages = KeptPackages()
        self._held = threading.local() if engine.dialect.name == "sqlite" else None
        self._main_thread = threading.main_thread().ident
        # The main thread's transactions all run on its one held connection: their
        # repositories are built once and handed a fresh per-transaction state each time.
        self._held_tx: SqlTransaction | None = None
        self._postgres = engine.dialect.name == "postgresql"
        # The session of this process's download holds (core.files), closed with the store.
        self._holds_box: list[Any] = []
        self._holds_lock = threading.Lock()
        weakref.finalize(self, _close_all, self._holds_box)

    def _holds(self) -> bool:
        return self._held is not None and get_ident() == self._main_thread

    def _held_connection(self) -> Connection:
        assert self._held is not None
        held: Connection | None = getattr(self._held, "conn", None)
        if held is None or held.closed:
            held = self._held.conn = self.engine.connect()
        return held

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[SqlTransaction]:
        if not self._holds():
            opener = write_transaction if write else read_transaction
            with opener(self.engine) as pooled:
                tx = self._tx(pooled)
                tx.state.serialized = write and self._held is not None  # SQLite's
                yield tx
            return
        # Writes on the held connection are `_HeldWrite`s (see `write`).
        assert not write
        held = self._held_connection()
        # Reads run statement by statement, each seeing the latest commit: the guarantee
        # PostgreSQL's READ COMMITTED gives them too, without a BEGIN and COMMIT per request.
        # A Core statement still opens a transaction of its own; it ends here.
        held.info["packyard_write"] = False
        try:
            yield self._held_transaction(held, serialized=False)
        finally:
            if held.in_transaction():
                held.commit()

    def _tx(self, conn: Connection) -> SqlTransaction:
        return SqlTransaction(TxState(conn, self.pages, self._kept_packages), self.format_rows)

    def _held_transaction(self, held: Connection, *, serialized: bool) -> SqlTransaction:
        """The main thread's transaction on its held connection, its caches emptied: a
        transaction must not trust what an earlier one read."""
        tx = self._held_tx
        if tx is None or tx.state.conn is not held:
            tx = self._held_tx = self._tx(held)
        tx.state.begin(serialized)
        return tx

    def write(self) -> AbstractContextManager[SqlTransaction]:
        if self._holds():
            # The REST API's writes: a plain context manager, not the generator one.
            return _HeldWrite(self)
        return self._transaction(write=True)

    def read(self) -> AbstractContextManager[SqlTransaction]:
        return self._transaction(write=False)

    @contextmanager
    def gc_leader(self) -> Iterator[bool]:
        """Several processes may share one PostgreSQL database: a session advisory lock
        makes one of them the collector and the others skip the sweep, rather than two
        racing over the same blobs. SQLite serializes writers on one file anyway."""
        if self.engine.dialect.name != "postgresql":
            yield True
            return
        with self.engine.connect() as conn:
            held = bool(conn.execute(q.GC_LOCK_TRY, {"key": GC_LOCK_KEY}).scalar())
            conn.commit()
            try:
                yield held
            finally:
                if held:
                    conn.execute(q.GC_LOCK_RELEASE, {"key": GC_LOCK_KEY})
                    conn.commit()

    def hold_downloads(self, slot: int) -> bool:
        if not self._postgres:
            return True
        with self._holds_lock:
            try:
                return bool(self._holds_statement(q.DOWNLOADS_HOLD_SQL, slot))
            except Exception:  # the session is gone, and its holds with it: start anew
                self._drop_holds_connection()
                return False  # the download is written at once instead

    def release_downloads(self, slot: int) -> None:
        if not self._postgres:
            return
        with self._holds_lock:
            try:
                self._holds_statement(q.DOWNLOADS_RELEASE_SQL, slot)
            except Exception:  # a session that is gone holds nothing
                self._drop_holds_connection()

    def _holds_statement(self, sql: str, slot: int) -> Any:
        """One statement on the session of this process's download holds. Advisory locks
        belong to their session, so it stays open for the store's life (a connect per
        batch took ~30 ms on a busy machine, on a pull's path). It is not from the store's
        pool: a hold is taken inside a pull's transaction, and pulls holding every pooled
        connection while one of them waited for another would wait for ever. The driver's
        cursor: a hold is one round trip, without Core's own cost."""
        if not self._holds_box:
            engine = create_engine(self.engine.url, poolclass=NullPool)
            raw = engine.raw_connection()
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            self._holds_box.append(raw)
        cursor = self._holds_box[0].cursor()
        try:
            cursor.execute(sql, (slot,))
            row = cursor.fetchone()
        finally:
            cursor.close()
        return row[0] if row else None

    def _drop_holds_connection(self) -> None:
        _close_all(self._holds_box)

    def await_downloads(self) -> None:
        """An exclusive lock on both slots, let go at once: granted only when every
        process's shared hold on them has been released. While one slot is taken here, a
        process whose next batch would hold it writes its downloads at once instead."""
        if not self._postgres:
            return
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(q.DOWNLOADS_AWAIT)
            conn.execute(q.DOWNLOADS_AWAITED)

    def lookup_token(self, token_hash: str) -> TokenRecord | None:
        """One statement, so on SQLite it needs no transaction around it."""
        return self._tokens.of(token_hash, self._one_row(q.TOKEN_WITH_USER, token_hash=token_hash))

    def lookup_token_by_id(self, token_id: int) -> tuple[TokenRecord, str] | None:
        """The token of this id, revoked or expired ones too, with its stored hash (see
        `SqlTokens.find_token_by_id`): `lookup_token` for a web session or a registry
        token, which name their login token by its row."""
        row = self._one_row(q.TOKEN_WITH_USER_AND_HASH_BY_ID, id=token_id)
        if row is None:
            return None
        # The row is `lookup_token`'s with the hash after it: one record kept for both.
        token_hash = str(row[-1])
        record = self._tokens.of(token_hash, row[:-1])
        return None if record is None else (record, token_hash)

    def _one_row(self, query: Query, **params: Any) -> tuple[Any, ...] | None:
        """A one-statement read's row: on the held connection, inside a transaction of its
        own or not, or else in a read transaction of its own."""
        if self._holds():
            return query.first(self._held_connection(), **params)
        with self.read() as tx:
            return query.first(tx.state.conn, **params)

    def close(self) -> None:
        """Close this thread's held connection (tests and shutdown)."""
        conn = getattr(self._held, "conn", None) if self._held is not None else None
        if conn is not None:
            conn.close()
            self._held.conn = None  # type: ignore[union-attr]


class _HeldWrite:
    """A write transaction on the held SQLite connection, begun and ended on the driver's
    connection: through Core, `begin()` and `commit()` with their events and bookkeeping
    cost more than the BEGIN and COMMIT they send (a sixth of a REST delete's Python). A
    Core statement run inside still works: Core begins a transaction of its own, which the
    begin listener finds open on the driver and leaves alone; it is committed through Core
    then, and the driver's transaction with it. A class, not a generator's context manager
    (two of them nested were 2% of a REST delete's instructions)."""

    __slots__ = ("_held", "_raw", "_store")
    _held: Connection
    _raw: Any  # the driver's sqlite3 connection

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    def __enter__(self) -> SqlTransaction:
        held = self._held = self._store._held_connection()
        raw = self._raw = held.connection.driver_connection
        assert raw is not None
        # Read by the begin listener, should a Core statement begin Core's transaction.
        held.info["packyard_write"] = True
        raw.execute("BEGIN IMMEDIATE")
        return self._store._held_transaction(held, serialized=True)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        held, raw = self._held, self._raw
        if kind is not None:
            if held.in_transaction():
                held.rollback()
            if raw.in_transaction:
                raw.rollback()
            return  # the error goes on
        if held.in_transaction():
            held.commit()
        if raw.in_transaction:
            raw.commit()


def _close_all(connections: list[Any]) -> None:
    for conn in connections:
        with contextlib.suppress(Exception):  # closing what may already be broken
            conn.close()
    connections.clear()


class SqlTransaction:
    """One open transaction: small repositories sharing its connection."""

    def __init__(
        self, state: TxState, format_rows: Mapping[RowsKey[Any], Callable[[TxState], Rows]]
    ) -> None:
        self.state = state
        self.accounts = SqlAccounts(state)
        self.tokens = SqlTokens(state)
        self.packages = SqlPackages(state)
        self.versions = SqlVersions(state)
        self.files = SqlFiles(state)
        self.housekeeping = SqlHousekeeping(state)
        self.reclaims = SqlReclaims(state)
        self.blob_uploads = SqlBlobUploads(state)
        self._format_rows = format_rows
        self._opened: dict[RowsKey[Any], Any] = {}

    def rows(self, key: RowsKey[R]) -> R:
        opened = self._opened.get(key)
        if opened is None:
            opened = self._opened[key] = self._format_rows[key](self.state)
        return cast(R, opened)


def _conforms(store: SqlStore, tx: SqlTransaction) -> tuple[Store, Transaction]:
    """Never called: mypy checks here that the SQL store is the store the services declare."""
    return store, tx
