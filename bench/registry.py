"""Registry benchmark: Packyard's /v2/ against CNCF distribution (Debian's docker-registry),
both started here on loopback with a filesystem store, measured in the same run.

Pushes and pulls one 200 MB single-layer image, then 500 small manifests, and prints MB/s
and requests/s for each side with Packyard's as a ratio of distribution's.

    bench/run-registry                 # installs docker-registry if missing, then runs this
    python bench/registry.py --layer-mb 200 --manifests 500
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from _support import free_port, packyard_server, seeded_data_dir, user_with_token, wait

TOKEN = "ghp_bench_registry_000000000000000000000000"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CHUNK = 1024 * 1024


@dataclass
class Side:
    name: str
    url: str
    auth: tuple[str, str] | None


@contextmanager
def packyard(root: Path) -> Iterator[Side]:
    data = root / "packyard"
    seeded_data_dir(data, user_with_token("bench", TOKEN))
    with packyard_server(data) as base:
        yield Side("packyard", base, ("bench", TOKEN))


@contextmanager
def distribution(root: Path) -> Iterator[Side]:
    binary = shutil.which("docker-registry")
    if binary is None:
        raise SystemExit("docker-registry is not installed: apt-get install docker-registry")
    port = free_port()
    config = root / "registry.yml"
    config.write_text(f"""
version: 0.1
log: {{level: error}}
storage:
  filesystem: {{rootdirectory: {root / "distribution"}}}
  delete: {{enabled: true}}
http: {{addr: "127.0.0.1:{port}"}}
""")
    process = subprocess.Popen(
        [binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait(f"http://127.0.0.1:{port}/v2/")
        yield Side("distribution", f"http://127.0.0.1:{port}", None)
    finally:
        process.terminate()
        process.wait(timeout=10)


def chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def push_blob(http: httpx.Client, repo: str, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    start = http.post(f"/v2/{repo}/blobs/uploads/")
    assert start.status_code == 202, start.text
    location = httpx.URL(str(http.base_url)).join(start.headers["location"])
    done = http.put(location.copy_merge_params({"digest": digest}), content=chunks(data))
    assert done.status_code == 201, done.text
    return digest


def manifest_for(
    config: str, config_size: int, layer: str, layer_size: int, note: str = ""
) -> bytes:
    return json.dumps(
        {
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
            **({"annotations": {"n": note}} if note else {}),
        }
    ).encode()


def run(side: Side, layer: bytes, manifests: int) -> dict[str, float]:
    repo = "bench/app"
    results: dict[str, float] = {}
    with httpx.Client(base_url=side.url, auth=side.auth, timeout=300) as http:
        config = b'{"architecture":"amd64","os":"linux"}'
        config_digest = push_blob(http, repo, config)
        began = time.perf_counter()
        layer_digest = push_blob(http, repo, layer)
        image = manifest_for(config_digest, len(config), layer_digest, len(layer))
        put = http.put(
            f"/v2/{repo}/manifests/big", content=image, headers={"Content-Type": OCI_MANIFEST}
        )
        assert put.status_code == 201, put.text
        results["push MB/s"] = len(layer) / 1e6 / (time.perf_counter() - began)

        began = time.perf_counter()
        got = http.get(f"/v2/{repo}/manifests/big", headers={"Accept": OCI_MANIFEST})
        received = 0
        with http.stream("GET", f"/v2/{repo}/blobs/{layer_digest}") as blob:
            for part in blob.iter_bytes(CHUNK):
                received += len(part)
        assert got.status_code == 200 and received == len(layer)
        results["pull MB/s"] = len(layer) / 1e6 / (time.perf_counter() - began)

        small = b"x" * 100
        small_digest = push_blob(http, repo, small)
        bodies = [
            manifest_for(config_digest, len(config), small_digest, len(small), str(i))
            for i in range(manifests)
        ]
        began = time.perf_counter()
        for i, body in enumerate(bodies):
            put = http.put(
                f"/v2/{repo}/manifests/t{i}", content=body, headers={"Content-Type": OCI_MANIFEST}
            )
            assert put.status_code == 201, put.text
        results["manifest push req/s"] = manifests / (time.perf_counter() - began)
        began = time.perf_counter()
        for i in range(manifests):
            got = http.get(f"/v2/{repo}/manifests/t{i}", headers={"Accept": OCI_MANIFEST})
            assert got.status_code == 200
        results["manifest pull req/s"] = manifests / (time.perf_counter() - began)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer-mb", type=int, default=200)
    parser.add_argument("--manifests", type=int, default=500)
    args = parser.parse_args()
    layer = os.urandom(args.layer_mb * 1024 * 1024)
    root = Path(tempfile.mkdtemp(prefix="packyard-registry-bench-"))
    try:
        with distribution(root) as theirs:
            baseline = run(theirs, layer, args.manifests)
        with packyard(root) as ours:
            measured = run(ours, layer, args.manifests)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{'measure':22} {'distribution':>13} {'packyard':>10} {'ratio':>7}")
    for key, value in baseline.items():
        print(f"{key:22} {value:13.1f} {measured[key]:10.1f} {measured[key] / value:6.2f}x")
    print("goals: pull >= 1.0x, push >= 0.8x of distribution")
    return 0


if __name__ == "__main__":
    sys.exit(main())
