"""A download is counted only when its content is actually served: on the filesystem store
(the file opened before the head goes out) and on S3 (the first bytes read first), a GET
whose row is found but whose bytes are gone answers an error and counts nothing; a HEAD,
and a 416, count nothing; a GET that is served counts exactly one.

Each format's file is published through its own registry, then its bytes are removed from
the store behind Packyard's back, as a lost disk or a wrong bucket policy would."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from packyard.config import S3Location, Settings
from packyard.server import create_app
from tests.conftest import ALICE, Clock
from tests.unit.registries.nuget.nupkg_builder import multipart, nupkg
from tests.unit.registries.rubygems.gem_builder import gem

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
AUTH = httpx.BasicAuth("alice", ALICE)
BEARER = {"Authorization": f"Bearer {ALICE}"}


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Serving:
    client: TestClient
    store: str  # "filesystem" or "s3"
    lose: Callable[[bytes], None]  # removes these bytes from the blob store

    def counted(self, package_type: str, name: str) -> dict[str, int]:
        """The REST report's downloads of alice's package, by version (settled first)."""
        report = self.client.get(
            f"/api/v3/_packyard/user/packages/{package_type}/{name}/downloads",
            params={"since": "2000-01-01"},
            headers=BEARER,
        )
        assert report.status_code == 200, report.text
        return {v["name"]: v["downloads"] for v in report.json()["versions"]}


def _key(digest: str) -> str:
    hex_ = digest.removeprefix("sha256:")
    return f"sha256/{hex_[:2]}/{hex_[2:4]}/{hex_}"


@pytest.fixture(params=["filesystem", "s3"])
def serving(
    request: pytest.FixtureRequest,
    settings: Settings,
    engine: Engine,
    clock: Clock,
    world: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Serving]:
    if request.param == "s3":
        s3 = request.getfixturevalue("s3_server")
        for name, value in s3.environment().items():
            monkeypatch.setenv(name, value)
        bucket = s3.new_bucket()
        settings = replace(settings, blob_store=S3Location(bucket, "blobs"))

        def lose(data: bytes) -> None:
            s3.client().delete_object(Bucket=bucket, Key="blobs/" + _key(sha(data)))
    else:

        def lose(data: bytes) -> None:
            (Path(settings.data_dir) / "blobs" / _key(sha(data))).unlink()

    app = create_app(settings, engine, clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        yield Serving(client, request.param, lose)


def test_a_manifest_whose_bytes_are_gone_is_manifest_unknown_and_no_download(
    serving: Serving,
) -> None:
    client = serving.client
    config = b'{"architecture": "counted"}'
    pushed = client.post(
        f"/v2/alice/counted/blobs/uploads/?digest={sha(config)}", content=config, auth=AUTH
    )
    assert pushed.status_code == 201, pushed.text
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
    url = "/v2/alice/counted/manifests/v1"
    put = client.put(url, content=manifest, headers={"Content-Type": OCI_MANIFEST}, auth=AUTH)
    assert put.status_code == 201, put.text
    accept = {"Accept": OCI_MANIFEST}
    assert client.head(url, auth=AUTH, headers=accept).status_code == 200
    got = client.get(url, auth=AUTH, headers=accept)
    assert got.status_code == 200 and got.content == manifest
    assert serving.counted("container", "counted") == {sha(manifest): 1}

    serving.lose(manifest)
    gone = client.get(url, auth=AUTH, headers=accept)
    assert gone.status_code == 404, gone.text
    assert gone.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    assert serving.counted("container", "counted") == {sha(manifest): 1}


def test_an_npm_tarball_whose_bytes_are_gone_is_no_download(serving: Serving) -> None:
    client, tarball = serving.client, b"\x1f\x8b a tarball of its own"
    document = {
        "name": "@alice/lost",
        "versions": {"1.0.0": {"name": "@alice/lost", "version": "1.0.0"}},
        "dist-tags": {"latest": "1.0.0"},
        "_attachments": {"lost-1.0.0.tgz": {"data": base64.b64encode(tarball).decode()}},
    }
    published = client.put("/_registry/npm/@alice%2flost", json=document, headers=BEARER)
    assert published.status_code == 201, published.text
    url = "/_registry/npm/@alice/lost/-/lost-1.0.0.tgz"
    assert client.head(url, headers=BEARER).status_code == 200
    assert client.get(url, headers=BEARER).content == tarball
    assert serving.counted("npm", "lost") == {"1.0.0": 1}

    serving.lose(tarball)
    gone = client.get(url, headers=BEARER)
    # On disk the missing file is found before anything is answered; from S3 the first read
    # fails before the head goes out: npm's 404 either way, never a 500.
    assert gone.status_code == 404, gone.text
    assert gone.json() == {"error": gone.json()["error"]}
    assert serving.counted("npm", "lost") == {"1.0.0": 1}


def test_a_gem_whose_bytes_are_gone_is_no_download_nor_is_a_416(serving: Serving) -> None:
    client, data = serving.client, gem("lost", "1.0.0")
    pushed = client.post("/_registry/rubygems/alice/api/v1/gems", content=data, headers=BEARER)
    assert pushed.status_code == 200, pushed.text
    url = "/_registry/rubygems/alice/gems/lost-1.0.0.gem"
    assert client.head(url, auth=AUTH).status_code == 200
    whole = client.get(url, auth=AUTH)  # small: read whole
    assert whole.status_code == 200 and whole.content == data
    part = client.get(url, auth=AUTH, headers={"Range": "bytes=0-9"})  # streamed
    assert part.status_code == 206 and part.content == data[:10]
    refused = client.get(url, auth=AUTH, headers={"Range": f"bytes={len(data) + 10}-"})
    assert refused.status_code == 416  # nothing of the gem was served
    assert serving.counted("rubygems", "lost") == {"1.0.0": 2}

    serving.lose(data)
    assert client.get(url, auth=AUTH).status_code == 404
    # A range is streamed (from S3: found gone at its first read), and still a 404.
    assert client.get(url, auth=AUTH, headers={"Range": "bytes=0-9"}).status_code == 404
    assert serving.counted("rubygems", "lost") == {"1.0.0": 2}


def test_a_layer_whose_bytes_are_gone_is_blob_unknown_and_no_download(
    serving: Serving,
) -> None:
    client, layer = serving.client, b"a layer of its own"
    pushed = client.post(
        f"/v2/alice/layered/blobs/uploads/?digest={sha(layer)}", content=layer, auth=AUTH
    )
    assert pushed.status_code == 201, pushed.text
    url = f"/v2/alice/layered/blobs/{sha(layer)}"
    got = client.get(url, auth=AUTH)
    assert got.status_code == 200 and got.content == layer

    serving.lose(layer)
    for headers in ({}, {"Range": "bytes=0-4"}):
        gone = client.get(url, auth=AUTH, headers=headers)
        assert gone.status_code == 404, gone.text
        assert gone.json()["errors"][0]["code"] == "BLOB_UNKNOWN"


def test_a_maven_jar_whose_bytes_are_gone_is_no_download(serving: Serving) -> None:
    client, jar = serving.client, b"PK a jar of its own"
    base = "/_registry/maven/alice/tools/com/example/lost/1.0.0/lost-1.0.0"
    for suffix, data in ((".pom", b"<project/>"), (".jar", jar)):
        assert client.put(base + suffix, content=data, auth=AUTH).status_code == 200
    assert client.head(base + ".jar", auth=AUTH).status_code == 200
    got = client.get(base + ".jar", auth=AUTH)
    assert got.status_code == 200 and got.content == jar
    assert serving.counted("maven", "com.example.lost") == {"1.0.0": 1}

    serving.lose(jar)
    assert client.get(base + ".jar", auth=AUTH).status_code == 404
    assert serving.counted("maven", "com.example.lost") == {"1.0.0": 1}


def test_a_nupkg_whose_bytes_are_gone_is_no_download(serving: Serving) -> None:
    client, package = serving.client, nupkg("Lost.Here", "1.0.0")
    body, content_type = multipart(package)
    published = client.put(
        "/_registry/nuget/alice/api/v2/package",
        content=body,
        headers={"Content-Type": content_type},
        auth=AUTH,
    )
    assert published.status_code == 201, published.text
    url = "/_registry/nuget/alice/download/lost.here/1.0.0/lost.here.1.0.0.nupkg"
    assert client.head(url, auth=AUTH).status_code == 200
    got = client.get(url, auth=AUTH)
    assert got.status_code == 200 and got.content == package
    assert serving.counted("nuget", "Lost.Here") == {"1.0.0": 1}

    serving.lose(package)
    gone = client.get(url, auth=AUTH)
    assert gone.status_code == 404, gone.text
    assert serving.counted("nuget", "Lost.Here") == {"1.0.0": 1}
