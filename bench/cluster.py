"""Scale-out: get-version and blob-pull throughput through nginx with 1 and with 2
`packyard serve` processes, in one run, as ratios.

Both processes share one PostgreSQL database (created for the run, dropped after) and one
data directory (on one machine the blob store may be a shared disk; a deployment uses a
bucket). nginx runs deploy/nginx.conf twice with its ports changed: one upstream of one
process, one of both. wrk drives each through nginx (the bare route first: the ceiling of
each), and the 2-process figures are printed as a ratio of the 1-process ones. On a machine
with fewer cores than processes + nginx + wrk, expect less than 2x. Then blob pulls from a
process on S3 (SeaweedFS) with and without PACKYARD_BLOB_REDIRECT, as a ratio (redirects.py).

    bench/run-cluster                               # installs wrk if missing
    python bench/cluster.py --duration 10 --connections 50 [--pg-admin-url URL]
        [--pulls 400 --parallel 16]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import redirects
from _support import (
    DEFAULT_PG_ADMIN_URL,
    Wrk,
    free_port,
    postgres_database,
    run_wrk,
    seeded_data_dir,
    user_with_token,
    wait,
)

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "ghp_bench_cluster_000000000000000000000000000"
REPO = "bench/app"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
LAYER_SIZE = 1024 * 1024  # the blob pulled


def push_image(http: httpx.Client, repo: str = REPO) -> str:
    """A one-layer image (`LAYER_SIZE` random bytes) in `repo`; answers the layer's digest."""
    blobs = []
    for data in (b'{"architecture":"amd64","os":"linux"}', os.urandom(LAYER_SIZE)):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        start = http.post(f"/v2/{repo}/blobs/uploads/")
        assert start.status_code == 202, start.text
        done = http.put(start.headers["location"], params={"digest": digest}, content=data)
        assert done.status_code == 201, done.text
        blobs.append({"digest": digest, "size": len(data)})
    config, layer = blobs
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **layer}],
    }
    put = http.put(
        f"/v2/{repo}/manifests/v1",
        content=json.dumps(manifest).encode(),
        headers={"Content-Type": OCI_MANIFEST},
    )
    assert put.status_code == 201, put.text
    return str(layer["digest"])


@contextmanager
def serve(
    data: Path, database_url: str, port: int, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PACKYARD_DATA_DIR": str(data), "PACKYARD_DATABASE_URL": database_url}
    env.update({"PACKYARD_BASE_URL": base, **(extra_env or {})})
    process = subprocess.Popen(
        [sys.executable, "-m", "packyard.cli.main", "serve", "--port", str(port)], env=env
    )
    try:
        wait(f"{base}/_packyard/ping")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def nginx(root: Path, upstreams: list[int]) -> Iterator[str]:
    """deploy/nginx.conf, listening on a free port, in front of `upstreams`."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise SystemExit("bench/cluster: nginx is missing (Debian: apt-get install nginx)")
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+ .*;$", text, re.M)
    lines = "\n".join(re.sub(r":\d+ ", f":{port} ", servers[0]) for port in upstreams)
    text = text.replace(servers[0] + "\n" + servers[1], lines)
    port = free_port()
    text = re.sub(r"listen \d+;", f"listen 127.0.0.1:{port};", text)
    if os.geteuid() == 0:  # its workers would otherwise be nobody, in a 0700 directory
        text = "user root;\n" + text
    prefix = Path(tempfile.mkdtemp(dir=root, prefix="nginx-"))
    (prefix / "nginx.conf").write_text(text)
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", "nginx.conf", "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait(f"{base}/_packyard/ping")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def lua_get(path: str, headers: dict[str, str]) -> str:
    lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    return "\n".join([*lines, f'request = function() return wrk.format("GET", "{path}") end'])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--pulls", type=int, default=400, help="blob pulls per round on S3")
    parser.add_argument("--parallel", type=int, default=16, help="concurrent pulls on S3")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="packyard-bench-cluster-"))
    try:
        with ExitStack() as stack:
            database = stack.enter_context(postgres_database("packyard_bench", args.pg_admin_url))
            if database is None:
                print("bench/cluster needs PostgreSQL", file=sys.stderr)
                return 2
            data = root / "data"
            seeded_data_dir(data, user_with_token("bench", TOKEN), database)
            ports = [free_port(), free_port()]
            first = stack.enter_context(serve(data, database, ports[0]))
            stack.enter_context(serve(data, database, ports[1]))
            with httpx.Client(base_url=first, auth=("bench", TOKEN), timeout=60) as http:
                layer = push_image(http)
                versions = http.get(
                    "/api/v3/users/bench/packages/container/app/versions",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                ).json()
            version = f"/api/v3/users/bench/packages/container/app/versions/{versions[0]['id']}"
            basic = base64.b64encode(f"bench:{TOKEN}".encode()).decode()
            scenarios = {
                "bare route (ceiling)": lua_get("/_packyard/ping", {}),
                "get-version": lua_get(version, {"Authorization": f"Bearer {TOKEN}"}),
                "blob-pull (1 MiB layer)": lua_get(
                    f"/v2/{REPO}/blobs/{layer}", {"Authorization": f"Basic {basic}"}
                ),
            }
            one = stack.enter_context(nginx(root, ports[:1]))
            two = stack.enter_context(nginx(root, ports))
            results: dict[str, tuple[Wrk, Wrk]] = {}
            for name, lua in scenarios.items():
                measured = [
                    run_wrk(url, lua, args.duration, args.connections) for url in (one, two)
                ]
                results[name] = (measured[0], measured[1])
                print(f"  {name}: done", file=sys.stderr)
            on_s3 = redirects.measure(
                root,
                database,
                ("bench", TOKEN),
                serve,
                push_image,
                LAYER_SIZE,
                pulls=args.pulls,
                parallel=args.parallel,
            )
            print("  blob-pull on S3, without and with redirects: done", file=sys.stderr)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"\n{'scenario':<26}{'1 process req/s':>16}{'2 processes req/s':>19}{'2 / 1':>8}"
        f"{'p99 ms (1, 2)':>18}{'errors':>9}"
    )
    for name, (single, double) in results.items():
        print(
            f"{name:<26}{single.rps:>16.0f}{double.rps:>19.0f}{double.rps / single.rps:>7.2f}x"
            f"{f'{single.p99_ms:.1f}, {double.p99_ms:.1f}':>18}"
            f"{f'{single.errors}, {double.errors}':>9}"
        )
    print(f"({args.connections} connections, {args.duration} s each, through deploy/nginx.conf)")
    print(
        f"\n{'blob-pull on S3 (1 MiB)':<26}{'without pulls/s':>16}{'redirected pulls/s':>19}"
        f"{'ratio':>8}\n{'one process, SeaweedFS':<26}{on_s3.without:>16.0f}"
        f"{on_s3.redirected:>19.0f}{on_s3.redirected / on_s3.without:>7.2f}x"
    )
    print(
        f"(curl -L --parallel-max {args.parallel}, {args.pulls} pulls a round, best of 3 rounds"
        " each, straight to the process: wrk follows no redirects)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
