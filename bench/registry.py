"""Registry benchmark: Packyard's /v2/ against CNCF distribution (Debian's docker-registry),
both started here on loopback with a filesystem store, measured in the same run.

Each round pushes a fresh single-layer image (200 MB) to each side, pulls it from the two in
turns three times each (a side's fastest pull is its figure: a busy moment only adds time),
with curl also four pulls at once three times each, then puts and gets small manifests;
odd rounds start with distribution, even rounds with Packyard, so a machine that is busier
at one moment than another burdens both alike. A pull with curl is timed by curl
(`time_total`), not counting its process's start. Printed per round: MB/s and requests/s
of each side and Packyard's ratio; then each ratio's spread over the rounds, the servers'
CPU seconds per GB pushed and pulled, and each server's peak RSS (VmHWM) once a 2 GB layer
(`--big-mb`) has been pushed and pulled through it.

    bench/run-registry                 # installs docker-registry if missing, then runs this
    python bench/registry.py --rounds 5 --layer-mb 200 --manifests 500 --big-mb 2048
    python bench/registry.py --client curl   # curl moves the layers: the servers' speed

httpx, the default, is a Python client in this process: a pull's MB/s is mostly how fast it
reads (Packyard's server spends ~0.2 CPU s/GB sending), so both sides come out near even;
curl reads several times faster, so the figure is the servers'.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _support import (
    children,
    cpu_seconds,
    free_port,
    packyard_server,
    seeded_data_dir,
    user_with_token,
    wait,
)

TOKEN = "ghp_bench_registry_000000000000000000000000"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MiB = 1024 * 1024
CHUNK = MiB
# A layer is this much random data repeated: a 2 GB layer needs no 2 GB of the client's RAM.
BLOCK = 64 * MiB
# Pulls of a round's layer per side, taken in turns; the fastest is the round's figure.
PULLS = 3
# Pulls of the layer at once (one curl, `--parallel`): a registry serving a fleet. One pull
# on loopback is bound by curl's reading (both servers wait on it: Packyard spends ~0.2 CPU
# s/GB sending, distribution ~0.5), so its ratio is the client's noise around 1x; with
# several at once the two cores are the servers' to use well or not (printed, no goal).
AT_ONCE = 4
GOALS = {"push MB/s": 0.9, "pull MB/s": 1.0}
RSS_LIMIT_MB = 200


@dataclass
class Side:
    name: str
    url: str
    auth: tuple[str, str] | None
    pid: int  # the server process: its CPU time and peak RSS
    cpu: dict[str, float] = field(default_factory=lambda: {"push": 0.0, "pull": 0.0})
    moved: dict[str, float] = field(default_factory=lambda: {"push": 0.0, "pull": 0.0})


@dataclass(frozen=True)
class Layer:
    """`size` bytes: a tag saying which layer this is, then `block` over and over."""

    tag: bytes
    block: bytes
    size: int

    def chunks(self) -> Iterator[bytes]:
        yield self.tag
        left = self.size - len(self.tag)
        while left > 0:
            for start in range(0, len(self.block), CHUNK):
                if left <= 0:
                    return
                part = self.block[start : start + min(CHUNK, left)]
                left -= len(part)
                yield part

    def digest(self) -> str:
        hasher = hashlib.sha256()
        for part in self.chunks():
            hasher.update(part)
        return "sha256:" + hasher.hexdigest()


@contextmanager
def packyard(root: Path) -> Iterator[Side]:
    data = root / "packyard"
    seeded_data_dir(data, user_with_token("bench", TOKEN))
    before = children(os.getpid())
    with packyard_server(data) as base:
        (pid,) = children(os.getpid()) - before
        yield Side("packyard", base, ("bench", TOKEN), pid)


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
        yield Side("distribution", f"http://127.0.0.1:{port}", None, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def layer_file(root: Path, layer: Layer, client: str) -> Path | None:
    """The layer written out for curl to send (None for httpx, which sends it from memory)."""
    if client != "curl":
        return None
    path = root / "layer"
    with path.open("wb") as out:
        for part in layer.chunks():
            out.write(part)
    return path


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set so far (Linux's VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def push_blob(http: httpx.Client, repo: str, content: Iterator[bytes] | bytes, digest: str) -> None:
    start = http.post(f"/v2/{repo}/blobs/uploads/")
    assert start.status_code == 202, start.text
    location = httpx.URL(str(http.base_url)).join(start.headers["location"])
    done = http.put(location.copy_merge_params({"digest": digest}), content=content)
    assert done.status_code == 201, done.text


def push_small(http: httpx.Client, repo: str, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    push_blob(http, repo, data, digest)
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


def curl(side: Side, *args: str) -> str:
    """curl's `-w` output for one transfer, its body to /dev/null (the layer's push and pull
    with `--client curl`: a client in C, so the figure is the servers', not Python's)."""
    auth = ["-u", ":".join(side.auth)] if side.auth else []
    command = ["curl", "-sS", "--fail", "-o", "/dev/null", *auth, *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def push_file(http: httpx.Client, side: Side, repo: str, path: Path, digest: str) -> None:
    start = http.post(f"/v2/{repo}/blobs/uploads/")
    assert start.status_code == 202, start.text
    location = httpx.URL(side.url).join(start.headers["location"])
    url = str(location.copy_merge_params({"digest": digest}))
    assert curl(side, "-w", "%{http_code}", "-T", str(path), url) == "201"


def push(side: Side, layer: Layer, digest: str, reference: str, file: Path | None) -> float:
    """Push `layer` as the image `reference`: MB/s. With `file` (the layer written out), curl
    moves the layer's bytes; otherwise httpx does."""
    repo = "bench/app"
    with httpx.Client(base_url=side.url, auth=side.auth, timeout=600) as http:
        config = b'{"architecture":"amd64","os":"linux"}'
        config_digest = push_small(http, repo, config)
        cpu, began = cpu_seconds({side.pid}), time.perf_counter()
        if file is None:
            push_blob(http, repo, layer.chunks(), digest)
        else:
            push_file(http, side, repo, file, digest)
        image = manifest_for(config_digest, len(config), digest, layer.size)
        put = http.put(
            f"/v2/{repo}/manifests/{reference}",
            content=image,
            headers={"Content-Type": OCI_MANIFEST},
        )
        assert put.status_code == 201, put.text
        seconds = time.perf_counter() - began
    side.cpu["push"] += cpu_seconds({side.pid}) - cpu
    side.moved["push"] += layer.size
    return layer.size / 1e6 / seconds


