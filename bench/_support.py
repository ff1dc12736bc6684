"""What the benchmarks share: free ports, waiting for a server, a Packyard to measure."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from packyard.server import build_store
from packyard.services.seed import load_seed
from packyard.storage.db.engine import make_engine, sqlite_url
from packyard.storage.db.migrate import upgrade


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(url: str, attempts: int = 300) -> None:
    for _ in range(attempts):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def seeded_data_dir(data: Path, seed: dict[str, Any]) -> None:
    """A migrated SQLite store in `data`, loaded with `seed`."""
    data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(sqlite_url(data))
    upgrade(engine)
    load_seed(build_store(engine), seed, datetime.now(UTC))
    engine.dispose()


@contextmanager
def packyard_server(data: Path) -> Iterator[str]:
    """`packyard serve` (one worker, SQLite) on a free loopback port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PACKYARD_DATA_DIR": str(data), "PACKYARD_BASE_URL": base}
    env.pop("PACKYARD_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "packyard.cli.main", "serve", "--port", str(port)], env=env
    )
    try:
        wait(f"{base}/_packyard/ping")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def user_with_token(login: str, token: str) -> dict[str, Any]:
    return {
        "users": [{"login": login}],
        "tokens": [
            {
                "user": login,
                "token": token,
                "kind": "classic",
                "scopes": ["read:packages", "write:packages", "delete:packages"],
            }
        ],
    }
