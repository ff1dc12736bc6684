"""`Range: bytes=…` on a body of known size: one range, a suffix, or none at all.

`bytes=0-99` is the first hundred bytes, `bytes=100-` everything from byte 100, `bytes=-100`
the last hundred. A header that does not parse is ignored (the whole body is sent, as RFC
9110 allows); one that parses but selects nothing answers 416.

Positions are ASCII digits (a regex's digit class takes any script's) of any length: past
`_MAX_DIGITS` they are only known to be larger than any body, never handed to `int()`, which
refuses more than 4,300 digits (a 500).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BYTES = re.compile(r"bytes=([0-9]*)-([0-9]*)")
# More digits than any size has (2**63 has 19): such a position is past every body.
_MAX_DIGITS = 19
_PAST_ANY_BODY = 10**_MAX_DIGITS


class RangeNotSatisfiable(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"no byte of {size} selected")
        self.size = size

    def content_range(self) -> str:
        return f"bytes */{self.size}"


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # exclusive
    size: int  # of the whole body

    @property
    def length(self) -> int:
        return self.end - self.start

    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end - 1}/{self.size}"


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The range `header` asks of a body of `size` bytes; None for the whole body."""
    match = _BYTES.fullmatch(header or "")
    if match is None or not (match.group(1) or match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # a suffix: the last N bytes
        start, end = max(0, size - _position(last)), size
    else:
        start = _position(first)
        end = min(size, _position(last) + 1) if last else size
    if start >= size or start >= end:
        raise RangeNotSatisfiable(size)
    return ByteRange(start, end, size)


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return _PAST_ANY_BODY if len(digits) > _MAX_DIGITS else int(digits)
