"""The REST hot paths' cost per request, in process: no HTTP server, no wrk.

Seeds the world `bench/rest_api.py` seeds (100,000 versions of one package), then calls the
ASGI app directly on the event loop's thread, as uvicorn does, and prints for get-version,
list-versions (30 a page) and delete-version the median µs per request over several rounds
and the SQL statements one request sends (BEGIN and COMMIT included), and the web's
versions page (page 1 and page 3,000, signed in as the owner) beside them. On a shared machine
this is steadier than wrk's requests per second: a lever's effect shows here first.

    python bench/hotpaths.py [--rounds 7 --requests 500] [--postgres] [--data DIR]
    python bench/hotpaths.py --profile delete --requests 2000   # pyinstrument's tree (pip it)

Instructions per request, which a busy machine does not move (user space only: a commit's
writes to the WAL are the kernel's), with callgrind counting only the measured calls:

    HOTPATHS_CALLGRIND=1 PYTHONHASHSEED=0 valgrind --tool=callgrind --instr-atstart=no \
        python bench/hotpaths.py --data /tmp/seeded --only delete --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _support import DEFAULT_PG_ADMIN_URL, postgres_database
from rest_api import PACKAGE, TOKEN, VERSIONS, WEB_VERSIONS, seed_world

from packyard.config import Settings
from packyard.server import create_app
from packyard.storage.db.engine import make_engine
from packyard.storage.db.migrate import upgrade

App = Callable[..., Any]
SHOW = False  # --show: print the statements counted


def scope(method: str, path: str, query: str = "", cookie: str | None = None) -> dict[str, Any]:
    # The REST API's calls carry the token; the web's, the signed-in session's cookie.
    credentials = (
        (b"cookie", cookie.encode()) if cookie else (b"authorization", f"Bearer {TOKEN}".encode())
    )
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8080"),
            credentials,
            (b"user-agent", b"hotpaths"),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8080),
    }


async def call(app: App, request: dict[str, Any], body: bytes = b"") -> int:
    return (await answer(app, request, body))[0]


async def answer(
    app: App, request: dict[str, Any], body: bytes = b""
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The status, headers and body the app answers `request` with."""
    status, headers, content = 0, [], bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            content.extend(message.get("body", b""))

    await app(request, receive, send)
    return status, headers, bytes(content)


async def web_session(app: App) -> str:
    """alice's signed-in session cookie, as `rest_api.web_session` gets it from a server: the
    sign-in form's CSRF token under an anonymous cookie, then the token posted."""
    _status, headers, form = await answer(app, scope("GET", "/login", cookie="x"))
    anonymous = _cookie(headers)
    found = re.search(rb'name="csrf" value="([^"]+)"', form)
    assert found and anonymous, "no CSRF token or cookie on /login"
    posted = scope("POST", "/login", cookie=anonymous)
    posted["headers"].append((b"content-type", b"application/x-www-form-urlencoded"))
    body = urllib.parse.urlencode({"token": TOKEN, "csrf": found.group(1).decode()}).encode()
    status, headers, _ = await answer(app, posted, body)
    signed_in = _cookie(headers)
    assert status == 303 and signed_in, f"signing in answered {status}"
    return signed_in


