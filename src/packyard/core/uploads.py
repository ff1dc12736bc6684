"""What a blob store that keeps its uploads' state in the database (S3's) asks of it: one
row per upload, the parts it has sent, and the chunks gathered for the next part.

The row's `size` is the arbiter between processes: every append is a conditional UPDATE
from the size its writer read, so of two appends at one offset exactly one moves it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class UploadPart:
    number: int  # S3's PartNumber: ascending with `start`, not necessarily contiguous
    start: int  # the upload's byte where the part begins
    size: int
    etag: str


@dataclass(frozen=True, slots=True)
class UploadState:
    size: int  # bytes appended so far
    multipart_id: str | None  # S3's UploadId, from the first part on
    parts: tuple[UploadPart, ...]
    started_at: datetime

    @property
    def pending(self) -> int:
        """Bytes appended since the last part: the gathered chunks, in the database."""
        return self.size - sum(p.size for p in self.parts)


class BlobUploadRows(Protocol):
    def start(self, upload_id: str, now: datetime) -> None: ...
    def find(self, upload_id: str) -> UploadState | None: ...
    def pending(self, upload_id: str) -> list[bytes]:
        """The chunks gathered since the last part, in order."""
        ...

    def attach(self, upload_id: str, multipart_id: str) -> str | None:
        """Record S3's UploadId unless one is recorded already; the one in force (None if
        the upload is gone)."""
        ...

    def claim_part(self, upload_id: str, at: int) -> int | None:
        """A part number no one else is given, if the upload still stands at byte `at`."""
        ...

    def append_pending(self, upload_id: str, at: int, data: bytes) -> bool:
        """Gather `data` at byte `at`, if the upload still stands there; False if not."""
        ...

    def append_part(self, upload_id: str, at: int, part: UploadPart) -> bool:
        """The gathered chunks and the bytes from `at` went up as `part`, if the upload still
        stands at `at`: it moves to the part's end, and the gathered chunks go."""
        ...

    def ids(self) -> list[str]: ...
    def delete(self, upload_id: str) -> bool: ...


__all__ = ["BlobUploadRows", "UploadPart", "UploadState"]
