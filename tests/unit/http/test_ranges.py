from __future__ import annotations

import pytest

from packyard.http import ByteRange, RangeNotSatisfiable, byte_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=-", None),
        ("items=0-1", None),
        ("bytes=0-1,3-4", None),  # several ranges: the whole body, as RFC 9110 allows
        ("bytes=0-0", (0, 1)),
        ("bytes=2-", (2, 10)),
        ("bytes=2-100", (2, 10)),
        ("bytes=-3", (7, 10)),
        ("bytes=-30", (0, 10)),
        # Positions of any length: past every body, never an `int()` of 5,000 digits.
        ("bytes=0-" + "9" * 5000, (0, 10)),
        ("bytes=-" + "9" * 5000, (0, 10)),
        ("bytes=" + "0" * 5000 + "3-" + "0" * 5000 + "4", (3, 5)),
        ("bytes=\u0663-", None),  # ٣: a digit to `\d` and `int()`, not to RFC 9110
    ],
)
def test_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    found = byte_range(header, 10)
    assert (None if found is None else (found.start, found.end)) == expected


@pytest.mark.parametrize(
    "header", ["bytes=10-", "bytes=5-4", "bytes=-0", "bytes=" + "9" * 5000 + "-"]
)
def test_unsatisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as refused:
        byte_range(header, 10)
    assert refused.value.content_range() == "bytes */10"


def test_content_range() -> None:
    assert ByteRange(2, 5, 10).content_range() == "bytes 2-4/10"
    assert ByteRange(2, 5, 10).length == 3
