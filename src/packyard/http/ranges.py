"""`Range: bytes=…` on a body of known size: one range, a suffix, or none at all.

`bytes=0-99` is the first hundred bytes, `bytes=100-` everything from byte 100, `bytes=-100`
the last hundred. A header that does not parse is ignored (the whole body is sent, as RFC
9110 allows); one that parses but selects nothing answers 416.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BYTES = re.compile(r"bytes=(\d*)-(\d*)")


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
        start, end = max(0, size - int(last)), size
    else:
        start = int(first)
        end = min(size, int(last) + 1) if last else size
    if start >= size or start >= end:
        raise RangeNotSatisfiable(size)
    return ByteRange(start, end, size)
