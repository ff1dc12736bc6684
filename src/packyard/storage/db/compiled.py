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
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.expression import ClauseElement, ColumnElement

# A statement compiled for one dialect (see `_compile`): its SQL, its binds' fixed values,
# the type conversions of its binds, the function ordering the values for a qmark driver
# (None: the driver takes the dict), and whether the driver's connection runs it directly.
_Compiled = tuple[
    str,
    dict[str, Any],
    tuple[tuple[str, Callable[[Any], Any]], ...],
    Callable[[dict[str, Any]], Any] | None,
    bool,
]


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
    def __init__(self, statement: ClauseElement, *, sqlite: ClauseElement | None = None) -> None:
        self.statement = statement
        # What SQLite runs instead, where the two engines are best served apart.
        self.sqlite = sqlite
        self._compiled: dict[str, _Compiled] = {}

    def _sql(self, conn: Connection) -> _Compiled:
        name = conn.dialect.name
        entry = self._compiled.get(name)
        if entry is None:
            statement = self.statement
            if name == "sqlite" and self.sqlite is not None:
                statement = self.sqlite
            entry = self._compiled[name] = _compile(statement, conn)
        return entry

    def _run(self, conn: Connection, params: dict[str, Any], fetch: bool) -> Any:
        entry = self._compiled.get(conn.dialect.name) or self._sql(conn)
        sql, fixed, processors, order, direct = entry
        values = {**fixed, **params}
        for key, processor in processors:
            value = values.get(key)
            if value is not None:
                values[key] = processor(value)
        bound = values if order is None else order(values)
        driver = conn.connection.dbapi_connection
        if direct:
            # sqlite3's `Connection.execute` makes its cursor in C: no cursor object of ours
            # to make and close per statement (the statement is reset once run or fetched).
            cursor = driver.execute(sql, bound)  # type: ignore[union-attr]
            return cursor.fetchall() if fetch else cursor.rowcount
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, bound)
            return cursor.fetchall() if fetch else cursor.rowcount
        finally:
            cursor.close()

    def rows(self, conn: Connection, **params: Any) -> list[tuple[Any, ...]]:
        return self._run(conn, params, fetch=True)  # type: ignore[no-any-return]

    def execute(self, conn: Connection, **params: Any) -> int:
        """Run a write; returns the affected row count."""
        return int(self._run(conn, params, fetch=False))

    def first(self, conn: Connection, **params: Any) -> tuple[Any, ...] | None:
        found = self._run(conn, params, fetch=True)
        return found[0] if found else None

    def scalar(self, conn: Connection, **params: Any) -> Any:
        found = self._run(conn, params, fetch=True)
        return found[0][0] if found else None


def _compile(statement: ClauseElement, conn: Connection) -> _Compiled:
    """The statement's SQL for the connection's dialect, and what binds the caller's
    parameters, built once: per statement, one dict merge and, on SQLite, one C call to
    order the values (the list built in Python per statement, and the cursor made and
    closed around it, were 40k of a REST delete's 899k instructions under callgrind)."""
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect)
    # Literals in the statement (a LIMIT 2, a NULL) become binds with fixed values; a
    # parameter the caller leaves out is NULL, as it was when this merged every bind.
    fixed = dict(compiled.params)
    # Type conversions the driver does not do itself (datetimes as text on SQLite).
    processors: list[tuple[str, Callable[[Any], Any]]] = []
    for parameter in getattr(compiled, "binds", {}).values():
        impl = parameter.type.dialect_impl(dialect)
        processor = impl.bind_processor(dialect)
        if processor is not None:
            processors.append((parameter.key, _faster(impl, processor)))
    # qmark drivers (sqlite3) take the values in this order; pyformat ones a dict.
    positions = getattr(compiled, "positiontup", None)
    order = _ordered(list(positions)) if positions is not None else None
    return str(compiled), fixed, tuple(processors), order, dialect.name == "sqlite"


# SQLAlchemy's text for a datetime on SQLite (its DATETIME's default storage format).
SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
# The last datetime bound on SQLite and its text: a request binds its one `now` to several
# statements (a delete's version and its audit row).
_last_datetime: tuple[datetime | None, str] = (None, "")


def _faster(impl: Any, processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite DATETIME bind, the same text cheaper: it formats through a dict
    of the fields (19k instructions a value under callgrind), a tuple takes 12k, and the
    last value's text is kept. Any other type, format or value goes to SQLAlchemy's."""
    if (
        not isinstance(impl, sqlite.DATETIME)
        or getattr(impl, "_storage_format", None) != SQLITE_DATETIME_FORMAT
    ):
        return processor

    def process(value: Any) -> Any:
        global _last_datetime
        if value.__class__ is not datetime:
            return processor(value)
        last = _last_datetime
        if last[0] is value:
            return last[1]
        text = "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (cheaper than format)
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
        )
        _last_datetime = (value, text)
        return text

    return process


def _ordered(names: list[str]) -> Callable[[dict[str, Any]], Any]:
    """A function from the values by name to the sequence of them in `names`' order: a C
    `itemgetter` (which answers one name with a bare value, so one name is wrapped)."""
    if not names:
        return lambda values: ()
    if len(names) == 1:
        only = names[0]
        return lambda values: (values[only],)
    return itemgetter(*names)


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
