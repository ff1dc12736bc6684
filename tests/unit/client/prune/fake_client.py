"""A stand-in for `Client` holding one owner's Maven packages in memory: versions, their
SNAPSHOT builds, deletes and restores, with the builds endpoint's rules (newest first, the
last active build refused). Planning and running are tested on it without HTTP; the real
server is exercised by tests/protocols/test_prune.py."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import httpx

from packyard.client import errors
from packyard.client._client import Client, DeleteResult
from packyard.client.models import Build, Package, PackageVersion

OWNER = "alice"
START = datetime(2026, 11, 1, tzinfo=UTC)


def _refusal(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"message": message}, request=httpx.Request("GET", "/"))


F = TypeVar("F", bound=Callable[..., Any])


def _serialized(method: F) -> F:
    """Prune calls the client from a few threads at once; the server answers each request
    whole (a delete checks, then writes, under the package's lock): so does the fake."""

    def run(self: FakePackyard, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return cast(F, run)


@dataclass
class FakePackyard:
    base_url: str = "http://packyard.test/api/v3"
    registry_url: str = "http://packyard.test"
    versions: dict[str, list[PackageVersion]] = field(default_factory=dict)
    builds: dict[int, list[Build]] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)
    clock: datetime = START + timedelta(days=30)
    refuse_deletes: set[int] = field(default_factory=set)  # build ids answered with a 500
    # Build ids whose delete answers 404 and deletes nothing, as for a caller not an admin.
    hidden_deletes: set[int] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def as_client(self) -> Client:
        """This fake where `make_plan`, `apply_plan` and `undo_run` want a `Client`."""
        return cast(Client, self)

    # seeding -------------------------------------------------------------------------------

    def add(self, package: str, name: str, builds: int = 0) -> PackageVersion:
        """A version a day newer than the last one, with `builds` builds numbered 1..n."""
        taken = sum(len(v) for v in self.versions.values())
        at = START + timedelta(days=taken)
        version = PackageVersion(id=100 + taken, name=name, package_type="maven", created_at=at)
        self.versions.setdefault(package, []).append(version)
        self.builds[version.id] = [
            Build(
                id=version.id * 10 + n,
                name=f"20261101.0{n}0000-{n}",
                build_number=n,
                created_at=at + timedelta(hours=n),
            )
            for n in range(1, builds + 1)
        ]
        return version

    # what Client offers ------------------------------------------------------------------

    def authenticated_login(self) -> str:
        return OWNER

    def iter_packages(self, owner: str, package_type: str) -> Iterator[Package]:
        for n, name in enumerate(self.versions):
            yield Package(n + 1, name, package_type, "private", len(self.versions[name]))

    def iter_versions(
        self, owner: str, package_type: str, package_name: str, state: str | None = None
    ) -> Iterator[PackageVersion]:
        wanted_deleted = state == "deleted"
        for v in self.versions[package_name]:
            if (v.deleted_at is not None) == wanted_deleted:
                yield v

    @_serialized
    def delete_versions(
        self, owner: str, package_type: str, package_name: str, ids: list[int], **_: object
    ) -> list[DeleteResult]:
        found = []
        for version_id in ids:
            self._set_version(package_name, version_id, self.clock)
            found.append(DeleteResult(version_id, "deleted"))
        return found

    @_serialized
    def restore_version(
        self, owner: str, package_type: str, package_name: str, version_id: int
    ) -> None:
        self._set_version(package_name, version_id, None)

    def list_builds(
        self,
        owner: str,
        package_type: str,
        package_name: str,
        package_version_id: int,
        state: str | None = None,
    ) -> list[Build]:
        self.calls.append(("list_builds", str(package_version_id), state or "active"))
        wanted_deleted = state == "deleted"
        chosen = [
            b
            for b in self.builds.get(package_version_id, [])
            if (b.deleted_at is not None) == wanted_deleted
        ]
        return sorted(chosen, key=lambda b: b.build_number, reverse=True)

    @_serialized
    def delete_build(
        self, owner: str, package_type: str, package_name: str, version_id: int, build_id: int
    ) -> None:
        self.calls.append(("delete_build", str(version_id), str(build_id)))
        if build_id in self.refuse_deletes:
            raise errors.ServerError(_refusal(500, "boom"), "boom")
        build = self._build(version_id, build_id)
        if build.deleted_at is not None or build_id in self.hidden_deletes:
            raise errors.NotFound(_refusal(404, "Build not found."), "Build not found.")
        active = self.list_builds(owner, package_type, package_name, version_id)
        if len(active) == 1:
            raise errors.BadRequest(_refusal(400, "last build"), "last build")
        self._set_build(version_id, build_id, self.clock)

    @_serialized
    def restore_build(
        self, owner: str, package_type: str, package_name: str, version_id: int, build_id: int
    ) -> None:
        self.calls.append(("restore_build", str(version_id), str(build_id)))
        if self._build(version_id, build_id).deleted_at is None:
            raise errors.NotFound(_refusal(404, "Build not found."), "Build not found.")
        self._set_build(version_id, build_id, None)

    # helpers ---------------------------------------------------------------------------

    def active_builds(self, version_id: int) -> list[str]:
        return [b.name for b in self.list_builds(OWNER, "maven", "", version_id)]

    def _build(self, version_id: int, build_id: int) -> Build:
        for b in self.builds.get(version_id, []):
            if b.id == build_id:
                return b
        raise errors.NotFound(_refusal(404, "Build not found."), "Build not found.")

    def _set_build(self, version_id: int, build_id: int, deleted_at: datetime | None) -> None:
        self.builds[version_id] = [
            replace(b, deleted_at=deleted_at) if b.id == build_id else b
            for b in self.builds[version_id]
        ]

    def _set_version(self, package: str, version_id: int, deleted_at: datetime | None) -> None:
        self.versions[package] = [
            replace(v, deleted_at=deleted_at) if v.id == version_id else v
            for v in self.versions[package]
        ]
