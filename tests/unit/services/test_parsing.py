"""What the REST use cases parse from a request before touching the store."""

from __future__ import annotations

from datetime import date

import pytest

from packyard.domain.errors import Unprocessable
from packyard.domain.types import PackageType, Visibility
from packyard.services.access import parse_package_type
from packyard.services.downloads import parse_day
from packyard.services.packages import parse_visibility


def test_package_types_are_githubs_six() -> None:
    assert [parse_package_type(t.value) for t in PackageType] == list(PackageType)
    for bad in (None, "", "pypi", "NPM"):
        with pytest.raises(Unprocessable, match="Must be one of: npm, maven"):
            parse_package_type(bad)


def test_visibility_is_optional_and_checked() -> None:
    assert parse_visibility(None) is None
    assert parse_visibility("internal") is Visibility.INTERNAL
    with pytest.raises(Unprocessable, match="public, private, internal"):
        parse_visibility("secret")


def test_days_are_iso_dates() -> None:
    assert parse_day("2026-03-01") == date(2026, 3, 1)
    for bad in (None, "", "2026-13-01", "yesterday"):
        with pytest.raises(Unprocessable, match="YYYY-MM-DD"):
            parse_day(bad)
