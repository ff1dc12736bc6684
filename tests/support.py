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
from sqlalchemy import create_engine, text

from tests.requirements import POSTGRES

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty database, dropped afterwards; a missing requirement if no server answers."""
    admin_url = os.environ.get("PACKYARD_TEST_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any connection failure means "no server here"
        unreachable = f"PostgreSQL is not reachable at {admin_url} ({type(error).__name__})"
    else:
        unreachable = ""
    if unreachable:  # outside the `except`, so a CI failure is not drowned in its traceback
        admin.dispose()
        POSTGRES.missing(unreachable)
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
