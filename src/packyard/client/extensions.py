"""Packyard's own calls, under `{api}/_packyard/`: what GitHub's packages API has no path for.

- `downloads_since`: which live versions were pulled since a day (`--keep-downloaded-within`);
- `list_builds`, `delete_build`, `restore_build`: the timestamped builds inside a Maven
  `-SNAPSHOT` version (`--keep-snapshot-builds`), deleted and restored like versions.

Each takes the owner as `iter_versions` does and picks `/user`, `/orgs/ORG` or `/users/LOGIN`
the same way. GitHub has none of these paths: there they raise `NotFound`. Like the other
helpers that resolve an owner, they live on the sync `Client` only.

>>> from packyard.client import Client
>>> with Client(token="ghp_...", base_url="http://127.0.0.1:8080/api/v3") as client:
...     for build in client.list_builds(  # doctest: +SKIP
...         "alice", "maven", "com.example.hello", 17
...     ):
...         print(build.id, build.name)
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from packyard.client._responses import next_link, raise_for
from packyard.client.models import Build

EXTENSION_PREFIX = "/_packyard"


class _Scoped(Protocol):
    """What the extensions need of a `Client`: where the API is, which scope reaches an
    owner, and the request flow (retries, rate limits, the points budget)."""

    base_url: str

    def scope_of(self, owner: str) -> str: ...

    def _send(
        self, method: str, url: str, params: dict[str, str], endpoint: str
    ) -> httpx.Response: ...


def _package_url(client: _Scoped, owner: str, package_type: str, package_name: str) -> str:
    scope = client.scope_of(owner)
    where = {"user": "/user", "org": f"/orgs/{quote(owner)}", "users": f"/users/{quote(owner)}"}
    return (
        f"{client.base_url}{EXTENSION_PREFIX}{where[scope]}/packages/"
        f"{quote(package_type, safe='')}/{quote(package_name, safe='')}"
    )


def _builds_url(
    client: _Scoped, owner: str, package_type: str, package_name: str, package_version_id: int
) -> str:
    package = _package_url(client, owner, package_type, package_name)
    return f"{package}/versions/{int(package_version_id)}/builds"


def _call(client: _Scoped, method: str, url: str, endpoint: str) -> None:
    response = client._send(method, url, {}, f"{method} {EXTENSION_PREFIX}{endpoint}")
    raise_for(response)


class PackyardExtensions:
    """The `/_packyard` calls, mixed into `Client`; see the module's docstring."""

    def downloads_since(
        self: _Scoped, owner: str, package_type: str, package_name: str, since: date
    ) -> dict[int, int]:
        """Packyard only: {package_version_id: downloads} of the live versions pulled on
        `since` (a UTC day) or later. GitHub has no such call; there it raises NotFound."""
        url = _package_url(self, owner, package_type, package_name) + "/downloads"
        response = self._send(
            "GET",
            url,
            {"since": since.isoformat()},
            f"GET {EXTENSION_PREFIX}/packages/downloads",
        )
        raise_for(response)
        return {int(v["id"]): int(v["downloads"]) for v in response.json()["versions"]}

    def list_builds(
        self: _Scoped,
        owner: str,
        package_type: str,
        package_name: str,
        package_version_id: int,
        state: str | None = None,
    ) -> list[Build]:
        """Packyard only: the builds of a SNAPSHOT version, newest first; `state="deleted"`
        lists the restorable ones. A release, or a type without builds, has none (`[]`)."""
        url = _builds_url(self, owner, package_type, package_name, package_version_id)
        query = {"state": state} if state else {}
        found: list[Build] = []
        while True:  # one page today; a `Link: rel="next"` is followed if a server pages
            response = self._send("GET", url, query, f"GET {EXTENSION_PREFIX}/builds")
            raise_for(response)
            body: Any = response.json()
            found += [Build.from_json(item) for item in body]
            following = next_link(response)
            if following is None:
                return found
            url, query = following, {}

    def delete_build(
        self: _Scoped,
        owner: str,
        package_type: str,
        package_name: str,
        package_version_id: int,
        build_id: int,
    ) -> None:
        """Packyard only: delete one build, restorable as a version is. A Packyard refuses
        (400, `BadRequest`) to delete a version's last active build: delete the version."""
        url = _builds_url(self, owner, package_type, package_name, package_version_id)
        _call(self, "DELETE", f"{url}/{int(build_id)}", "/builds/{build_id}")

    def restore_build(
        self: _Scoped,
        owner: str,
        package_type: str,
        package_name: str,
        package_version_id: int,
        build_id: int,
    ) -> None:
        """Packyard only: restore a deleted build (within the restore window)."""
        url = _builds_url(self, owner, package_type, package_name, package_version_id)
        _call(self, "POST", f"{url}/{int(build_id)}/restore", "/builds/{build_id}/restore")
