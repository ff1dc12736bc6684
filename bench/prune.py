"""prune benchmark: `packyard prune` over one package of 10,000 seeded versions, against a
local Packyard (one worker, SQLite), planned then applied, as a user runs it.

Prints the plan and apply times (goal: both together under 60 s) and the deletes per second,
beside a ceiling measured in the same run: the same SDK, at the same concurrency, sending a
cheap authenticated call (`GET /user`, a token lookup and a user read) to the same server.

    bench/run-prune
    python bench/prune.py --versions 10000 --keep 100
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _support import packyard_server, seeded_data_dir, user_with_token

from packyard.client import Client

TOKEN = "ghp_bench_prune_0000000000000000000000000"
PACKAGE = "@alice/big"
CONCURRENCY = 4  # `delete_versions`' default, which prune uses
GOAL_SECONDS = 60.0


def world(versions: int) -> dict[str, Any]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return {
        **user_with_token("alice", TOKEN),
        "packages": [
            {
                "owner": "alice",
                "package_type": "npm",
                "name": PACKAGE,
                "visibility": "private",
                "versions": [
                    {
                        "name": f"{i // 10000}.{i // 100 % 100}.{i % 100}",
                        "created_at": (start + timedelta(minutes=i)).isoformat(),
                    }
                    for i in range(versions)
                ],
            }
        ],
    }


def prune(base: str, state: Path, *args: str) -> float:
    env = {
        **os.environ,
        "PACKYARD_TOKEN": TOKEN,
        "GITHUB_API_URL": f"{base}/api/v3",
        "PACKYARD_STATE_DIR": str(state),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "packyard.cli.main", "prune", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"prune {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def ceiling(base: str, requests: int) -> float:
    """Requests per second of the cheapest authenticated call, same SDK, same concurrency."""
    with Client(token=TOKEN, base_url=f"{base}/api/v3") as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(lambda _i: client.rest.users.get_authenticated(), range(requests)))
        return requests / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--keep", type=int, default=100)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        seeded_data_dir(root / "data", world(options.versions))
        with packyard_server(root / "data") as base:
            plan_file = root / "plan.json"
            plan_seconds = prune(
                base, root, "plan", "--package-type", "npm", "--package", PACKAGE,
                "--keep-last", str(options.keep), "-o", str(plan_file),
            )  # fmt: skip
            deletions = sum(
                v["action"] == "delete"
                for v in json.loads(plan_file.read_text())["packages"][0]["versions"]
            )
            report = root / "report.json"
            apply_seconds = prune(base, root, "apply", str(plan_file), "--report", str(report))
            run = json.loads(report.read_text())["run"]
            deleted = sum(e["outcome"] == "deleted" for e in run["entries"])
            bare = ceiling(base, 2000)
    total = plan_seconds + apply_seconds
    rate = deleted / apply_seconds
    print(f"versions: {options.versions}, planned deletions: {deletions}, deleted: {deleted}")
    print(f"plan:  {plan_seconds:6.1f} s")
    print(f"apply: {apply_seconds:6.1f} s  ({rate:,.0f} deletes/s, process start included)")
    verdict = "met" if total < GOAL_SECONDS else "NOT met"
    print(f"total: {total:6.1f} s  (goal < {GOAL_SECONDS:.0f} s: {verdict})")
    print(f"ceiling: GET /user through the same SDK, {CONCURRENCY} threads: {bare:,.0f} req/s")
    print(f"deletes/s over the ceiling: {rate / bare:.2f}")


if __name__ == "__main__":
    main()
