"""The composition root: settings → the store, the blob store and the registered formats;
then GitHub's REST API, each registry, the web pages and the ping route mounted on one ASGI
app.

Nothing below this module builds a store or knows which formats exist: each is handed what
it needs from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route as StarletteRoute

from packyard.api.app import API_PREFIX, RestApi
from packyard.api.ratelimit import RateCounters
from packyard.auth.secret import signing_keys
from packyard.config import Settings, check_redirect
from packyard.core.formats import Format, Formats
from packyard.core.gc import collect_garbage
from packyard.core.ports import BlobStore, RowsKey, Store
from packyard.core.reclaims import StoreReclaims
from packyard.domain.types import PackageType
from packyard.http.asgi import AsgiApp, AsgiScope, Receive, Send
from packyard.ratepoints import WINDOW_SECONDS as POINTS_WINDOW_SECONDS
from packyard.registries.maven.app import PREFIX as MAVEN_PREFIX
from packyard.registries.maven.app import MavenApp
from packyard.registries.maven.hooks import MavenFormat
from packyard.registries.maven.ports import MAVEN_ROWS, MavenRows
from packyard.registries.npm.app import PREFIX as NPM_PREFIX
from packyard.registries.npm.app import NpmApp
from packyard.registries.npm.hooks import NpmFormat
from packyard.registries.npm.ports import NPM_ROWS, NpmRows
from packyard.registries.nuget.app import PREFIX as NUGET_PREFIX
from packyard.registries.nuget.app import NuGetApp
from packyard.registries.oci.app import PREFIX as OCI_PREFIX
from packyard.registries.oci.app import OciApp
from packyard.registries.oci.hooks import OciFormat
from packyard.registries.oci.naming import LEGACY_DOCKER
from packyard.registries.oci.ports import DOCKER_ROWS, OCI_ROWS, DockerRows, OciRows
from packyard.registries.rubygems.app import PREFIX as RUBYGEMS_PREFIX
from packyard.registries.rubygems.app import RubyGemsApp
from packyard.registries.wiring import Wiring
from packyard.storage.blobs.filesystem import FilesystemBlobStore
from packyard.storage.db.base import Rows, TxState
from packyard.storage.db.docker import SqlDockerRows
from packyard.storage.db.engine import checkpoint_wal
from packyard.storage.db.maven import SqlMavenRows
from packyard.storage.db.npm import SqlNpmRows
from packyard.storage.db.oci import SqlOciRows
from packyard.storage.db.ratelimits import SqlRateCounters
from packyard.storage.db.store import SqlStore
from packyard.web.app import WebApp

Clock = Callable[[], datetime]
log = logging.getLogger("packyard")


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Registration:
    """A format with a registry, as the composition root knows it: where its wire is
    mounted, the app serving it, its hooks (built from the settings), and its own rows."""

    prefix: str
    app: Callable[[Wiring], AsgiApp]
    format: Callable[[Settings], Format]
    rows: Mapping[RowsKey[Any], Callable[[TxState], Rows]]
    # A registration that shares its prefix with another serves only the requests it claims
    # (and is asked first).
    claims: Callable[[Settings, AsgiScope], bool] | None = None


def legacy_docker_request(settings: Settings, scope: AsgiScope) -> bool:
    """Through `--docker-port`, or to a host named `docker.…` (GitHub's subdomain)."""
    server = scope.get("server")
    if settings.docker_port is not None and server and server[1] == settings.docker_port:
        return True
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return bool(value.startswith(b"docker."))
    return False


# One line per format with a registry; the other package types get the plain core format.
REGISTRATIONS = (
    Registration(
        OCI_PREFIX,
        OciApp,
        lambda s: OciFormat(protect_children=not s.github_exact),
        {OCI_ROWS: SqlOciRows, DOCKER_ROWS: SqlDockerRows},
    ),
    # The legacy Docker registry: the same OCI code with GitHub's older names, on its own
    # port (or a `docker.` host), since Docker clients always talk to /v2/ at the root.
    Registration(
        OCI_PREFIX,
        lambda w: OciApp(w, LEGACY_DOCKER),
        lambda s: OciFormat(protect_children=not s.github_exact, package_type=PackageType.DOCKER),
        {},
        claims=legacy_docker_request,
    ),
    Registration(NPM_PREFIX, NpmApp, lambda _s: NpmFormat(), {NPM_ROWS: SqlNpmRows}),
    Registration(MAVEN_PREFIX, MavenApp, lambda _s: MavenFormat(), {MAVEN_ROWS: SqlMavenRows}),
    # A gem's spec lives in its files' properties: no rows of its own, the plain hooks.
    Registration(RUBYGEMS_PREFIX, RubyGemsApp, lambda _s: Format(PackageType.RUBYGEMS), {}),
    # A package's manifest lives in its .nupkg's properties: no rows of its own either.
    Registration(NUGET_PREFIX, NuGetApp, lambda _s: Format(PackageType.NUGET), {}),
)


def registered_formats(settings: Settings) -> Formats:
    return Formats(r.format(settings) for r in REGISTRATIONS)


def build_store(engine: Engine) -> SqlStore:
    """The SQL store, with each registered format's own rows."""
    return SqlStore(engine, {key: rows for r in REGISTRATIONS for key, rows in r.rows.items()})


def _conforms(state: TxState) -> tuple[OciRows, DockerRows, NpmRows, MavenRows]:
    """Never called: mypy checks here that each format's storage is the rows it declares
    (the registrations' mapping cannot say which implementation goes with which key)."""
    return SqlOciRows(state), SqlDockerRows(state), SqlNpmRows(state), SqlMavenRows(state)


def _counters_conform(engine: Engine, redis_url: str) -> tuple[RateCounters, RateCounters]:
    """Never called: mypy checks that both shared counters are the limiter's port."""
    from packyard.storage.redis_ratelimits import RedisRateCounters

    return SqlRateCounters(engine), RedisRateCounters.connect(redis_url)


def blob_store(settings: Settings, store: Store | None = None) -> BlobStore:
    """The data directory's `blobs/`, or the bucket `PACKYARD_BLOB_STORE` names; a bucket
    takes uploads and reclaims bytes only when given the `store` whose database keeps its
    uploads' state and coordinates its sweeps."""
    location = settings.blob_store
    check_redirect(location, settings.blob_redirect)
    if location is None:
        return FilesystemBlobStore(settings.data_dir / "blobs")
    # Imported only when asked for: boto3 costs a third of a second at every start.
    from packyard.storage.blobs.s3 import S3BlobStore

    reclaims = StoreReclaims(store) if store is not None else None
    return S3BlobStore.connect(
        location.bucket,
        location.prefix,
        store=store,
        reclaims=reclaims,
        redirect=settings.blob_redirect,
    )


def rate_counters(settings: Settings, engine: Engine) -> RateCounters | None:
    """Where rate-limit counts are shared between processes: Redis when named, else a
    PostgreSQL database (every process of a deployment shares it); None keeps them in this
    process (SQLite is one machine's file; with limits off nothing is counted)."""
    if settings.rate_limit is None and settings.secondary_rate_limit is None:
        return None
    if settings.redis_url:
        from packyard.storage.redis_ratelimits import RedisRateCounters

        return RedisRateCounters.connect(settings.redis_url)
    if engine.dialect.name == "postgresql":
        return SqlRateCounters(engine)
    return None


def create_app(
    settings: Settings,
    engine: Engine,
    clock: Clock = system_clock,
) -> AsgiApp:
    store = build_store(engine)
    formats = registered_formats(settings)
    blobs = blob_store(settings, store)
    counters = rate_counters(settings, engine)
    rest = RestApi(settings, store, formats, clock, counters)
    keys = signing_keys(settings.secret_keys, settings.data_dir)
    wiring = Wiring(store, blobs, settings.base_url, clock, settings.restore_window, formats, keys)
    pages = WebApp(settings, store, formats, keys, clock)
    mounts: list[tuple[str, AsgiApp, Callable[[Settings, AsgiScope], bool] | None]] = [
        (API_PREFIX, rest, None),
        # Those that claim requests first: they share their prefix with one that does not.
        *(
            (r.prefix, r.app(wiring), r.claims)
            for r in sorted(REGISTRATIONS, key=lambda r: r.claims is None)
        ),
    ]

    async def ping(_request: Request) -> Response:
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        tasks = []
        if settings.gc_interval is not None:
            tasks.append(
                asyncio.create_task(_periodic_gc(settings, store, formats, blobs, clock, counters))
            )
        if engine.dialect.name == "sqlite":
            tasks.append(asyncio.create_task(_periodic_checkpoints(engine)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()

    server = Starlette(routes=[StarletteRoute("/_packyard/ping", ping)], lifespan=lifespan)

    async def app(scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for prefix, mounted, claims in mounts:
                if (path == prefix or path.startswith(prefix + "/")) and (
                    claims is None or claims(settings, scope)
                ):
                    await mounted(scope, receive, send)
                    return
            if not _reserved(path):
                await pages(scope, receive, send)
                return
        await server(scope, receive, send)

    app.rest = rest  # type: ignore[attr-defined]
    return app


# The web pages take every path but these: the other surfaces' prefixes (one a mounted
# registry does not claim, say a host's /v2/ without its docker port, answers as before).
RESERVED_PREFIXES = (API_PREFIX, OCI_PREFIX, "/_registry", "/_packyard")


def _reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


async def _periodic_gc(
    settings: Settings,
    store: Store,
    formats: Formats,
    blobs: BlobStore,
    clock: Clock,
    counters: RateCounters | None = None,
) -> None:
    assert settings.gc_interval is not None
    while True:
        await asyncio.sleep(settings.gc_interval.total_seconds())
        try:
            # A sweep walks every blob: in a worker thread, so requests go on meanwhile.
            await asyncio.to_thread(
                collect_garbage, store, clock(), settings.restore_window, formats, blobs
            )
            if isinstance(counters, SqlRateCounters):  # Redis expires its keys itself
                await asyncio.to_thread(purge_rate_limits, store, counters, settings, clock())
        except Exception:  # a failed sweep must not stop the next one
            log.exception("garbage collection failed")


# How often a server copies SQLite's WAL into the database file, off the event loop's
# thread; see engine.SQLITE_WAL_AUTOCHECKPOINT_PAGES.
CHECKPOINT_INTERVAL_SECONDS = 0.1


async def _periodic_checkpoints(engine: Engine) -> None:
    # Only when the WAL was written since the last look: a checkpoint's thread hop and pool
    # checkout, ten times a second, took an idle server from 0.2% to 0.95% of a core. (A
    # write in the clock tick of the look waits for the next write's checkpoint.)
    wal = Path(f"{engine.url.database}-wal")
    seen = None
    while True:
        await asyncio.sleep(CHECKPOINT_INTERVAL_SECONDS)
        try:
            written = wal.stat().st_mtime_ns
        except FileNotFoundError:  # nothing written yet (or an in-memory database)
            continue
        try:
            if written != seen:
                await asyncio.to_thread(checkpoint_wal, engine)
                seen = written
        except Exception:  # a failed checkpoint must not stop the next one
            log.exception("WAL checkpoint failed")


def purge_rate_limits(
    store: Store, counters: SqlRateCounters, settings: Settings, now: datetime
) -> int:
    """The rows of rate-limit windows that ended, removed by the garbage collector's leader
    (one process at a time; the others return 0); how many went."""
    with store.gc_leader() as leader:
        if not leader:
            return 0
        secondary = settings.secondary_rate_limit
        points_seconds = secondary[1] if secondary else POINTS_WINDOW_SECONDS
        return counters.purge_ended(now.timestamp(), settings.rate_limit_window, points_seconds)