def pull(side: Side, layer: Layer, digest: str, reference: str, curl_moves: bool) -> float:
    """Pull the image `reference` (its manifest, then its layer): MB/s. With curl, the layer's
    time is curl's own (`time_total`), so starting curl's process is not counted."""
    repo = "bench/app"
    with httpx.Client(base_url=side.url, auth=side.auth, timeout=600) as http:
        cpu, began = cpu_seconds({side.pid}), time.perf_counter()
        got = http.get(f"/v2/{repo}/manifests/{reference}", headers={"Accept": OCI_MANIFEST})
        received = 0
        if not curl_moves:
            with http.stream("GET", f"/v2/{repo}/blobs/{digest}") as blob:
                for part in blob.iter_raw(CHUNK):
                    received += len(part)
            seconds = time.perf_counter() - began
        else:
            manifest_seconds = time.perf_counter() - began
            url = f"{side.url}/v2/{repo}/blobs/{digest}"
            size, blob_seconds = curl(side, "-w", "%{size_download} %{time_total}", url).split()
            received, seconds = int(size), manifest_seconds + float(blob_seconds)
        assert got.status_code == 200 and received == layer.size, (got.status_code, received)
    side.cpu["pull"] += cpu_seconds({side.pid}) - cpu
    side.moved["pull"] += layer.size
    return layer.size / 1e6 / seconds


def pull_at_once(side: Side, digest: str, size: int) -> float:
    """`AT_ONCE` pulls of the layer's blob by one curl at once: MB/s of all of them, timed
    around the curl process (its start is the same for both sides), every one checked
    whole."""
    auth = ["-u", ":".join(side.auth)] if side.auth else []
    url = f"{side.url}/v2/bench/app/blobs/{digest}"
    transfers = [arg for _ in range(AT_ONCE) for arg in ("-o", "/dev/null", url)]
    command = ["curl", "-sS", "--fail", "--parallel", "--parallel-immediate"]
    command += ["--parallel-max", str(AT_ONCE), "-w", "%{size_download}\n", *auth, *transfers]
    cpu, began = cpu_seconds({side.pid}), time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    seconds = time.perf_counter() - began
    assert [int(n) for n in out.split()] == [size] * AT_ONCE, out
    side.cpu["pull"] += cpu_seconds({side.pid}) - cpu
    side.moved["pull"] += size * AT_ONCE
    return size * AT_ONCE / 1e6 / seconds


def transfer(
    side: Side, layer: Layer, digest: str, reference: str, file: Path | None = None
) -> dict[str, float]:
    """Push `layer` as the image `reference`, then pull it once: MB/s of each."""
    return {
        "push MB/s": push(side, layer, digest, reference, file),
        "pull MB/s": pull(side, layer, digest, reference, file is not None),
    }


def round_of(
    sides: tuple[Side, Side], layer: Layer, digest: str, number: int, file: Path | None, count: int
) -> list[dict[str, float]]:
    """One round: each side pushes the layer, then the two pull it in turns, `PULLS` times
    each, and each side's fastest pull is its figure (a busy moment only ever adds time, so
    the best of a few interleaved pulls is the server's speed, not the machine's mood); then
    the small manifests. Odd rounds start with the first side, even rounds with the second."""
    order = sides if number % 2 else sides[::-1]
    results: dict[str, dict[str, float]] = {side.name: {} for side in sides}
    for side in order:
        results[side.name]["push MB/s"] = push(side, layer, digest, f"r{number}", file)
    best = {side.name: 0.0 for side in sides}
    for _ in range(PULLS):
        for side in order:
            speed = pull(side, layer, digest, f"r{number}", file is not None)
            best[side.name] = max(best[side.name], speed)
    at_once = {side.name: 0.0 for side in sides}
    if file is not None:  # curl moves the layers
        for _ in range(PULLS):
            for side in order:
                speed = pull_at_once(side, digest, layer.size)
                at_once[side.name] = max(at_once[side.name], speed)
    for side in order:
        results[side.name]["pull MB/s"] = best[side.name]
        if file is not None:
            results[side.name][f"pull x{AT_ONCE} MB/s"] = at_once[side.name]
        results[side.name].update(manifests(side, count, number))
    return [results[side.name] for side in sides]


