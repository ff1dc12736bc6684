"""`PACKYARD_BLOB_REDIRECT=1` on the S3 blob store: the real clients are answered 307 to a
presigned URL of the bucket (SeaweedFS, SigV4 enforced) for every blob and package file,
follow it, and get the right bytes; manifests and metadata are served as before, and a
download still counts once. skopeo, npm, gem, mvn and nuget.exe each pull through it. The
server's access log shows what each client was answered.

One server for the module, seeded with the world (its images and tarballs go to the bucket).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from tests.conftest import ACTIONS_WEB, ALICE
from tests.protocols.clients_support import AccessLog, rest
from tests.protocols.conftest import LiveServer, serving
from tests.protocols.maven_support import Maven, render
from tests.protocols.nuget_support import NuGetMachine, NuSpec, installed
from tests.protocols.oci_layout import blob_bytes
from tests.protocols.rubygems_support import GemMachine, GemSource, build
from tests.protocols.test_npm_cli import npm
from tests.protocols.test_skopeo import copy_out, host
from tests.requirements import GIT_AND_CURL
from tests.seaweedfs import S3Server

pytestmark = pytest.mark.xdist_group("blob_redirect")

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@dataclass(frozen=True)
class Redirecting:
    server: LiveServer
    s3: S3Server
    bucket: str


@pytest.fixture(scope="module")
def redirecting(
    live_database: str, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Redirecting]:
    bucket = s3_server.new_bucket()
    env = {
        **s3_server.environment(),
        "PACKYARD_BLOB_STORE": f"s3://{bucket}/blobs",
        "PACKYARD_BLOB_REDIRECT": "1",
        "PACKYARD_ACCESS_LOG": "1",
    }
    with serving(live_database, tmp_path_factory.mktemp("data"), env) as server:
        yield Redirecting(server, s3_server, bucket)


def curl(*args: str) -> tuple[int, dict[str, str]]:
    """What Packyard itself answers (no redirect followed): the status and the headers."""
    GIT_AND_CURL.command("curl")
    done = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-D", "-", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    status, *lines = done.stdout.strip().splitlines()
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status.split()[1]), headers


def in_bucket(r: Redirecting, digest: str) -> bytes:
    algorithm, hex_digest = digest.split(":", 1)
    key = f"blobs/{algorithm}/{hex_digest[:2]}/{hex_digest[2:4]}/{hex_digest}"
    body: bytes = r.s3.client().get_object(Bucket=r.bucket, Key=key)["Body"].read()
    return body


def downloads(server: LiveServer, path: str, token: str = ALICE) -> dict[str, int]:
    since = (datetime.now(UTC) - timedelta(days=400)).date().isoformat()
    with rest(server, token) as api:
        report = api.get(f"/_packyard/{path}/downloads", params={"since": since})
    assert report.status_code == 200, report.text
    return {version["name"]: version["downloads"] for version in report.json()["versions"]}


def test_skopeo_pulls_the_layers_from_the_bucket(redirecting: Redirecting, tmp_path: Path) -> None:
    r, base = redirecting, redirecting.server.url
    auth = httpx.BasicAuth("alice", ALICE)
    image = f"{base}/v2/alice/tools/cli"
    index = httpx.get(f"{image}/manifests/latest", auth=auth, headers={"Accept": OCI_INDEX})
    assert index.status_code == 200  # manifests are never redirected
    platform = index.json()["manifests"][0]
    manifest = httpx.get(
        f"{image}/manifests/{platform['digest']}", auth=auth, headers={"Accept": OCI_MANIFEST}
    )
    assert manifest.status_code == 200
    layer = manifest.json()["layers"][0]["digest"]

    location = {}
    for method, flag in (("GET", "-XGET"), ("HEAD", "--head")):  # distribution presigns both
        status, headers = curl(flag, "-u", f"alice:{ALICE}", f"{image}/blobs/{layer}")
        assert status == 307 and headers["location"].startswith(f"{r.s3.endpoint}/"), headers
        location[method] = headers["location"]
    whole = in_bucket(r, layer)
    # A Range goes along to the bucket, which answers it; each URL is signed for its method.
    ranged = httpx.get(location["GET"], headers={"Range": "bytes=2-9"})
    assert ranged.status_code == 206 and ranged.content == whole[2:10]
    headed = httpx.head(location["HEAD"])
    assert headed.status_code == 200 and headed.headers["content-length"] == str(len(whole))
    assert httpx.get(location["HEAD"]).status_code == 403
    status, _ = curl("-u", f"alice:{ALICE}", f"{image}/blobs/sha256:{'0' * 64}")
    assert status == 404  # what is not there is not redirected

    log = AccessLog.of(r.server)
    copy_out(f"docker://{host(r.server)}/alice/tools/cli:latest", f"oci:{tmp_path}:latest", "--all")
    asked = log.requests("/v2/alice/tools/cli/")
    blob_gets = [a for a in asked if a.method == "GET" and a.path.startswith("blobs/")]
    assert blob_gets and all(a.status == 307 for a in blob_gets), asked
    assert all(a.status == 200 for a in asked if a.path.startswith("manifests/")), asked
    for got in blob_gets:
        digest = unquote(got.path.removeprefix("blobs/"))
        assert blob_bytes(tmp_path, digest) == in_bucket(r, digest)


def test_npm_install_counts_once_and_gets_the_tarball(
    redirecting: Redirecting, tmp_path: Path
) -> None:
    server = redirecting.server
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "version": "0.0.0"}')
    npmrc = project / ".npmrc"
    npmrc.write_text(
        f"@acme:registry={server.url}/_registry/npm/\n"
        f"//{host(server)}/_registry/npm/:_authToken={ACTIONS_WEB}\n"
        "audit=false\nfund=false\nupdate-notifier=false\n"
    )
    before = downloads(server, "orgs/acme/packages/npm/web-ui", ACTIONS_WEB)
    log = AccessLog.of(server)
    installed = npm(project, npmrc, "install", "@acme/web-ui@1.1.0")
    assert installed.returncode == 0, installed.stderr
    tarballs = [a for a in log.requests("/_registry/npm/") if a.path.endswith(".tgz")]
    assert [a.status for a in tarballs] == [307], tarballs
    after = downloads(server, "orgs/acme/packages/npm/web-ui", ACTIONS_WEB)
    assert after.get("1.1.0", 0) == before.get("1.1.0", 0) + 1, (before, after)
    lock = json.loads((project / "package-lock.json").read_text())
    integrity = lock["packages"]["node_modules/@acme/web-ui"]["integrity"]
    assert integrity.startswith("sha512-")  # npm checked the bytes it got against it
    unpacked = json.loads((project / "node_modules/@acme/web-ui/package.json").read_text())
    assert unpacked["version"] == "1.1.0"


def test_gem_install_follows_the_redirect(redirecting: Redirecting, tmp_path: Path) -> None:
    server = redirecting.server
    source = GemSource("pky_redirected", "0.1.0")
    built = build([source], tmp_path / "built")[source]
    pusher = GemMachine.at(tmp_path / "pusher", credentials=f"Bearer {ALICE}")
    pushed = pusher.push(f"{server.url}/_registry/rubygems/alice", built.path)
    assert pushed.ok, pushed.output
    status, headers = curl(
        "-u", f"alice:{ALICE}", f"{server.url}/_registry/rubygems/alice/gems/{source.file_name}"
    )
    assert status == 307 and headers["location"].startswith(f"{redirecting.s3.endpoint}/")

    log = AccessLog.of(server)
    machine = GemMachine.at(tmp_path / "installer")
    url = f"http://alice:{ALICE}@{host(server)}/_registry/rubygems/alice/"
    installed = machine.install(url, source.name, version=source.version)
    assert installed.ok, installed.output
    gems = [a for a in log.requests("/_registry/rubygems/alice/") if a.path.startswith("gems/")]
    assert [a.status for a in gems] == [307], gems
    cached = machine.gem_home / "cache" / source.file_name  # what gem fetched, checked
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == built.sha256
    counted = downloads(server, f"user/packages/rubygems/{source.name}")
    assert counted == {source.version: 2}  # curl's GET above, and the install's


def test_mvn_resolves_a_deployed_jar_through_the_redirect(
    redirecting: Redirecting, tmp_path: Path
) -> None:
    """A release deployed with `mvn deploy`, then compiled against from a cold local
    repository: the jar's GET (with Basic, after Maven's 401) is a 307 that Maven follows
    to the bucket, its checksums and pom are served here, and the download counts once."""
    server = redirecting.server
    url = f"{server.url}/_registry/maven/alice/tools"
    values = {"ARTIFACT": "moved", "VERSION": "1.0.0", "URL": url}
    publisher = Maven.for_token(tmp_path / "publisher", "alice", ALICE)
    project = render("publisher", tmp_path / "published", {**values, "MARK": "moved"})
    deployed = publisher.run(project, "deploy")
    assert deployed.ok, deployed.output
    jar = (project / "target" / "moved-1.0.0.jar").read_bytes()

    log = AccessLog.of(server)
    consumer = Maven.for_token(tmp_path / "consumer", "alice", ALICE)
    app = render("consumer", tmp_path / "app", {**values, "CALL": "moved", "SNAPSHOTS": "false"})
    compiled = consumer.run(app, "compile")
    assert compiled.ok, compiled.output
    resolved = consumer.repository / "com" / "example" / "moved" / "1.0.0" / "moved-1.0.0.jar"
    assert resolved.read_bytes() == jar  # and Maven checked it against the .sha1 it fetched
    asked = log.requests("/_registry/maven/alice/tools/com/example/moved/1.0.0/")
    jars = [a.status for a in asked if a.method == "GET" and a.path.endswith(".jar")]
    assert 307 in jars and 200 not in jars, asked  # 401 first: Maven asks without credentials
    counted = downloads(server, "user/packages/maven/com.example.moved")
    assert counted == {"1.0.0": 1}  # the jar's redirected GET; the pom and checksums are not


def test_nuget_install_follows_the_redirect(redirecting: Redirecting, tmp_path: Path) -> None:
    """`nuget install` (nuget.exe under mono) of a package pushed with `nuget push`: the
    .nupkg's GET is a 307 that nuget.exe follows to the bucket; it counts one download."""
    server = redirecting.server
    spec = NuSpec("Pky.Moved", "1.0.0", "https://github.com/alice/tools")
    packed = NuGetMachine.at(tmp_path / "packer").pack(spec, tmp_path / "packed")
    source = f"{server.url}/_registry/nuget/alice/index.json"
    pushed = NuGetMachine.at(tmp_path / "pusher", source, "alice", ALICE).push(packed.path)
    assert pushed.ok, pushed.output

    log = AccessLog.of(server)
    consumer = NuGetMachine.at(tmp_path / "consumer", source, "alice", ALICE)
    run = consumer.install(spec.id, spec.version, tmp_path / "out")
    assert run.ok, run.output
    assert installed(tmp_path / "out", spec.id, spec.version).read_bytes() == packed.data
    asked = log.requests("/_registry/nuget/alice/")
    nupkgs = [a.status for a in asked if a.method == "GET" and a.path.endswith(".nupkg")]
    assert 307 in nupkgs and 200 not in nupkgs, asked
    assert downloads(server, f"user/packages/nuget/{spec.id}") == {spec.version: 1}
