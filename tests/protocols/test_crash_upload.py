"""A server killed in the middle of an upload: no partial blob, no version; the upload resumes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import ALICE, WORLD_FILE
from tests.protocols.conftest import free_port
from tests.support import wait_until_serving

DATA = os.urandom(300_000)
DIGEST = "sha256:" + hashlib.sha256(DATA).hexdigest()


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("a") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "packyard.cli.main", "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    wait_until_serving(f"http://127.0.0.1:{port}", process, log, timeout=30)
    return process


def test_kill_mid_upload_then_resume(tmp_path: Path, live_database: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PACKYARD_DATABASE_URL": live_database,
        "PACKYARD_DATA_DIR": str(tmp_path),
        "PACKYARD_BASE_URL": f"http://127.0.0.1:{port}",
    }
    seeded = subprocess.run(
        [sys.executable, "-m", "packyard.cli.main", "seed", str(WORLD_FILE)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    log = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    server = start(env, port, log)
    with httpx.Client(base_url=base, auth=("alice", ALICE)) as http:
        started = http.post("/v2/alice/crash/blobs/uploads/")
        assert started.status_code == 202
        location = started.headers["location"]
        first = http.patch(location, content=DATA[:100_000], headers={"Content-Range": "0-99999"})
        assert first.status_code == 202 and first.headers["range"] == "0-99999"
    # SIGKILL in the middle: no cleanup, no goodbye.
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    server = start(env, port, log)
    try:
        with httpx.Client(base_url=base, auth=("alice", ALICE)) as http:
            assert http.head(f"/v2/alice/crash/blobs/{DIGEST}").status_code == 404
            status = http.get(location)
            assert status.status_code == 204 and status.headers["range"] == "0-99999"
            rest = http.patch(
                location,
                content=DATA[100_000:],
                headers={"Content-Range": f"100000-{len(DATA) - 1}"},
            )
            assert rest.status_code == 202
            done = http.put(location, params={"digest": DIGEST})
            assert done.status_code == 201, done.text
            assert http.get(f"/v2/alice/crash/blobs/{DIGEST}").content == DATA
            # Blobs alone make no package and no version.
            listing = http.get(
                f"{base}/api/v3/users/alice/packages/container/crash/versions",
                headers={"Authorization": f"Bearer {ALICE}"},
            )
            assert listing.status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=10)
