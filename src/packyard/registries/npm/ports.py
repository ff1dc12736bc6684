"""What the npm format needs from storage beyond the core's rows: each version's document."""

from __future__ import annotations

from typing import Protocol

from packyard.core.ports import RowsKey
from packyard.domain.npm import NpmVersionRecord


class NpmRows(Protocol):
    """Implemented by `storage/db/npm.py`; registered by `server.py`."""

    def save_npm_version(
        self, version_id: int, package_id: int, manifest: str, deprecated: str | None
    ) -> None: ...
    def npm_versions(self, package_id: int) -> list[NpmVersionRecord]: ...
    def find_manifest(self, version_id: int) -> str | None: ...
    def dist_tags(self, package_id: int) -> dict[str, str]: ...
    def set_deprecated(self, version_id: int, message: str | None) -> None: ...


NPM_ROWS: RowsKey[NpmRows] = RowsKey("npm")
