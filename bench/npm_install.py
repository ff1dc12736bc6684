"""npm benchmark: a cold `npm install` of 50 interdependent scoped packages from Packyard and
from Verdaccio 6.8.0 (installed by bench/run-npm from the npm registry), both started here on
loopback and measured in the same run; prints the time ratio (goal: Packyard no slower).

    bench/run-npm                   # npm ci in bench/npm, then this
    python bench/npm_install.py --packages 50 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from _support import free_port, packyard_server, seeded_data_dir, user_with_token, wait

HERE = Path(__file__).parent
TOKEN = "ghp_bench_npm_000000000000000000000000000"


@contextmanager
def packyard(root: Path) -> Iterator[tuple[str, str]]:
    data = root / "packyard"
    seeded_data_dir(data, user_with_token("alice", TOKEN))
    with packyard_server(data) as base:
        yield f"{base}/_registry/npm/", TOKEN


@contextmanager
def verdaccio(root: Path) -> Iterator[tuple[str, str]]:
    binary = HERE / "npm" / "node_modules" / ".bin" / "verdaccio"
    if not binary.exists():
        raise SystemExit("Verdaccio is not installed: run bench/run-npm (npm ci in bench/npm)")
    port = free_port()
    config = root / "verdaccio.yaml"
    config.write_text(f"""
storage: {root / "verdaccio-storage"}
auth:
  htpasswd: {{file: {root / "htpasswd"}, max_users: 10}}
packages:
  '@*/*': {{access: $all, publish: $authenticated}}
  '**': {{access: $all, publish: $authenticated}}
security:
  api:
    # JWT API tokens: with the default legacy tokens Verdaccio re-checks the htpasswd
    # bcrypt hash on every request (~80 ms each here), which would flatter Packyard.
    jwt: {{sign: {{expiresIn: 7d}}}}
log: {{type: stdout, format: pretty, level: error}}
""")
    process = subprocess.Popen(
        [str(binary), "--config", str(config), "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait(url + "-/ping")
        added = httpx.put(
            f"{url}-/user/org.couchdb.user:alice",
            json={"name": "alice", "password": "bench-password"},
        )
        assert added.status_code in (200, 201), added.text
        yield url, added.json()["token"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def generate(root: Path, count: int) -> list[Path]:
    """`@alice/pkg-i` depends on the next three: an interdependent tree."""
    sources = []
    for i in range(count):
        source = root / "src" / f"pkg-{i}"
        source.mkdir(parents=True)
        deps = {f"@alice/pkg-{j}": "^1.0.0" for j in range(i + 1, min(count, i + 4))}
        (source / "package.json").write_text(
            json.dumps(
                {
                    "name": f"@alice/pkg-{i}",
                    "version": "1.0.0",
                    "main": "index.js",
                    "license": "MIT",
                    "dependencies": deps,
                }
            )
        )
        (source / "index.js").write_text(f"module.exports = {i};\n" + "// padding\n" * 200)
        sources.append(source)
    return sources


def npmrc(directory: Path, registry: str, token: str) -> Path:
    host = registry.split("://", 1)[1]
    path = directory / f".npmrc-{abs(hash(registry))}"
    path.write_text(
        f"@alice:registry={registry}\n//{host}:_authToken={token}\n"
        "audit=false\nfund=false\nupdate-notifier=false\n"
    )
    return path


def npm(cwd: Path, config: Path, cache: Path, *args: str) -> None:
    env = {**os.environ, "npm_config_userconfig": str(config), "npm_config_cache": str(cache)}
    done = subprocess.run(
        ["npm", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"npm {' '.join(args)} failed:\n{done.stderr}")


def measure(root: Path, registry: str, token: str, sources: list[Path], rounds: int) -> float:
    config = npmrc(root, registry, token)
    for source in sources:
        npm(source, config, root / "publish-cache", "publish")
    times = []
    for round_ in range(rounds):
        project = root / f"project-{abs(hash(registry))}-{round_}"
        project.mkdir()
        (project / "package.json").write_text(
            json.dumps(
                {"name": "consumer", "version": "0.0.0", "dependencies": {"@alice/pkg-0": "^1.0.0"}}
            )
        )
        cache = root / f"cache-{abs(hash(registry))}-{round_}"  # cold every round
        began = time.perf_counter()
        npm(project, config, cache, "install", "--no-package-lock")
        times.append(time.perf_counter() - began)
        assert len(list((project / "node_modules" / "@alice").iterdir())) == len(sources)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="packyard-npm-bench-"))
    try:
        sources = generate(root, args.packages)
        with verdaccio(root) as (url, token):
            theirs = measure(root, url, token, sources, args.rounds)
        with packyard(root) as (url, token):
            ours = measure(root, url, token, sources, args.rounds)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"\ncold npm install of {args.packages} interdependent packages (median of {args.rounds})"
    )
    print(f"  verdaccio 6.8.0 : {theirs:6.2f} s")
    print(f"  packyard        : {ours:6.2f} s")
    print(f"  ratio           : {ours / theirs:6.2f}x the time (goal: <= 1.00x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
