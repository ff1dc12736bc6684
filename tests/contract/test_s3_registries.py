"""The registries on the S3 blob store (`PACKYARD_BLOB_STORE=s3://…`, against SeaweedFS):
a chunked OCI push and its pull, a Maven deploy and resolve, a gem pushed and fetched, with
the bytes in the bucket and none in the data directory, and every whole read the event loop
would have done on disk done from a worker thread."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from packyard.config import S3Location, Settings
from packyard.core.files import settle_all_downloads
from packyard.domain.types import PackageType
from packyard.server import create_app
from packyard.storage.blobs.s3 import S3BlobStore
from tests.conftest import ACTIONS_WEB, ALICE, Clock
from tests.seaweedfs import S3Server
from tests.unit.registries.nuget.nupkg_builder import multipart, nupkg
from tests.unit.registries.rubygems.gem_builder import gem

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
LAYER = bytes(range(256)) * 4096  # 1 MiB, pushed in chunks


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def on_disk(settings: Settings, *digests: str) -> set[str]:
    """Which of `digests` are in the data directory (the world's seeded blobs are)."""
    names = {path.name for path in settings.data_dir.rglob("*")}
    return {d for d in digests if d.removeprefix("sha256:") in names}


@pytest.fixture
def bucket(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in s3_server.environment().items():
        monkeypatch.setenv(name, value)
    return s3_server.new_bucket()


@pytest.fixture
def reads_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every whole read of a blob, checked to run where no event loop does."""
    read_all = S3BlobStore.read_all
    done: list[str] = []

    def checked(self: S3BlobStore, digest: str) -> bytes:
        with pytest.raises(RuntimeError):
            asyncio.get_running_loop()  # on the event loop's thread this would answer
        done.append(digest)
        return read_all(self, digest)

    monkeypatch.setattr(S3BlobStore, "read_all", checked)
    return done


@pytest.fixture
def client(
    settings: Settings, engine: Engine, clock: Clock, world: Any, bucket: str
) -> Iterator[TestClient]:
    on_s3 = replace(settings, blob_store=S3Location(bucket, "blobs"))
    with TestClient(create_app(on_s3, engine, clock=clock), base_url="http://testserver") as c:
        yield c


def test_an_image_pushed_in_chunks_and_pulled(
    client: TestClient,
    s3_server: S3Server,
    bucket: str,
    settings: Settings,
    reads_off_the_loop: list[str],
) -> None:
    auth = httpx.BasicAuth("alice", ALICE)
    name = "/v2/alice/tools/s3"
    started = client.post(f"{name}/blobs/uploads/", auth=auth)
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    half = len(LAYER) // 2
    for start, piece in ((0, LAYER[:half]), (half, LAYER[half:])):
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Range": f"{start}-{start + len(piece) - 1}",
        }
        sent = client.patch(location, content=piece, headers=headers, auth=auth)
        assert sent.status_code == 202, sent.text
        location = sent.headers["Location"]
    separator = "&" if "?" in location else "?"
    done = client.put(f"{location}{separator}digest={sha(LAYER)}", auth=auth)
    assert done.status_code == 201, done.text
    config = b'{"architecture": "s3"}'  # not the seeded world's `{}`
    monolithic = client.post(
        f"{name}/blobs/uploads/?digest={sha(config)}", content=config, auth=auth
    )
    assert monolithic.status_code == 201, monolithic.text
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": sha(LAYER),
                    "size": len(LAYER),
                }
            ],
        }
    ).encode()
    put = client.put(
        f"{name}/manifests/v1", content=manifest, headers={"Content-Type": OCI_MANIFEST}, auth=auth
    )
    assert put.status_code == 201, put.text

    pulled = client.get(f"{name}/manifests/v1", headers={"Accept": OCI_MANIFEST}, auth=auth)
    assert pulled.status_code == 200 and pulled.content == manifest
    assert sha(manifest) in reads_off_the_loop
    assert client.head(f"{name}/blobs/{sha(LAYER)}", auth=auth).status_code == 200
    assert client.get(f"{name}/blobs/{sha(LAYER)}", auth=auth).content == LAYER
    ranged = client.get(f"{name}/blobs/{sha(LAYER)}", headers={"Range": "bytes=10-19"}, auth=auth)
    assert ranged.status_code == 206 and ranged.content == LAYER[10:20]

    keys = {o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]}
    for digest in (sha(LAYER), sha(config), sha(manifest)):
        hex_ = digest.removeprefix("sha256:")
        assert f"blobs/sha256/{hex_[:2]}/{hex_[2:4]}/{hex_}" in keys
    assert not any(k.startswith("blobs/_uploads/") for k in keys)  # the chunks are gone
    assert not on_disk(settings, sha(LAYER), sha(config), sha(manifest))


def test_a_maven_deploy_resolves(
    client: TestClient, settings: Settings, reads_off_the_loop: list[str]
) -> None:
    auth = httpx.BasicAuth("alice", ALICE)
    path = "/_registry/maven/alice/tools/com/example/hello/1.0.0/hello-1.0.0.pom"
    pom = b"<project><modelVersion>4.0.0</modelVersion></project>"
    assert client.put(path, content=pom, auth=auth).status_code == 200
    resolved = client.get(path, auth=auth)
    assert resolved.status_code == 200 and resolved.content == pom
    assert sha(pom) in reads_off_the_loop
    assert not on_disk(settings, sha(pom))


def test_a_gem_pushed_and_installed(
    client: TestClient, settings: Settings, reads_off_the_loop: list[str]
) -> None:
    data = gem("hello", "1.0.0")
    headers = {"Content-Type": "application/octet-stream", "Authorization": f"Bearer {ALICE}"}
    pushed = client.post("/_registry/rubygems/alice/api/v1/gems", content=data, headers=headers)
    assert pushed.status_code == 200, pushed.text
    auth = httpx.BasicAuth("alice", ALICE)
    fetched = client.get("/_registry/rubygems/alice/gems/hello-1.0.0.gem", auth=auth)
    assert fetched.status_code == 200 and fetched.content == data
    assert sha(data) in reads_off_the_loop
    assert not on_disk(settings, sha(data))


@pytest.fixture
def redirecting(
    settings: Settings, engine: Engine, clock: Clock, world: Any, bucket: str
) -> Iterator[TestClient]:
    """The app with `PACKYARD_BLOB_REDIRECT=1`."""
    on_s3 = replace(settings, blob_store=S3Location(bucket, "blobs"), blob_redirect=True)
    app = create_app(on_s3, engine, clock=clock)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def test_every_registry_redirects_its_files_and_serves_its_metadata(
    redirecting: TestClient, s3_server: S3Server, store: Any, world: Any
) -> None:
    """Blobs and package files (OCI and legacy Docker blobs, npm tarballs, Maven files,
    gems, .nupkg) answer 307 to the bucket, for GET and HEAD, and the URL gives the bytes;
    manifests, packuments, Maven metadata and checksums, gem specs and .nuspec are served
    here. A redirected GET counts its download; a HEAD does not."""
    client, auth = redirecting, httpx.BasicAuth("alice", ALICE)
    bearer = {"Authorization": f"Bearer {ALICE}"}

    def moved(path: str, data: bytes, **kwargs: Any) -> None:
        for method in ("GET", "HEAD"):
            answer = client.request(method, path, auth=auth, **kwargs)
            assert answer.status_code == 307, (method, path, answer.text)
            location = answer.headers["Location"]
            assert location.startswith(f"{s3_server.endpoint}/"), location
            got = httpx.request(method, location)  # the bucket itself, no credentials
            assert got.status_code == 200 and got.headers["content-length"] == str(len(data))
        assert httpx.get(location.replace("X-Amz-Signature=", "X-Amz-Signature=0")).is_error
        assert httpx.get(client.get(path, auth=auth, **kwargs).headers["Location"]).content == data

    def served(path: str, **kwargs: Any) -> None:
        answer = client.get(path, auth=auth, **kwargs)
        assert answer.status_code == 200, (path, answer.text)

    config = b'{"architecture": "redirected"}'
    for name, host in (("alice/tools/moved", "testserver"), ("alice/tools/old", "docker.test")):
        headers = {"Host": host}
        pushed = client.post(
            f"/v2/{name}/blobs/uploads/?digest={sha(config)}",
            content=config,
            auth=auth,
            headers=headers,
        )
        assert pushed.status_code == 201, pushed.text
        moved(f"/v2/{name}/blobs/{sha(config)}", config, headers=headers)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(config),
                "size": len(config),
            },
            "layers": [],
        }
    ).encode()
    put = client.put(
        "/v2/alice/tools/moved/manifests/v1",
        content=manifest,
        headers={"Content-Type": OCI_MANIFEST},
        auth=auth,
    )
    assert put.status_code == 201, put.text
    served("/v2/alice/tools/moved/manifests/v1", headers={"Accept": OCI_MANIFEST})

    npm = "/_registry/npm/@acme/web-ui"
    actions = {"Authorization": f"Bearer {ACTIONS_WEB}"}
    packument = client.get(npm, headers=actions).json()
    tarball = packument["versions"]["1.1.0"]["dist"]["tarball"].removeprefix("http://testserver")
    assert client.get(tarball, headers=actions).status_code == 307
    assert client.head(tarball, headers=actions).status_code == 307
    settle_all_downloads()
    with store.read() as tx:
        package = tx.packages.find_package(world_owner(tx, "acme"), PackageType.NPM, "web-ui")
        version = tx.versions.find_version_by_name(package.id, "1.1.0")
    assert version.download_count == 1  # the GET, not the HEAD

    base = "/_registry/maven/alice/tools/com/example/moved/1.0.0/moved-1.0.0"
    jar = b"PK not really a jar"
    for suffix, data in ((".pom", b"<project/>"), (".jar", jar)):
        assert client.put(base + suffix, content=data, auth=auth).status_code == 200
    moved(base + ".jar", jar)
    served(base + ".jar.sha1")
    served("/_registry/maven/alice/tools/com/example/moved/maven-metadata.xml")

    data = gem("moved", "1.0.0")
    pushed = client.post("/_registry/rubygems/alice/api/v1/gems", content=data, headers=bearer)
    assert pushed.status_code == 200, pushed.text
    moved("/_registry/rubygems/alice/gems/moved-1.0.0.gem", data)
    served("/_registry/rubygems/alice/quick/Marshal.4.8/moved-1.0.0.gemspec.rz")

    package_bytes = nupkg("Moved.Here", "1.0.0")
    body, content_type = multipart(package_bytes)
    published = client.put(
        "/_registry/nuget/alice/api/v2/package",
        content=body,
        headers={"Content-Type": content_type},
        auth=auth,
    )
    assert published.status_code == 201, published.text
    moved("/_registry/nuget/alice/download/moved.here/1.0.0/moved.here.1.0.0.nupkg", package_bytes)
    served("/_registry/nuget/alice/download/moved.here/1.0.0/moved.here.nuspec")


def world_owner(tx: Any, login: str) -> int:
    owner = tx.accounts.find_account_by_login(login)
    assert owner is not None
    return int(owner.id)
