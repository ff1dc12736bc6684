"""Two `packyard serve` processes behind Debian's nginx, as deploy/ describes: separate,
empty data directories, one PostgreSQL database, one S3 bucket (SeaweedFS), deploy/nginx.conf
with its ports changed. What one process started the other finishes; counts and limits are
the deployment's, not a process's."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import ALICE, ROOT
from tests.protocols.conftest import free_port
from tests.protocols.oci_layout import blob_bytes, two_platforms
from tests.protocols.test_skopeo import copy_in, copy_out
from tests.requirements import NGINX
from tests.seaweedfs import S3Server
from tests.support import postgres_database, wait_until_serving

pytestmark = pytest.mark.xdist_group("cluster")

RATE_LIMIT = 100  # anonymous requests per hour, from one address, across the processes
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@dataclass
class Cluster:
    url: str  # nginx
    env: dict[str, str]
    root: Path
    ports: list[int]
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def process_url(self, index: int) -> str:
        """The process's own address; one killed by an earlier test is started again."""
        if self.processes[index].poll() is not None:
            self.wait(self.spawn(index))
        return f"http://127.0.0.1:{self.ports[index]}"

    def spawn(self, index: int) -> int:
        data = self.root / f"data{index}"  # empty, and each process's own
        data.mkdir(exist_ok=True)
        port = str(self.ports[index])
        with (self.root / f"serve{index}.log").open("ab") as out:
            self.processes[index] = subprocess.Popen(
                [sys.executable, "-m", "packyard.cli.main", "serve", "--port", port],
                env={**self.env, "PACKYARD_DATA_DIR": str(data)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return index

    def wait(self, index: int) -> None:
        url = f"http://127.0.0.1:{self.ports[index]}"
        log = self.root / f"serve{index}.log"
        wait_until_serving(url, self.processes[index], log, 30.0)

    def kill(self, index: int) -> None:
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait()


def nginx_conf(listen: int, upstreams: list[int]) -> str:
    """deploy/nginx.conf with this run's ports: the file a deployment copies, nothing else."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+ .*;$", text, re.M)
    assert len(servers) == 2, "deploy/nginx.conf's upstream changed shape"
    template = servers[0]
    lines = "\n".join(re.sub(r":\d+ ", f":{port} ", template) for port in upstreams)
    text = text.replace(servers[0] + "\n" + servers[1], lines)
    text, listens = re.subn(r"listen \d+;", f"listen 127.0.0.1:{listen};", text)
    assert listens == 1
    if os.geteuid() == 0:  # nginx's workers would otherwise run as nobody
        text = "user root;\n" + text
    return text


@pytest.fixture(scope="module")
def cluster(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    if backend != "postgres":
        pytest.skip("several processes share one PostgreSQL database (SQLite is one machine's)")
    s3_server: S3Server = request.getfixturevalue("s3_server")  # started only when it runs
    # Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
    nginx = "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else NGINX.command("nginx")
    root = tmp_path_factory.mktemp("cluster")
    with postgres_database("packyard_cluster") as database:
        listen = free_port()
        ports = [free_port(), free_port()]
        env = {
            **os.environ,
            **s3_server.environment(),
            "PACKYARD_DATABASE_URL": database,
            "PACKYARD_BLOB_STORE": f"s3://{s3_server.new_bucket()}/blobs",
            "PACKYARD_BASE_URL": f"http://127.0.0.1:{listen}",
            "PACKYARD_SECRET_KEY": "cluster-secret-" + uuid.uuid4().hex,
            "PACKYARD_RATE_LIMIT": f"{RATE_LIMIT}/3600",
        }
        env.pop("PACKYARD_DATA_DIR", None)
        cluster = Cluster(f"http://127.0.0.1:{listen}", env, root, ports)
        # Migrations once, before any process starts (deploy/README.md); then the world.
        for command in ("db", "upgrade"), ("seed", str(ROOT / "examples" / "world.yaml")):
            done = subprocess.run(
                [sys.executable, "-m", "packyard.cli.main", *command],
                env={**env, "PACKYARD_DATA_DIR": str(root / "cli")},
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
        prefix = root / "nginx"
        prefix.mkdir()
        (prefix / "nginx.conf").write_text(nginx_conf(listen, ports))
        nginx_process = None
        try:
            for index in (cluster.spawn(0), cluster.spawn(1)):  # both start at once
                cluster.wait(index)
            with (prefix / "stderr.log").open("wb") as errors:
                nginx_process = subprocess.Popen(
                    [nginx, "-p", str(prefix), "-c", "nginx.conf", "-g", "daemon off;"],
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                )
            wait_until_serving(cluster.url, nginx_process, prefix / "stderr.log", 10.0)
            yield cluster
        finally:
            if nginx_process is not None:
                nginx_process.terminate()
                nginx_process.wait(timeout=10)
            for process in cluster.processes.values():
                process.terminate()
                process.wait(timeout=10)
            for client in _clients:
                client.close()


_clients: list[httpx.Client] = []


def registry(url: str) -> httpx.Client:
    """alice's client for the registry at `url`; closed with the cluster."""
    client = httpx.Client(base_url=url, auth=("alice", ALICE), timeout=30)
    _clients.append(client)
    return client


def downloads(cluster: Cluster, name: str) -> dict[str, int]:
    today = datetime.now(UTC).date().isoformat()
    answer = httpx.get(
        f"{cluster.url}/api/v3/_packyard/users/alice/packages/container/"
        f"{package(name)}/downloads?since={today}",
        headers={"Authorization": f"Bearer {ALICE}"},
    )
    assert answer.status_code == 200, answer.text
    return {v["name"]: v["downloads"] for v in answer.json()["versions"]}


def package(name: str) -> str:
    """The REST API's name of the image `alice/NAME`, as a path segment."""
    return name.removeprefix("alice/").replace("/", "%2F")


def push_image(client: httpx.Client, name: str, tag: str) -> str:
    """A one-layer image pushed in monolithic uploads; returns the manifest's digest."""
    layer = f"layer of {name}:{tag} {uuid.uuid4().hex}".encode()
    config = json.dumps({"architecture": "amd64", "os": "linux", "tag": tag}).encode()
    for blob in (layer, config):
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        started = client.post(f"/v2/{name}/blobs/uploads/")
        assert started.status_code == 202, started.text
        done = client.put(started.headers["location"], params={"digest": digest}, content=blob)
        assert done.status_code == 201, done.text
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": "sha256:" + hashlib.sha256(layer).hexdigest(),
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    put = client.put(
        f"/v2/{name}/manifests/{tag}", content=manifest, headers={"Content-Type": MANIFEST}
    )
    assert put.status_code == 201, put.text
    return str(put.headers["docker-content-digest"])


def test_skopeo_pushes_and_pulls_a_multi_platform_image_through_nginx(
    cluster: Cluster, tmp_path: Path
) -> None:
    source, back = tmp_path / "source", tmp_path / "back"
    pushed = two_platforms(source, "multi")
    target = f"docker://{cluster.url.removeprefix('http://')}/alice/cluster/multi:latest"
    copy_in(f"oci:{source}:multi", target, "--all")
    copy_out(target, f"oci:{back}:multi", "--all")
    index = json.loads(blob_bytes(back, pushed["digest"]))
    digests = {pushed["digest"]}
    for platform in index["manifests"]:
        manifest = json.loads(blob_bytes(back, platform["digest"]))
        digests |= {platform["digest"], manifest["config"]["digest"]}
        digests |= {layer["digest"] for layer in manifest["layers"]}
    assert len(digests) >= 6
    for digest in digests:
        assert blob_bytes(back, digest) == blob_bytes(source, digest)


def test_a_chunked_upload_started_on_one_process_completes_on_the_other(
    cluster: Cluster,
) -> None:
    first, second = registry(cluster.process_url(0)), registry(cluster.process_url(1))
    data = os.urandom(3 * 1024 * 1024)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    started = first.post("/v2/alice/cluster/chunks/blobs/uploads/")
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    half = len(data) // 2
    one = first.patch(
        location,
        content=data[:half],
        headers={"Content-Range": f"0-{half - 1}", "Content-Type": "application/octet-stream"},
    )
    assert one.status_code == 202, one.text
    two = second.patch(
        one.headers["location"],
        content=data[half:],
        headers={
            "Content-Range": f"{half}-{len(data) - 1}",
            "Content-Type": "application/octet-stream",
        },
    )
    assert two.status_code == 202, two.text
    done = second.put(two.headers["location"], params={"digest": digest})
    assert done.status_code == 201, done.text
    assert registry(cluster.url).get(f"/v2/alice/cluster/chunks/blobs/{digest}").content == data


def test_manifest_pulls_on_both_processes_are_counted_exactly(cluster: Cluster) -> None:
    name = "alice/cluster/pulled"
    digest = push_image(registry(cluster.url), name, "v1")
    before = downloads(cluster, name).get(digest, 0)
    clients = [
        httpx.Client(
            base_url=cluster.process_url(index),
            auth=("alice", ALICE),
            timeout=30,
            limits=httpx.Limits(max_connections=100),
        )
        for index in range(2)
    ]
    _clients.extend(clients)

    def pull(n: int) -> int:
        answer = clients[n % 2].get(f"/v2/{name}/manifests/{digest}", headers={"Accept": MANIFEST})
        return answer.status_code

    with ThreadPoolExecutor(200) as pool:  # 100 at once on each process
        statuses = list(pool.map(pull, range(200)))
    assert statuses == [200] * 200
    # Asked at once, through nginx: whichever process answers waits for the other's counts.
    assert downloads(cluster, name)[digest] - before == 200


def test_fifty_concurrent_deletes_of_one_version_give_one_204(cluster: Cluster) -> None:
    name = "alice/cluster/deleted"
    client = registry(cluster.url)
    doomed = push_image(client, name, "old")
    push_image(client, name, "new")
    api = f"{cluster.url}/api/v3/users/alice/packages/container/{package(name)}"
    auth = {"Authorization": f"Bearer {ALICE}"}
    listed = httpx.get(f"{api}/versions", headers=auth).json()
    version_id = next(v["id"] for v in listed if v["name"] == doomed)

    with httpx.Client(headers=auth, timeout=60, limits=httpx.Limits(max_connections=50)) as rest:
        with ThreadPoolExecutor(50) as pool:
            statuses = list(
                pool.map(
                    lambda _: rest.delete(f"{api}/versions/{version_id}").status_code, range(50)
                )
            )
    assert statuses.count(204) == 1, statuses
    assert set(statuses) <= {204, 404}


def test_a_rate_limit_holds_across_both_processes(cluster: Cluster) -> None:
    """Anonymous calls from one address: one quota, whichever process answers."""
    path = "/api/v3/users/alice/packages/container/tools%2Fcli"
    urls = [cluster.process_url(0), cluster.process_url(1)]
    with httpx.Client(timeout=30) as anonymous:
        statuses = [anonymous.get(urls[n % 2] + path).status_code for n in range(RATE_LIMIT + 10)]
    assert statuses.count(200) <= RATE_LIMIT
    assert statuses[-10:] == [429] * 10
    assert set(statuses) == {200, 429}


def test_a_push_survives_kill_9_of_a_process_and_leaves_no_half_version(
    cluster: Cluster,
) -> None:
    name = "alice/cluster/killed"
    data = os.urandom(2 * 1024 * 1024)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    first = registry(cluster.process_url(0))
    started = first.post(f"/v2/{name}/blobs/uploads/")
    half = len(data) // 2
    one = first.patch(
        started.headers["location"],
        content=data[:half],
        headers={"Content-Range": f"0-{half - 1}", "Content-Type": "application/octet-stream"},
    )
    assert one.status_code == 202, one.text

    def killed_midway() -> Iterator[bytes]:
        yield data[half : half + 65536]
        cluster.kill(0)  # in the middle of the chunk; a later test that needs it restarts it
        yield data[half + 65536 :]

    with pytest.raises(httpx.TransportError):
        first.patch(
            one.headers["location"],
            content=killed_midway(),
            headers={"Content-Type": "application/octet-stream"},
        )
    # Through nginx, which now finds only the other process: the upload goes on from the
    # last chunk that was whole.
    client = registry(cluster.url)
    status = client.get(one.headers["location"])
    assert status.status_code == 204, status.text
    assert status.headers["range"] == f"0-{half - 1}"
    rest = client.patch(
        status.headers["location"],
        content=data[half:],
        headers={
            "Content-Range": f"{half}-{len(data) - 1}",
            "Content-Type": "application/octet-stream",
        },
    )
    assert rest.status_code == 202, rest.text
    assert client.put(rest.headers["location"], params={"digest": digest}).status_code == 201
    api = f"{cluster.url}/api/v3/users/alice/packages/container/{package(name)}"
    auth = {"Authorization": f"Bearer {ALICE}"}
    assert httpx.get(api, headers=auth).status_code == 404  # no manifest: no version
    assert client.get(f"/v2/{name}/blobs/{digest}").content == data
