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
