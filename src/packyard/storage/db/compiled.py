"""Statements built with SQLAlchemy once, compiled once per dialect, run on the raw cursor.

SQLAlchemy Core costs ~60-100µs per execution in statement construction, cache-key
generation and result processing; the hot paths run a handful of primary-key reads per
request, where that overhead dwarfs SQLite's own few microseconds. `Query` keeps Core's
SQL generation (portable between SQLite and PostgreSQL) and skips the rest. Use it for
reads with explicit, named `bindparam`s and no expanding IN lists; everything else goes
through Core as usual, on the same connection and transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.expression import ClauseElement


class Query:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, list[str] | None, dict[str, Any]]] = {}

    def _sql(self, conn: Connection) -> tuple[str, list[str] | None, dict[str, Any]]:
        name = conn.dialect.name
        entry = self._compiled.get(name)
        if entry is None:
            compiled = self.statement.compile(dialect=conn.dialect)
            # qmark drivers (sqlite3) take a list in this order; pyformat ones a dict.
            positions = getattr(compiled, "positiontup", None)
            order = list(positions) if positions is not None else None
            # Literals in the statement (a LIMIT 2, say) become binds with fixed values.
            fixed = {k: v for k, v in compiled.params.items() if v is not None}
            entry = (str(compiled), order, fixed)
            self._compiled[name] = entry
        return entry

    def rows(self, conn: Connection, **params: Any) -> list[tuple[Any, ...]]:
        sql, order, fixed = self._sql(conn)
        if fixed:
            params = {**fixed, **params}
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, [params[n] for n in order] if order is not None else params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

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
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
