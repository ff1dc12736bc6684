"""seed benchmark: `packyard seed`'s rate on one container package of 3,000, 12,000 and 60,000
versions (a tag on every tenth, every fiftieth deleted), read from a YAML file and loaded into
an empty, migrated store: SQLite, and PostgreSQL when one answers at 127.0.0.1:5432 (or
PACKYARD_BENCH_PG_ADMIN_URL).

Prints, per engine and size, the seed's time and versions/s (reading the file included, and
shown apart: the timestamps are unquoted, as the format's example writes them), the time of
loading the same file again (idempotent: nothing changes), and a ceiling measured in the same
run on the same engine: reading the same file plus one bare executemany of as many version
rows into the same table, with nothing checked and nothing looked up. The ratio is the
ceiling's time over the seed's (1.00 would be the ceiling). Goal: 60,000 versions in < 30 s.

    bench/run-seed
    python bench/seed.py --versions 3000 12000 --engine sqlite
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from _support import DEFAULT_PG_ADMIN_URL, postgres_database
from sqlalchemy import insert, select

from packyard.server import build_store
from packyard.services.seed import load_seed
from packyard.services.seed_file import parse_seed
from packyard.storage.db import tables as t
from packyard.storage.db.engine import make_engine
from packyard.storage.db.migrate import upgrade

PG_ADMIN_URL = os.environ.get("PACKYARD_BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)
GOAL_SECONDS = 30.0
GOAL_VERSIONS = 60_000


def world(versions: int) -> dict[str, Any]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(versions):
        at = (start + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
        row: dict[str, Any] = {"name": f"sha256:{i:064x}", "created_at": at}
        if i % 50 == 49:
            row["deleted_at"] = at
        if i % 10 == 0:
            row["tags"] = [f"v{i}"]
        if i % 3 == 0:
            row["download_count"] = i
        rows.append(row)
    return {
        "users": [{"login": "alice"}],
        "packages": [
            {
                "owner": "alice",
                "package_type": "container",
                "name": "big",
                "visibility": "private",
                "versions": rows,
            }
        ],
    }


@contextmanager
def empty_database(engine_name: str, scratch: Path) -> Iterator[str]:
    if engine_name == "sqlite":
        yield f"sqlite+pysqlite:///{scratch / f'{uuid.uuid4().hex}.db'}"
        return
    with postgres_database("packyard_bench_seed", PG_ADMIN_URL) as url:
        if url is None:
            raise SystemExit(f"PostgreSQL went away at {PG_ADMIN_URL}")
        yield url


def postgres_up() -> bool:
    with postgres_database("packyard_bench_probe", PG_ADMIN_URL) as url:
        return url is not None


def seed_seconds(url: str, file: Path) -> tuple[float, float, float]:
    """(first load, its reading of the file, second load) into the empty store, each load
    with its reading of the file."""
    engine = make_engine(url)
    upgrade(engine)
    store = build_store(engine)
    times, reads = [], []
    for _ in range(2):
        started = time.perf_counter()
        document = parse_seed(file.read_text())
        reads.append(time.perf_counter() - started)
        report = load_seed(store, document, datetime.now(UTC))
        times.append(time.perf_counter() - started)
        assert report.versions > 0
    engine.dispose()
    return times[0], reads[0], times[1]


def ceiling_seconds(url: str, file: Path, versions: int) -> float:
    """Reading the file, then one executemany of as many bare version rows."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        owner = conn.execute(
            insert(t.accounts)
            .values(login="alice", login_norm="alice", type="User", created_at=now)
            .returning(t.accounts.c.id)
        ).scalar_one()
        package = conn.execute(
            insert(t.packages)
            .values(
                owner_id=owner,
                package_type="container",
                name="big",
                name_norm="big",
                live_name="big",
                visibility="private",
                created_at=now,
                updated_at=now,
            )
            .returning(t.packages.c.id)
        ).scalar_one()
    started = time.perf_counter()
    document = parse_seed(file.read_text())
    rows = [
        {
            "package_id": package,
            "name": version["name"],
            "live_name": version["name"],
            "download_count": 0,
            "created_at": now,
            "updated_at": now,
        }
        for version in document["packages"][0]["versions"]
    ]
    with engine.begin() as conn:
        conn.execute(insert(t.versions), rows)
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        assert len(conn.execute(select(t.versions.c.id)).all()) == versions
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, nargs="+", default=[3_000, 12_000, 60_000])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    options = parser.parse_args()
    engines = ["sqlite"] if options.engine != "postgres" else []
    if options.engine != "sqlite":
        if postgres_up():
            engines.append("postgres")
        else:
            print(f"PostgreSQL: not reachable at {PG_ADMIN_URL}, skipped")
    print(f"YAML reader: {'libyaml (CSafeLoader)' if yaml.__with_libyaml__ else 'pure Python'}")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for versions in options.versions:
            file = root / f"seed-{versions}.yaml"
            text = yaml.dump(world(versions), Dumper=yaml.CSafeDumper, sort_keys=False)
            # Timestamps unquoted, as the format's own example writes them: YAML reads them
            # as timestamps (a third slower to read than quoted strings).
            file.write_text(re.sub(r"'([0-9-]+T[0-9:]+Z)'", r"\1", text))
            for engine_name in engines:
                with empty_database(engine_name, root) as url:
                    first, read, again = seed_seconds(url, file)
                with empty_database(engine_name, root) as url:
                    bare = ceiling_seconds(url, file, versions)
                verdict = ""
                if versions == GOAL_VERSIONS:
                    met = "met" if first < GOAL_SECONDS else "NOT met"
                    verdict = f"; goal < {GOAL_SECONDS:.0f} s: {met}"
                print(
                    f"seed {engine_name:8} {versions:>6,} versions: {versions / first:6,.0f} "
                    f"versions/s, {first:5.2f} s (file read {read:4.2f} s); again {again:5.2f} s; "
                    f"ceiling (read + bare executemany) {bare:5.2f} s; "
                    f"seed/ceiling {bare / first:.2f}{verdict}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
