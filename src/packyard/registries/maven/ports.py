"""What the Maven format needs from storage beyond the core's rows: each package's
coordinates, the hashes of uploaded metadata, and SNAPSHOT builds."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from packyard.core.ports import RowsKey
from packyard.domain.files import BuildRecord
from packyard.domain.maven import Build, Coordinates


class MavenRows(Protocol):
    """Implemented by `storage/db/maven.py`; registered by `server.py`."""

    def coordinates(self, package_id: int) -> Coordinates | None: ...
    def build_deleted(self, version_id: int, name: str) -> bool: ...
    def save_coordinates(self, package_id: int, coordinates: Coordinates) -> None: ...
    def metadata_hashes(self, package_id: int, version: str) -> dict[str, str] | None: ...
    def save_metadata_hashes(
        self, package_id: int, version: str, hashes: dict[str, str], now: datetime
    ) -> None: ...
    def version_times(self, package_id: int) -> list[tuple[str, datetime]]:
        """Each live version's name and when its newest file came."""
        ...

    def create_build(
        self, version_id: int, package_id: int, build: Build, now: datetime
    ) -> int: ...
    def builds(self, version_id: int, deleted: bool | None) -> list[BuildRecord]:
        """Newest first, with their files; all of them when `deleted` is None."""
        ...

    def set_build_deleted(self, build_id: int, at: datetime | None) -> bool:
        """Delete (`at`) or restore (None) a build that is not already so."""
        ...

    def purge_builds(self, cutoff: datetime) -> list[int]:
        """Drop builds deleted before `cutoff`; the ids of the files they held."""
        ...


MAVEN_ROWS: RowsKey[MavenRows] = RowsKey("maven")
