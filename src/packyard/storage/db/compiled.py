"""Statements built with SQLAlchemy once, compiled once per dialect, run on the raw cursor.

SQLAlchemy Core costs ~60-100µs per execution in statement construction, cache-key
generation and result processing; the hot paths run a handful of primary-key reads per
request, where that overhead dwarfs SQLite's own few microseconds. `Query` keeps Core's
SQL generation (portable between SQLite and PostgreSQL) and skips the rest. Use it for
reads with explicit, named `bindparam`s and no expanding IN lists; everything else goes
through Core as usual, on the same connection and transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.expression import ClauseElement, ColumnElement

_Compiled = tuple[str, list[str] | None, dict[str, Any], dict[str, Callable[[Any], Any]]]


class Positions:
    """Where each named column of a prebuilt select sits in its raw rows (the fast path
    reads plain DBAPI tuples). Converters read `row[P.version_count]`, resolved once here
    from the column list, so adding or reordering columns cannot shift what they read."""

    def __init__(self, columns: Sequence[ColumnElement[Any]]) -> None:
        for index, column in enumerate(columns):
            setattr(self, str(column.key), index)
        self.width = len(columns)

    def __getattr__(self, name: str) -> int:  # only for names not set above: a typo
        raise AttributeError(f"no column {name!r} in this select")

    def getter(self, *names: str, at: int = 0) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        """A function from a row to the named columns' values, in the order named (the
        columns `at` places into the row): one C call on the hot path, where a converter
        unpacks it into variables of the same names."""
        return itemgetter(*(at + getattr(self, name) for name in names))


class Query:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _sql(self, conn: Connection) -> _Compiled:
        name = conn.dialect.name
        entry = self._compiled.get(name)
        if entry is None:
            compiled = self.statement.compile(dialect=conn.dialect)
            # qmark drivers (sqlite3) take a list in this order; pyformat ones a dict.
            positions = getattr(compiled, "positiontup", None)
            order = list(positions) if positions is not None else None
            # Literals in the statement (a LIMIT 2, a NULL) become binds with fixed values.
            fixed = dict(compiled.params)
            # Type conversions the driver does not do itself (datetimes as text on SQLite).
            processors = {}
            for bind in getattr(compiled, "binds", {}).values():
                processor = bind.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                if processor is not None:
                    processors[bind.key] = processor
            entry = (str(compiled), order, fixed, processors)
            self._compiled[name] = entry
        return entry

    def _run(self, conn: Connection, params: dict[str, Any], fetch: bool) -> Any:
        sql, order, fixed, processors = self._sql(conn)
        values = {**fixed, **params}
        for key, processor in processors.items():
            if values.get(key) is not None:
                values[key] = processor(values[key])
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, [values[n] for n in order] if order is not None else values)
            return list(cursor.fetchall()) if fetch else cursor.rowcount
        finally:
            cursor.close()

    def rows(self, conn: Connection, **params: Any) -> list[tuple[Any, ...]]:
        return self._run(conn, params, fetch=True)  # type: ignore[no-any-return]

    def execute(self, conn: Connection, **params: Any) -> int:
        """Run a write; returns the affected row count."""
        return int(self._run(conn, params, fetch=False))

    def first(self, conn: Connection, **params: Any) -> tuple[Any, ...] | None:
        found = self.rows(conn, **params)
        return found[0] if found else None

    def scalar(self, conn: Connection, **params: Any) -> Any:
        row = self.first(conn, **params)
        return None if row is None else row[0]


def timestamp(value: Any) -> datetime | None:
    """The driver's timestamp as an aware UTC datetime.

    SQLite hands back the text SQLAlchemy stored ("2026-01-02 00:00:00.000000", UTC);
    psycopg hands back datetimes.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if value[-6:-5] in ("+", "-") or value.endswith("Z"):
            return datetime.fromisoformat(value).astimezone(UTC)
        # One parse that yields an aware value: half the cost of parse-then-replace.
        return datetime.fromisoformat(value + "+00:00")
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
