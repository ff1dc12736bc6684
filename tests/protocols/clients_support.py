"""What the real-client tests of RubyGems, NuGet and Maven share: a client's environment
cleared of the host's settings, a timed run of it, the server's access log, the REST API as
one user, and a server of a module's own with that module's world seeded beside
examples/world.yaml."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.protocols.conftest import LiveServer, serving

# A uvicorn access-log line (and Python's http.server's): `"GET /path HTTP/1.1" 200`.
_ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


def clean_env(
    dropped_prefixes: tuple[str, ...], dropped: Iterable[str] = (), **values: str
) -> dict[str, str]:
    """The host's environment without the variables named `dropped` or starting with one of
    `dropped_prefixes` (what would point a client at the host's caches, config or keys), plus
    `values`."""
    gone = set(dropped)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(dropped_prefixes) and name not in gone
    }
    # Loopback must never go through a proxy the host may name.
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    env.setdefault("LANG", "C.UTF-8")
    return {**env, **values}


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str  # stdout then stderr: clients say some things on each
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def error(self) -> str:
        """What the client printed as the reason it failed."""
        assert not self.ok, self.output
        return self.output.strip()


def timed(
    command: list[str],
    env: Mapping[str, str],
    cwd: Path | None,
    timeout: float,
    stdin: int | None = None,
) -> Run:
    """`command` run to its end (or `timeout`), what it printed and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=dict(env),
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout + done.stderr, time.monotonic() - started)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    status: int


@dataclass
class AccessLog:
    """The requests a server logged (uvicorn's access log) from a point on."""

    path: Path
    start: int = 0

    @classmethod
    def from_now(cls, path: Path) -> AccessLog:
        return cls(path, path.stat().st_size if path.exists() else 0)

    @classmethod
    def of(cls, server: LiveServer) -> AccessLog:
        """`server`'s log (conftest's `serving` writes server.log in its data dir), from now."""
        return cls.from_now(Path(server.env["PACKYARD_DATA_DIR"]) / "server.log")

    def requests(self, prefix: str = "") -> list[Request]:
        """The requests under `prefix`, their paths without it."""
        with self.path.open("rb") as log:
            log.seek(self.start)
            text = log.read().decode("utf-8", "replace")
        return [
            Request(found["method"], found["path"].removeprefix(prefix), int(found["status"]))
            for found in _ACCESS.finditer(text)
            if found["path"].startswith(prefix)
        ]

    def paths(self, prefix: str) -> list[str]:
        """`METHOD path-after-prefix` of each request under `prefix`."""
        return [f"{r.method} {r.path}" for r in self.requests(prefix)]


def rest(server: LiveServer, token: str) -> httpx.Client:
    """The REST API as the owner of `token`."""
    return httpx.Client(
        base_url=server.api, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def version_ids(
    server: LiveServer, token: str, package_type: str, package: str, state: str | None = None
) -> dict[str, int]:
    """The REST API's versions of the user's `package`, those in `state` if one is given:
    version → id."""
    params = {"state": state} if state is not None else None
    with rest(server, token) as api:
        listed = api.get(f"/user/packages/{package_type}/{package}/versions", params=params)
    assert listed.status_code == 200, listed.text
    return {version["name"]: version["id"] for version in listed.json()}


@contextmanager
def deleted(
    server: LiveServer, token: str, package_type: str, package: str, version_id: int
) -> Iterator[None]:
    """The version `version_id` of the user's `package`, deleted through REST; restored
    afterwards, whether or not the test restored it already (that answer is not checked)."""
    versions = f"/user/packages/{package_type}/{package}/versions"
    with rest(server, token) as api:
        gone = api.delete(f"{versions}/{version_id}")
        assert gone.status_code == 204, gone.text
        try:
            yield
        finally:
            api.post(f"{versions}/{version_id}/restore")


def seed(server: LiveServer, world: Path) -> None:
    """`packyard seed` of `world` into `server`'s database."""
    seeded = server.packyard("seed", str(world))
    assert seeded.returncode == 0, seeded.stderr


@contextmanager
def serving_logged(database_url: str, data_dir: Path, world: Path) -> Iterator[LiveServer]:
    """conftest's server with its access log on (server.log shows what each client asked),
    `world` seeded beside examples/world.yaml."""
    with serving(database_url, data_dir, {"PACKYARD_ACCESS_LOG": "1"}) as server:
        seed(server, world)
        yield server