def manifests(side: Side, count: int, round_: int) -> dict[str, float]:
    repo, results = "bench/app", {}
    with httpx.Client(base_url=side.url, auth=side.auth, timeout=300) as http:
        config = b'{"architecture":"amd64","os":"linux"}'
        config_digest = push_small(http, repo, config)
        small = b"x" * 100
        small_digest = push_small(http, repo, small)
        bodies = [
            manifest_for(config_digest, len(config), small_digest, len(small), f"{round_}.{i}")
            for i in range(count)
        ]
        began = time.perf_counter()
        for i, body in enumerate(bodies):
            put = http.put(
                f"/v2/{repo}/manifests/r{round_}t{i}",
                content=body,
                headers={"Content-Type": OCI_MANIFEST},
            )
            assert put.status_code == 201, put.text
        results["manifest push req/s"] = count / (time.perf_counter() - began)
        began = time.perf_counter()
        for i in range(count):
            got = http.get(f"/v2/{repo}/manifests/r{round_}t{i}", headers={"Accept": OCI_MANIFEST})
            assert got.status_code == 200
        results["manifest pull req/s"] = count / (time.perf_counter() - began)
    return results


def report(rounds: list[tuple[dict[str, float], dict[str, float]]]) -> None:
    print(f"\n{'round':6} {'measure':22} {'distribution':>13} {'packyard':>10} {'ratio':>7}")
    for number, (theirs, ours) in enumerate(rounds, 1):
        for key, value in theirs.items():
            print(f"{number:<6} {key:22} {value:13.1f} {ours[key]:10.1f} {ours[key] / value:6.2f}x")
    print(f"\n{'measure':22} {'min':>6} {'median':>7} {'max':>6}   goal")
    for key in rounds[0][0]:
        ratios = sorted(ours[key] / theirs[key] for theirs, ours in rounds)
        goal = GOALS.get(key)
        verdict = (
            "" if goal is None else f">= {goal}x: " + ("met" if ratios[0] >= goal else "NOT met")
        )
        low, mid, high = ratios[0], statistics.median(ratios), ratios[-1]
        print(f"{key:22} {low:5.2f}x {mid:6.2f}x {high:5.2f}x   {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--layer-mb", type=int, default=200)
    parser.add_argument("--manifests", type=int, default=500)
    parser.add_argument(
        "--big-mb", type=int, default=2048, help="the memory check's layer; 0: none"
    )
    parser.add_argument(
        "--client",
        choices=("httpx", "curl"),
        default="httpx",
        help="what moves the layers: httpx (in this process; pulls are bound by it) or curl",
    )
    args = parser.parse_args()
    block = os.urandom(min(BLOCK, max(args.layer_mb, args.big_mb) * MiB))
    root = Path(tempfile.mkdtemp(prefix="packyard-registry-bench-"))
    rounds: list[tuple[dict[str, float], dict[str, float]]] = []
    try:
        with ExitStack() as stack:
            theirs, ours = (
                stack.enter_context(distribution(root)),
                stack.enter_context(packyard(root)),
            )
            for number in range(1, args.rounds + 1):
                layer = Layer(b"round %d\n" % number, block, args.layer_mb * MiB)
                digest, file = layer.digest(), layer_file(root, layer, args.client)
                measured = round_of((theirs, ours), layer, digest, number, file, args.manifests)
                rounds.append((measured[0], measured[1]))
            big: list[dict[str, float]] = []
            if args.big_mb:
                layer = Layer(b"big\n", block, args.big_mb * MiB)
                digest, file = layer.digest(), layer_file(root, layer, args.client)
                big = [transfer(side, layer, digest, "big", file) for side in (theirs, ours)]
            report(rounds)
            print(
                f"\n{'server':13} {'push CPU s/GB':>14} {'pull CPU s/GB':>14} {'peak RSS MB':>12}"
            )
            for side in (theirs, ours):
                push, pull = (side.cpu[k] / (side.moved[k] / 2**30) for k in ("push", "pull"))
                print(f"{side.name:13} {push:14.2f} {pull:14.2f} {peak_rss_mb(side.pid):12.0f}")
            if big:
                print(
                    f"peak RSS after pushing and pulling {args.big_mb} MB "
                    f"(push {big[1]['push MB/s']:.0f} vs {big[0]['push MB/s']:.0f} MB/s, "
                    f"pull {big[1]['pull MB/s']:.0f} vs {big[0]['pull MB/s']:.0f}); "
                    f"goal: Packyard's under {RSS_LIMIT_MB} MB: "
                    + ("met" if peak_rss_mb(ours.pid) < RSS_LIMIT_MB else "NOT met")
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