def _cookie(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"set-cookie":
            return value.decode().split(";")[0]
    return ""


class Deletes:
    """The next untagged version each time, as bench/rest_api.py's wrk script."""

    def __init__(self) -> None:
        self.next = 1

    def __call__(self) -> dict[str, Any]:
        self.next += 1
        return scope("DELETE", f"{PACKAGE}/versions/{self.next}")


def scenarios(cookie: str) -> dict[str, tuple[Callable[[], dict[str, Any]], int]]:
    rng = random.Random(1)
    return {
        "get": (lambda: scope("GET", f"{PACKAGE}/versions/{rng.randint(2, VERSIONS)}"), 200),
        "list": (lambda: scope("GET", f"{PACKAGE}/versions"), 200),
        # The web's versions page, signed in as the owner: page 1, and page 3,000 (deep:
        # read from a checkpoint), as bench/rest_api.py's wrk scenarios.
        "web1": (lambda: scope("GET", WEB_VERSIONS, cookie=cookie), 200),
        "web3000": (lambda: scope("GET", WEB_VERSIONS, "page=3000", cookie=cookie), 200),
        "delete": (Deletes(), 204),
        "ping": (lambda: scope("GET", "/_packyard/ping"), 200),
    }


SCENARIOS = ["get", "list", "web1", "web3000", "delete", "ping"]


@contextmanager
def counting(engine: Any, store: Any) -> Iterator[list[int]]:
    """Statements sent to the database while inside, BEGIN and COMMIT included."""
    seen = [0]
    if engine.dialect.name == "sqlite":
        # Every connection this process has open: the pool's idle ones and the main
        # thread's held one (the REST API's, which is not in the pool while held).
        conns = [record.dbapi_connection for record in list(engine.pool._pool.queue)]
        held = getattr(store._held, "conn", None)
        if held is not None:
            conns.append(held.connection.dbapi_connection)

        def trace(sql: str) -> None:
            seen[0] += 1
            if SHOW:
                print("   ", " ".join(sql.split())[:150])

        for conn in conns:
            conn.set_trace_callback(trace)
        try:
            yield seen
        finally:
            for conn in conns:
                conn.set_trace_callback(None)
        return
    import psycopg

    execute, commit = psycopg.Cursor.execute, psycopg.Connection.commit

    def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        # psycopg sends BEGIN itself before a transaction's first statement.
        if self.connection.info.transaction_status == 0 and not self.connection.autocommit:
            seen[0] += 1
            if SHOW:
                print("    BEGIN")
        seen[0] += 1
        if SHOW:
            print("   ", " ".join(str(args[0]).split())[:150])
        return execute(self, *args, **kwargs)

    def counted_commit(self: Any) -> None:
        if self.info.transaction_status != 0:
            seen[0] += 1
            if SHOW:
                print("    COMMIT")
        commit(self)

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
    psycopg.Connection.commit = counted_commit  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        psycopg.Connection.commit = commit  # type: ignore[method-assign]


async def measure(app: App, engine: Any, rounds: int, requests: int) -> None:
    for name, (make, expected) in scenarios(await web_session(app)).items():
        for _ in range(50):  # warm: compiled statements, kept pages, the token's record
            assert await call(app, make()) == expected, name
        with counting(engine, app.rest.store) as seen:
            assert await call(app, make()) == expected
        timings, cpu = [], []
        for _ in range(rounds):
            batch = [make() for _ in range(requests)]
            start, start_cpu = time.perf_counter(), time.process_time()
            for request in batch:
                await call(app, request)
            timings.append((time.perf_counter() - start) / requests * 1e6)
            cpu.append((time.process_time() - start_cpu) / requests * 1e6)
        print(
            f"{name:8} {statistics.median(timings):8.1f} µs/request wall "
            f"(min {min(timings):6.1f}), {statistics.median(cpu):6.1f} CPU "
            f"(min {min(cpu):6.1f})  {seen[0]:3d} statements",
            flush=True,
        )


async def profile(app: App, name: str, requests: int) -> None:
    from pyinstrument import Profiler

    make, _ = scenarios(await web_session(app))[name]
    for _ in range(50):
        await call(app, make())
    batch = [make() for _ in range(requests)]
    profiler = Profiler(interval=0.0001, async_mode="disabled")
    profiler.start()
    for request in batch:
        await call(app, request)
    profiler.stop()
    print(
        profiler.output_text(
            unicode=True, color=False, show_all=bool(os.environ.get("HOTPATHS_ALL"))
        )
    )


async def repeat(app: App, name: str, requests: int) -> None:
    """Only `requests` calls of one scenario (under callgrind: count its instructions)."""
    make, expected = scenarios(await web_session(app))[name]
    for _ in range(50):
        # Checked here too: a failing request under callgrind would still count something.
        assert await call(app, make()) == expected, name
    batch = [make() for _ in range(requests)]
    # Under `valgrind --tool=callgrind --instr-atstart=no`: only these calls are counted.
    callgrind("--instr=on")
    for request in batch:
        assert await call(app, request) == expected
    callgrind("--instr=off")


def callgrind(command: str) -> None:
    if os.environ.get("HOTPATHS_CALLGRIND"):
        subprocess.run(
            ["callgrind_control", command, str(os.getpid())], check=True, stdout=subprocess.DEVNULL
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--profile", choices=SCENARIOS)
    parser.add_argument("--only", choices=SCENARIOS)
    parser.add_argument("--show", action="store_true", help="print the statements counted")
    parser.add_argument("--data", type=Path, help="reuse a seeded data directory")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="packyard-hot-"))
    try:
        if args.postgres:
            with postgres_database("packyard_hot", args.pg_admin_url) as url:
                if url is None:
                    print("no PostgreSQL answers", file=sys.stderr)
                    return 2
                run(args, root, url)
        else:
            run(args, root, None)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def _copy_database(source: Path, target: Path) -> None:
    """The database as its connections see it: what the seed wrote may still be in the WAL
    (a connection it held open kept SQLite from folding it back in), which copying the file
    alone leaves behind, and with it the 100,000 versions."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def run(args: argparse.Namespace, root: Path, url: str | None) -> None:
    global SHOW
    SHOW = args.show
    data = args.data or root / "data"
    if args.data is None or not (data / "packyard.db").exists():
        seed_world(data, url)
        if args.data is not None:
            _copy_database(data / "packyard.db", data / "packyard.db.seeded")
    elif (data / "packyard.db.seeded").exists():
        for suffix in ("-wal", "-shm"):
            (data / f"packyard.db{suffix}").unlink(missing_ok=True)
        shutil.copy(data / "packyard.db.seeded", data / "packyard.db")
    settings = Settings(data_dir=data, database_url=url, gc_interval=None)
    engine = make_engine(settings.resolved_database_url)
    # A database seeded by an older checkout (`--data`) is brought to this one's schema.
    upgrade(engine)
    app = create_app(settings, engine)
    if args.profile:
        asyncio.run(profile(app, args.profile, args.requests))
    elif args.only:
        asyncio.run(repeat(app, args.only, args.requests))
    else:
        asyncio.run(measure(app, engine, args.rounds, args.requests))
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
