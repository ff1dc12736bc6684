"""Fixtures: a migrated store per test on the chosen backend, the app, a seeded world.

`--backend=postgres` (or PACKYARD_TEST_BACKEND=postgres) runs everything on PostgreSQL:
one database per test session, created and dropped here, tables emptied between tests.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx
import pytest
import yaml
from sqlalchemy import Engine, create_engine, text
from starlette.testclient import TestClient

from packyard.config import Settings
from packyard.core.files import settle_all_downloads
from packyard.domain.types import PackageType, VersionFilter
from packyard.http import Request
from packyard.server import blob_store, build_store, create_app, registered_formats
from packyard.services.seed import load_seed
from packyard.services.seed_content import ContentPorts
from packyard.storage.db.engine import make_engine
from packyard.storage.db.migrate import upgrade
from packyard.storage.db.store import SqlStore
from packyard.storage.db.tables import metadata
from tests import loadgroup, requirements
from tests.openapi import validate
from tests.support import postgres_database

if TYPE_CHECKING:
    from tests.seaweedfs import S3Server

ROOT = Path(__file__).parent.parent
WORLD_FILE = ROOT / "examples" / "world.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=["sqlite", "postgres"],
        default=os.environ.get("PACKYARD_TEST_BACKEND", "sqlite"),
        help="database engine under test",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Skips for what this machine lacks end the run with a line per requirement (and fail
    # under CI=true): tests/requirements.py.
    config.pluginmanager.register(requirements, "packyard-requirements")
    # xdist groups, kept on one worker under pytest 9.2 too: tests/loadgroup.py.
    config.pluginmanager.register(loadgroup, "packyard-loadgroup")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--backend"))


@dataclass
class Clock:
    """Injected time: tests move it instead of sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A SeaweedFS S3 server for this session (this worker), started on first use; each
    test makes a bucket of its own (`s3_server.new_bucket()`)."""
    from tests import seaweedfs  # boto3 is imported only by sessions that run S3 tests

    # A short path of its own: weed leaves unix sockets in its TMPDIR (108 bytes at most).
    server = seaweedfs.start(Path(tempfile.mkdtemp(prefix="weed-")))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "packyard.db"
    engine = make_engine(f"sqlite+pysqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_url(backend: str) -> Iterator[str | None]:
    if backend != "postgres":
        yield None
        return
    with postgres_database("packyard_test") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def database_url(
    backend: str, tmp_path: Path, _sqlite_template: Path, _postgres_url: str | None
) -> Iterator[str]:
    if _postgres_url is not None:
        engine = create_engine(_postgres_url)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield _postgres_url
        return
    path = tmp_path / "packyard.db"
    shutil.copy(_sqlite_template, path)
    yield f"sqlite+pysqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    # Downloads are written behind the pulls: written now, into this test's database, not
    # the next test's once PostgreSQL's tables are emptied for it.
    settle_all_downloads()
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlStore:
    return build_store(engine)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        base_url="http://testserver",
        gc_interval=None,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, clock: Clock) -> Any:
    return create_app(settings, engine, clock=clock)


class Api:
    """A TestClient whose every REST response is checked against GitHub's description."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        *,
        check: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.request(method, "/api/v3" + path, headers=headers, **kwargs)
        if check:
            validate(response)
        return response

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, token, **kwargs)

    def delete(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, token, **kwargs)


class DirectTransport(httpx.BaseTransport):
    """Calls the REST API's synchronous core directly, skipping the ASGI thread hop.

    Everything from the raw path on is the real code path; the ASGI framing around it is
    exercised by the live-server tests with real clients and by `asgi_api`.
    """

    def __init__(self, rest: Any) -> None:
        self.rest = rest

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw_path, _, raw_query = request.url.raw_path.decode("latin-1").partition("?")
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query.setdefault(key, value)
        api_request = Request(
            method=request.method,
            raw_path=raw_path.removeprefix("/api/v3"),
            query=query,
            headers={k.lower(): v for k, v in request.headers.items()},
            client_host="127.0.0.1",
        )
        response = self.rest.handle(api_request)
        # Bytes a handler rendered itself (`content`), else its JSON body.
        content = response.payload()
        headers = dict(response.headers)
        if response.body is not None:
            headers["content-type"] = "application/json; charset=utf-8"
        return httpx.Response(response.status, headers=headers, content=content, request=request)


@pytest.fixture
def api(app: Any) -> Iterator[Api]:
    with httpx.Client(transport=DirectTransport(app.rest), base_url="http://testserver") as c:
        yield Api(c)


@pytest.fixture
def asgi_api(app: Any) -> Iterator[Api]:
    """The same, through the whole ASGI app."""
    with TestClient(app, base_url="http://testserver") as client:
        yield Api(client)


ALL_PACKAGE_SCOPES = ["read:packages", "write:packages", "delete:packages", "repo"]


