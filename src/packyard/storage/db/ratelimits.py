"""Rate-limit counters in the database, for several processes sharing one PostgreSQL.

The primary quota is one statement per request: an upsert of the key's row that adds one in
the current window, or starts a new window at one, and returns the count. PostgreSQL runs
`ON CONFLICT DO UPDATE` on the row's latest committed version under its row lock, so two
processes adding at once both count — never both read N and write N+1. It runs in autocommit
(a BEGIN and COMMIT around it would triple its round trips) on connections of its own with
`synchronous_commit` off: a commit that waits for the WAL to reach the disk took ~8 ms here,
on every request, where one that does not takes a fraction of one; a database crash may then
forget the last moment's counts, which a rate limit can afford and a package cannot.

The secondary limit's sliding window is a row per spending, decided by `wait_for` (the
rule `PointsWindow` applies in a process) under a transaction-scoped advisory lock on the
key, so two processes never both fit into the last points. It is several statements, and
off unless configured.

The SQL is portable (the repository tests run it on SQLite too, where the write lock does
the advisory lock's work), but the server picks these counters only on PostgreSQL: a SQLite
file is one machine's, and a write per request would queue behind every upload.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, and_, create_engine, delete, insert, select, text

from packyard.ratepoints import wait_for
from packyard.storage.db import tables as t
from packyard.storage.db.engine import write_transaction

COUNT = text(
    "INSERT INTO rate_limit_windows AS w (key, window_start, used)"
    " VALUES (:key, :window_start, 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    # A process whose clock lags may send the window before the stored one: counted in the
    # newer window, which it must not reset.
    "  used = CASE WHEN w.window_start >= excluded.window_start THEN w.used + 1 ELSE 1 END,"
    "  window_start = CASE WHEN w.window_start >= excluded.window_start"
    "   THEN w.window_start ELSE excluded.window_start END"
    " RETURNING used"
)
# A window's rows are purged this long after it ended by the purger's clock: processes'
# clocks differ a little, and a lagging one still counts in a window a leading one has closed.
PURGE_GRACE_SECONDS = 300
# The two-key form's space is apart from the GC leader's one-key lock; 0x5059524C is "PYRL".
POINTS_LOCK = text("SELECT pg_advisory_xact_lock(1348031052, hashtext(:key))")


class SqlRateCounters:
    """`api.ratelimit.RateCounters` on the store's engine."""

    def __init__(self, engine: Engine) -> None:
        self._postgres = engine.dialect.name == "postgresql"
        if self._postgres:
            engine = create_engine(
                engine.url,
                pool_size=2,
                max_overflow=4,
                isolation_level="AUTOCOMMIT",
                # Autocommit leaves nothing to roll back: no statement on the way back.
                pool_reset_on_return=None,
                connect_args={"options": "-c synchronous_commit=off"},
            )
            # Its connections are this object's: closed when it goes.
            weakref.finalize(self, engine.dispose)
        self.engine = engine
        # The hot statement in the driver's own form, run on its cursor: through Core it
        # cost twice the round trip itself (~0.9 ms against ~0.4 ms).
        self._count_sql = str(COUNT.compile(dialect=engine.dialect))

    def count(self, key: str, window_start: int, window: int) -> int:
        values = {"key": key, "window_start": window_start}
        if not self._postgres:
            with self._statement() as conn:
                return int(conn.execute(COUNT, values).scalar_one())
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(self._count_sql, values)
            row = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()
        assert row is not None  # an upsert with RETURNING always returns its row
        return int(row[0])

    def counted(self, key: str, window_start: int) -> int:
        w = t.rate_limit_windows
        with self._statement() as conn:
            used = conn.execute(
                select(w.c.used).where(w.c.key == key, w.c.window_start == window_start)
            ).scalar()
        return int(used or 0)

    def take_points(self, key: str, cost: int, now: float, points: int, seconds: int) -> float:
        p = t.rate_limit_points
        with self._transaction() as conn:
            if self._postgres:
                conn.execute(POINTS_LOCK, {"key": key})
            conn.execute(delete(p).where(and_(p.c.key == key, p.c.at <= now - seconds)))
            spent = conn.execute(
                select(p.c.at, p.c.cost).where(p.c.key == key).order_by(p.c.at, p.c.id)
            ).all()
            wait = wait_for([(at, used) for at, used in spent], cost, now, points, seconds)
            if wait == 0:
                conn.execute(insert(p).values(key=key, at=now, cost=cost))
            return wait

    def purge_ended(self, now: float, window: int, points_seconds: int) -> int:
        """Remove the rows of windows that ended (fixed windows `window` seconds long, points
        spent more than `points_seconds` ago) over PURGE_GRACE_SECONDS ago, in one
        transaction; how many rows went. A key that stops asking keeps its rows for ever
        otherwise. No count changes: a request in a new window starts it at one either way,
        and a row an upsert moves into a new window meanwhile no longer matches (PostgreSQL
        checks a DELETE's condition again on the row it waited for)."""
        w, p = t.rate_limit_windows, t.rate_limit_points
        ended = now - PURGE_GRACE_SECONDS
        with self._transaction() as conn:
            windows = conn.execute(delete(w).where(w.c.window_start <= ended - window))
            points = conn.execute(delete(p).where(p.c.at <= ended - points_seconds))
        return int(windows.rowcount) + int(points.rowcount)

    @contextmanager
    def _statement(self) -> Iterator[Connection]:
        """A connection for one statement: autocommit on PostgreSQL; on SQLite a write
        transaction (its driver's autocommit would leave our listener's BEGIN open)."""
        if not self._postgres:
            with write_transaction(self.engine) as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if not self._postgres:
            with write_transaction(self.engine) as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="READ COMMITTED")
            with conn.begin():
                yield conn
