"""REST API benchmark: Packyard's hot endpoints against a bare route on the same server.

Starts `packyard serve` (one worker) on a package of 100,000 versions and drives it with
wrk, on SQLite and then on PostgreSQL (a database created for the run, dropped after; the
PostgreSQL column is left out when no server answers). Every figure is printed next to the
bare route measured on the same server in the same run, as a ratio, because these machines
are shared and absolute numbers drift.

    bench/run                      # installs wrk if missing, then runs this
    python bench/rest_api.py --duration 10 --connections 50 [--pg-admin-url URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _support import DEFAULT_PG_ADMIN_URL, packyard_server, postgres_database, run_wrk
from sqlalchemy import insert, select

from packyard.server import build_store
from packyard.services.seed import load_seed
from packyard.storage.db.engine import make_engine, sqlite_url
from packyard.storage.db.migrate import upgrade
from packyard.storage.db.tables import packages, versions

TOKEN = "ghp_bench_0000000000000000000000000000000"
VERSIONS = 100_000
PACKAGE = "/api/v3/users/alice/packages/container/bench"


@dataclass
class Result:
    name: str
    rps: float
    p99_ms: float
    errors: int


def seed_world(data_dir: Path, database_url: str | None) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url or sqlite_url(data_dir))
    upgrade(engine)
    store = build_store(engine)
    load_seed(
        store,
        {
            "users": [{"login": "alice"}],
            "tokens": [
                {
                    "user": "alice",
                    "token": TOKEN,
                    "kind": "classic",
                    "scopes": ["read:packages", "write:packages", "delete:packages"],
                }
            ],
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "container",
                    "name": "bench",
                    "visibility": "private",
                    "versions": [{"name": "sha256:" + "0" * 64, "tags": ["latest"]}],
                }
            ],
        },
        datetime.now(UTC),
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        package_id = conn.execute(select(packages.c.id)).scalar_one()
        rows = [
            {
                "package_id": package_id,
                "name": f"sha256:{i:064x}",
                "live_name": f"sha256:{i:064x}",
                "download_count": 0,
                "created_at": start + timedelta(seconds=i),
                "updated_at": start + timedelta(seconds=i),
            }
            for i in range(1, VERSIONS)
        ]
        conn.execute(insert(versions), rows)
    with store.write() as tx:
        tx.versions.recount_versions(package_id)
    engine.dispose()


def wrk(url: str, lua: str, duration: int, connections: int, name: str) -> Result:
    measured = run_wrk(url, lua, duration, connections)
    return Result(name, measured.rps, measured.p99_ms, measured.errors)


HEADERS = f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n'


def lua_get(path: str) -> str:
    return HEADERS + f'request = function() return wrk.format("GET", "{path}") end\n'


def lua_random_version() -> str:
    return HEADERS + (
        "request = function()\n"
        f'  return wrk.format("GET", "{PACKAGE}/versions/" .. math.random(2, {VERSIONS}))\n'
        "end\n"
    )


def lua_delete(first: int) -> str:
    # Each request deletes the next untagged version: a fresh 204 every time.
    return HEADERS + (
        f"local id = {first}\n"
        "request = function()\n"
        "  id = id + 1\n"
        f'  return wrk.format("DELETE", "{PACKAGE}/versions/" .. id)\n'
        "end\n"
    )


def web_session(base: str) -> str:
    """alice's signed-in session cookie, as a browser gets it: the sign-in form's CSRF token
    under an anonymous cookie, then the token posted."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/login").read().decode()
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found, "no CSRF token on /login"
    body = urllib.parse.urlencode({"token": TOKEN, "csrf": found.group(1)}).encode()
    opener.open(urllib.request.Request(base + "/login", data=body, method="POST"))
    cookies = [f"{cookie.name}={cookie.value}" for cookie in jar]
    assert cookies, "signing in set no cookie"
    return "; ".join(cookies)