def alice_with(packages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A seed of alice, her token with every packages scope, and `packages`."""
    return {
        "users": [{"login": "alice"}],
        "tokens": [
            {"user": "alice", "token": ALICE, "kind": "classic", "scopes": ALL_PACKAGE_SCOPES}
        ],
        "packages": packages,
        **extra,
    }


# Three container versions of alice's `app`: two tagged, one not (`seed_app`).
APP_VERSIONS = tuple("sha256:" + c * 64 for c in "abc")


def seed_app(store: SqlStore, now: datetime, visibility: str) -> dict[str, int]:
    """alice's container `app` with `APP_VERSIONS` (`latest`, `v2`, untagged); their ids
    by name."""
    a, b, c = APP_VERSIONS
    versions = [{"name": a, "tags": ["latest"]}, {"name": b, "tags": ["v2"]}, {"name": c}]
    package = {"owner": "alice", "package_type": "container", "name": "app"}
    seed(store, alice_with([{**package, "visibility": visibility, "versions": versions}]), now)
    with store.read() as tx:
        owner = tx.accounts.find_account_by_login("alice")
        assert owner is not None
        found = tx.packages.find_package(owner.id, PackageType.CONTAINER, "app")
        assert found is not None
        listed, _total = tx.versions.page_versions(found.id, VersionFilter.ACTIVE, 0, 10)
        return {v.name: v.id for v in listed}


def seed(store: SqlStore, document: dict[str, Any] | str, now: datetime) -> None:
    if isinstance(document, str):
        document = yaml.safe_load(document)
    load_seed(store, document, now)


def content_ports(settings: Settings) -> ContentPorts:
    """What a seed's `content:` needs: the formats and the blob store the app serves from."""
    return ContentPorts(registered_formats(settings), blob_store(settings))


@pytest.fixture(scope="session")
def _world_blobs(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world's images and tarballs, seeded once: each test's seed then finds its bytes
    stored (as a second push of a layer does) instead of writing and fsyncing them again."""
    data_dir = tmp_path_factory.mktemp("world-blobs")
    shutil.copy(_sqlite_template, data_dir / "packyard.db")
    engine = make_engine(f"sqlite+pysqlite:///{data_dir / 'packyard.db'}")
    settings = Settings(data_dir=data_dir, database_url=None, base_url="http://x", gc_interval=None)
    document = yaml.safe_load(WORLD_FILE.read_text())
    load_seed(build_store(engine), document, datetime.now(UTC), content_ports(settings))
    engine.dispose()
    return data_dir / "blobs"


@pytest.fixture(scope="session")
def _world_databases() -> dict[tuple[str, ...], Path]:
    """SQLite files of a fresh database with the world seeded, by the seed's time and base URL."""
    return {}


def _untouched(engine: Engine) -> bool:
    """Whether every table is still empty, as migrations leave them."""
    counts = " + ".join(f'(SELECT count(*) FROM "{t.name}")' for t in metadata.sorted_tables)
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT {counts}")).scalar() == 0


@pytest.fixture
def world(
    store: SqlStore,
    clock: Clock,
    settings: Settings,
    _world_blobs: Path,
    _world_databases: dict[tuple[str, ...], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """examples/world.yaml, its images and tarballs in the app's blob store.

    On SQLite the seed runs once per worker (per seed time): later tests get its database
    page for page through SQLite's backup API (~2 ms, where the seed takes ~60 ms, for ~400
    tests). Only onto a database nothing was written to yet and with the blobs local, so the
    result is what the seed would have written; otherwise, and on PostgreSQL, it seeds."""
    shutil.copytree(_world_blobs, settings.data_dir / "blobs", dirs_exist_ok=True)
    document = yaml.safe_load(WORLD_FILE.read_text())
    engine = store.engine
    key = (clock.now.isoformat(), settings.base_url)
    fresh = engine.dialect.name == "sqlite" and settings.blob_store is None and _untouched(engine)
    snapshot = _world_databases.get(key) if fresh else None
    if snapshot is not None:
        with closing(sqlite3.connect(snapshot)) as source, _driver_connection(engine) as target:
            source.backup(target)
        return dict(document)
    load_seed(store, document, clock.now, content_ports(settings))
    if fresh:
        path = tmp_path_factory.mktemp("world-db") / "packyard.db"
        with _driver_connection(engine) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
        _world_databases[key] = path
    return dict(document)


@contextmanager
def _driver_connection(engine: Engine) -> Iterator[sqlite3.Connection]:
    """One of `engine`'s pooled connections, as the sqlite3 connection beneath it."""
    pooled = engine.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        pooled.close()


# Tokens from examples/world.yaml
ALICE = "ghp_alice_full_0000000000000000000000000"
ALICE_OAUTH = "gho_alice_oauth_000000000000000000000000"
ACTIONS_WEB = "ghs_web_actions_00000000000000000000000000"
ALICE_FINE_GRAINED = "github_pat_alice_fine_grained_0000000000"
BOB_READ = "ghp_bob_read_00000000000000000000000000000"
