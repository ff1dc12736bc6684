"""A real `packyard serve` process, seeded with examples/world.yaml, for real clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import WORLD_FILE
from tests.support import postgres_database, wait_until_serving

STARTUP_TIMEOUT = 30.0


@dataclass(frozen=True)
class LiveServer:
    url: str
    env: dict[str, str]

    @property
    def api(self) -> str:
        return self.url + "/api/v3"

    def packyard(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "packyard.cli.main", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("live") / "packyard.db"
        yield f"sqlite+pysqlite:///{path}"
        return
    with postgres_database("packyard_live") as url:
        yield url


@contextmanager
def serving(
    database_url: str, data_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """`packyard serve` on a free port over `database_url`, seeded with the world."""
    port = free_port()
    env = {
        **os.environ,
        "PACKYARD_DATABASE_URL": database_url,
        "PACKYARD_DATA_DIR": str(data_dir),
        "PACKYARD_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    server = LiveServer(f"http://127.0.0.1:{port}", env)
    seeded = server.packyard("seed", str(WORLD_FILE))
    assert seeded.returncode == 0, seeded.stderr
    log = (Path(data_dir) / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "packyard.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(server.url, process, data_dir / "server.log", STARTUP_TIMEOUT)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def live_server(
    live_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with serving(live_database, tmp_path_factory.mktemp("data")) as server:
        yield server