def lua_page(path: str, cookie: str) -> str:
    return (
        f'wrk.headers["Cookie"] = "{cookie}"\n'
        f'request = function() return wrk.format("GET", "{path}") end\n'
    )


def scenarios(base: str, d: int, c: int) -> list[Result]:
    cookie = web_session(base)
    return [
        wrk(base, lua_get("/_packyard/ping"), d, c, "bare route (ceiling)"),
        wrk(base, lua_random_version(), d, c, "get-version"),
        wrk(base, lua_get(f"{PACKAGE}/versions"), d, c, "list-versions per_page=30"),
        wrk(base, lua_get(f"{PACKAGE}/versions?per_page=100&page=1"), d, c, PAGE_1),
        wrk(base, lua_get(f"{PACKAGE}/versions?per_page=100&page=1000"), d, c, PAGE_1000),
        wrk(base, lua_page(WEB_VERSIONS, cookie), d, c, WEB_PAGE_1),
        wrk(base, lua_page(f"{WEB_VERSIONS}?page=3000", cookie), d, c, WEB_PAGE_3000),
        wrk(base, lua_delete(1), d, c, "delete-version"),
    ]


PAGE_1 = "list-versions per_page=100 page=1"
PAGE_1000 = "list-versions per_page=100 page=1000"
# The web's versions page: 30 versions a page, as the REST API's default.
WEB_VERSIONS = "/users/alice/packages/container/package/bench/versions"
WEB_PAGE_1 = "web versions page 1"
WEB_PAGE_3000 = "web versions page 3,000"


def measure(root: Path, engine: str, database_url: str | None, d: int, c: int) -> list[Result]:
    data_dir = root / engine
    print(f"{engine}: seeding {VERSIONS:,} versions ...", flush=True)
    seed_world(data_dir, database_url)
    with packyard_server(data_dir, database_url) as base:
        return scenarios(base, d, c)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: run bench/run, or apt-get install wrk", file=sys.stderr)
        return 2

    root = Path(tempfile.mkdtemp(prefix="packyard-bench-"))
    d, c = args.duration, args.connections
    runs: dict[str, list[Result]] = {}
    try:
        runs["sqlite"] = measure(root, "sqlite", None, d, c)
        if not args.no_postgres:
            with postgres_database("packyard_bench", args.pg_admin_url) as url:
                if url is not None:
                    runs["postgresql"] = measure(root, "postgresql", url, d, c)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"\n{'scenario':38}", end="")
    for engine in runs:
        print(f" {engine + ' req/s':>17} {'of bare':>8} {'p99 ms':>8}", end="")
    print("  errors")
    for index, name in enumerate(r.name for r in runs["sqlite"]):
        print(f"{name:38}", end="")
        for results in runs.values():
            r, bare = results[index], results[0]
            print(f" {r.rps:17.0f} {r.rps / bare.rps:8.1%} {r.p99_ms:8.2f}", end="")
        print("  " + ", ".join(str(results[index].errors) for results in runs.values()))
    print("goals: get-version >= 30%, list-versions per_page=30 >= 20%, delete-version >= 25%")
    for engine, results in runs.items():
        by_name = {r.name: r for r in results}
        rest = by_name["list-versions per_page=30"]
        for web in (by_name[WEB_PAGE_1], by_name[WEB_PAGE_3000]):
            if web.rps:
                print(
                    f"{engine}: {web.name} vs REST list-versions per_page=30 page 1: "
                    f"{rest.rps / web.rps:.2f}x the time per request (goal: about 1x)"
                )
        page1, page1000 = by_name[PAGE_1], by_name[PAGE_1000]
        if not page1000.rps:
            print(f"{engine}: page 1,000 answered nothing within the run")
            continue
        print(
            f"{engine}: page 1,000 vs page 1 (per_page=100): "
            f"{page1.rps / page1000.rps:.2f}x the time per request (goal: within 2x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
