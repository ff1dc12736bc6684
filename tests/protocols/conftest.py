"""A real `packyard serve` process, seeded with examples/world.yaml, for real clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import DEFAULT_PG_ADMIN_URL, PG_HOW_TO, WORLD_FILE

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
    admin_url = os.environ.get("PACKYARD_TEST_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)
    name = f"packyard_live_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        pytest.skip(PG_HOW_TO.format(url=admin_url) + f" ({type(error).__name__})")
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def live_server(
    live_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("data")
    env = {
        **os.environ,
        "PACKYARD_DATABASE_URL": live_database,
        "PACKYARD_DATA_DIR": str(data_dir),
        "PACKYARD_BASE_URL": f"http://127.0.0.1:{port}",
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
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                if httpx.get(f"{server.url}/_packyard/ping", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError(
                    "packyard serve did not start:\n" + (data_dir / "server.log").read_text()
                )
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
