"""Concurrent pulls: 100 clients pulling one manifest at once from `packyard serve`.

Every manifest GET counts one download of its version; the counts must stay exact, and a
reader must not wait on another's count: p99 latency within 5x of p50 is the goal.

Latency is measured by wrk (C, one thread, 100 connections), beside the same server's bare
route under the same load in the same run: a Python client on a 2-core machine adds a tail
of its own. Exactness is then checked with 100 Python pullers: the downloads report must
grow by exactly the pulls they made.

    bench/run-pulls                           # SQLite, 100 pullers x 20 pulls
    python bench/pulls.py --pullers 100 --pulls 20 --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _support import Wrk, packyard_server, run_wrk, seeded_data_dir, user_with_token

TOKEN = "ghp_bench_pulls_00000000000000000000000000000"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
REPO = "bench/app"


def push_image(http: httpx.Client) -> None:
    blobs = []
    for data in (b'{"architecture":"amd64","os":"linux"}', b"x" * 100):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        start = http.post(f"/v2/{REPO}/blobs/uploads/")
        assert start.status_code == 202, start.text
        location = httpx.URL(str(http.base_url)).join(start.headers["location"])
        done = http.put(location.copy_merge_params({"digest": digest}), content=data)
        assert done.status_code == 201, done.text
        blobs.append((digest, len(data)))
    (config, config_size), (layer, layer_size) = blobs
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config,
            "size": config_size,
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": layer,
                "size": layer_size,
            }
        ],
    }
    put = http.put(
        f"/v2/{REPO}/manifests/v1",
        content=json.dumps(manifest).encode(),
        headers={"Content-Type": OCI_MANIFEST},
    )
    assert put.status_code == 201, put.text


async def puller(http: httpx.AsyncClient, pulls: int, latencies: list[float]) -> None:
    for _ in range(pulls):
        began = time.perf_counter()
        got = await http.get(f"/v2/{REPO}/manifests/v1", headers={"Accept": OCI_MANIFEST})
        latencies.append(time.perf_counter() - began)
        assert got.status_code == 200, got.text


async def pull_all(base: str, pullers: int, pulls: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=pullers, max_keepalive_connections=pullers)
    async with httpx.AsyncClient(
        base_url=base, auth=("bench", TOKEN), limits=limits, timeout=120
    ) as http:
        # One warm-up pull per connection, not measured.
        await asyncio.gather(*(puller(http, 1, []) for _ in range(pullers)))
        began = time.perf_counter()
        await asyncio.gather(*(puller(http, pulls, latencies) for _ in range(pullers)))
        return latencies, time.perf_counter() - began


def downloads(http: httpx.Client) -> int:
    report = http.get(
        "/api/v3/_packyard/users/bench/packages/container/app/downloads",
        params={"since": "2000-01-01"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert report.status_code == 200, report.text
    return sum(v["downloads"] for v in report.json()["versions"])


def lua_get(path: str, headers: dict[str, str]) -> str:
    lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    return "\n".join([*lines, f'request = function() return wrk.format("GET", "{path}") end'])


def latencies_by_wrk(base: str, connections: int, duration: int) -> tuple[Wrk, Wrk]:
    """The bare route, then the manifest pull, each under `connections` for `duration`."""
    basic = base64.b64encode(f"bench:{TOKEN}".encode()).decode()
    pull = {"Authorization": f"Basic {basic}", "Accept": OCI_MANIFEST}
    bare = run_wrk(base, lua_get("/_packyard/ping", {}), duration, connections)
    pulled = run_wrk(base, lua_get(f"/v2/{REPO}/manifests/v1", pull), duration, connections)
    return bare, pulled


def settled_downloads(http: httpx.Client, at_least: int) -> int:
    """Counts are written behind the pulls (every 0.5 s): give them a moment."""
    counted, deadline = downloads(http), time.monotonic() + 5
    while counted < at_least and time.monotonic() < deadline:
        time.sleep(0.2)
        counted = downloads(http)
    return counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pullers", type=int, default=100)
    parser.add_argument("--pulls", type=int, default=20, help="per puller")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: run bench/run-pulls, or apt-get install wrk", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="packyard-pulls-bench-"))
    try:
        seeded_data_dir(root, user_with_token("bench", TOKEN), args.database_url)
        with (
            packyard_server(root, args.database_url) as base,
            httpx.Client(base_url=base, auth=("bench", TOKEN), timeout=60) as http,
        ):
            push_image(http)
            bare, pulled = latencies_by_wrk(base, args.pullers, args.duration)
            # wrk stops with up to one request per connection in flight: answered, counted,
            # but not in its tally.
            by_wrk = settled_downloads(http, pulled.requests)
            latencies, elapsed = asyncio.run(pull_all(base, args.pullers, args.pulls))
            expected = args.pullers * (args.pulls + 1)
            counted = settled_downloads(http, by_wrk + expected) - by_wrk
    finally:
        shutil.rmtree(root, ignore_errors=True)
    engine = "postgresql" if args.database_url else "sqlite"
    print(f"\n{args.pullers} connections, {args.duration} s each, wrk ({engine})")
    print(f"{'':24}{'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99/p50':>8} {'errors':>7}")
    for name, run in (("bare route (ceiling)", bare), ("manifest pull", pulled)):
        print(
            f"{name:24}{run.rps:9.0f} {run.p50_ms:8.2f} {run.p99_ms:8.2f} "
            f"{run.p99_ms / run.p50_ms:8.1f} {run.errors:7d}"
        )
    in_flight = by_wrk - pulled.requests
    print(f"wrk's pulls {pulled.requests}, counted {by_wrk} ({in_flight} in flight at its end)")
    cuts = statistics.quantiles(latencies, n=100)
    p50, p99 = cuts[49], cuts[98]
    print(f"\n{args.pullers} Python pullers x {args.pulls} pulls (their client's tail included)")
    header = ("pulls/s", "p50 ms", "p99 ms", "p99/p50", "counted", "expected")
    print(f"{header[0]:>10}" + "".join(f" {h:>8}" for h in header[1:]))
    print(
        f"{len(latencies) / elapsed:10.0f} {p50 * 1000:8.1f} {p99 * 1000:8.1f} "
        f"{p99 / p50:8.1f} {counted:8d} {expected:8d}"
    )
    print("goals: manifest pull p99 <= 5x p50 (wrk); counted == expected")
    exact = counted == expected and 0 <= in_flight <= args.pullers and pulled.errors == 0
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
