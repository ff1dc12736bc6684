"""What the store holds of a name, at its boundary."""

from __future__ import annotations

import pytest

from packyard.domain.errors import BadRequest
from packyard.domain.files import MAX_STORED_NAME_LENGTH, check_stored_name


def test_a_name_the_store_holds_passes() -> None:
    check_stored_name("file", "a" * MAX_STORED_NAME_LENGTH)


def test_a_longer_name_is_the_callers_400() -> None:
    with pytest.raises(BadRequest, match="a file's name may have at most 255 characters"):
        check_stored_name("file", "a" * (MAX_STORED_NAME_LENGTH + 1))


def test_the_bound_is_the_columns() -> None:
    from packyard.storage.db import tables as t

    for column in (t.package_files.c.name, t.versions.c.name):
        assert column.type.length == MAX_STORED_NAME_LENGTH
