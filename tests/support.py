"""Helpers the fixtures share: throwaway PostgreSQL databases and waiting for a server."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_HOW_TO = (
    "PostgreSQL is not reachable at {url}: start it with "
    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
    "or point PACKYARD_TEST_PG_ADMIN_URL at a server you may create databases on"
)


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty database, dropped afterwards; skips the test with a how-to if no server."""
    admin_url = os.environ.get("PACKYARD_TEST_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any connection failure means "no server here"
        admin.dispose()
        pytest.skip(PG_HOW_TO.format(url=admin_url) + f" ({type(error).__name__})")
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def wait_until_serving(
    base_url: str, process: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    """Poll the ping route until it answers; fail with the server's log if it dies or stalls."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base_url}/_packyard/ping", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the server at {base_url} did not start:\n{log.read_text()}")
        time.sleep(0.2)
