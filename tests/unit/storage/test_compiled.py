from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from packyard.storage.db.compiled import timestamp


def test_timestamps_from_either_driver_are_aware_utc() -> None:
    expected = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    assert timestamp("2026-01-02 03:04:05.600000") == expected
    assert timestamp("2026-01-02 03:04:05.600000+00:00") == expected
    assert timestamp("2026-01-02T05:04:05.600000+02:00") == expected
    assert timestamp(datetime(2026, 1, 2, 3, 4, 5, 600000)) == expected
    plus_two = timezone(timedelta(hours=2))
    assert timestamp(datetime(2026, 1, 2, 5, 4, 5, 600000, tzinfo=plus_two)) == expected
    assert timestamp(None) is None


def test_positions_follow_the_column_list() -> None:
    from packyard.storage.db import columns as cols
    from packyard.storage.db.compiled import Positions

    assert [cols.P.id, cols.P.owner_id, cols.P.deleted_at] == [0, 1, len(cols.PACKAGE_COLUMNS) - 1]
    assert cols.T.width == len(cols.TOKEN_COLUMNS)
    with pytest.raises(AttributeError, match="no column 'nope'"):
        _ = Positions(cols.ACCOUNT_COLUMNS).nope


def test_sqlite_datetimes_bind_as_sqlalchemy_writes_them() -> None:
    from datetime import date

    from sqlalchemy.dialects import sqlite

    from packyard.storage.db import compiled
    from packyard.storage.db.tables import TS

    dialect = sqlite.dialect()
    impl = TS.dialect_impl(dialect)
    assert impl._storage_format == compiled.SQLITE_DATETIME_FORMAT  # else not replaced
    theirs = impl.bind_processor(dialect)
    ours = compiled._faster(impl, theirs)
    assert ours is not theirs

    class Later(datetime):
        pass

    plus_two = timezone(timedelta(hours=2))
    values = [
        datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=plus_two),  # its fields, as SQLAlchemy's
        datetime(2026, 12, 31, 23, 59, 59, 999999),
        datetime(5, 1, 1),
        Later(2026, 1, 2, 3, 4, 5, 6),
        date(2026, 1, 2),
    ]
    for value in values + values:  # the second time, the last value's text is kept
        assert ours(value) == theirs(value), value
    now = values[0]
    assert ours(now) == ours(now) == theirs(now)
