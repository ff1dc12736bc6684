"""What every registry door owes the others: nothing stored for a caller who may not push,
and one setting (`PACKYARD_GITHUB_EXACT`) that means the same through REST and /v2/."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from packyard.config import Settings
from packyard.server import create_app
from tests.conftest import ALICE, ALICE_OAUTH, BOB_READ, Clock

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
BIG = 100 * 1024


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def client(app: Any, world: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def big_manifest() -> bytes:
    config = {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": sha(b"{}"),
        "size": 2,
    }
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config,
            "layers": [],
            "annotations": {"padding": "x" * BIG},
        }
    ).encode()


def npm_publish(name: str, payload: bytes) -> dict[str, Any]:
    filename = f"{name.split('/')[1]}-1.0.0.tgz"
    return {
        "name": name,
        "versions": {"1.0.0": {"name": name, "version": "1.0.0"}},
        "dist-tags": {"latest": "1.0.0"},
        "_attachments": {filename: {"data": base64.b64encode(payload).decode()}},
    }


@pytest.mark.parametrize(
    ("who", "token", "status"),
    [("anonymous", None, 401), ("stranger", BOB_READ, 403), ("read-only", ALICE_OAUTH, 403)],
)
def test_refused_pushes_store_no_bytes(
    client: TestClient, settings: Settings, who: str, token: str | None, status: int
) -> None:
    blobs = settings.data_dir / "blobs"
    before = files_under(blobs)
    payload = b"\x00" * BIG
    manifest = big_manifest()
    answers = [
        client.put(
            "/v2/alice/fresh/manifests/v1",
            content=manifest,
            headers={"Content-Type": OCI_MANIFEST, **auth(token)},
        ),
        # pushing into an existing (public) package: readable, not writable
        client.put(
            "/v2/alice/tools/cli/manifests/v1",
            content=manifest,
            headers={"Content-Type": OCI_MANIFEST, **auth(token)},
        ),
        client.post(
            "/v2/alice/fresh/blobs/uploads/",
            params={"digest": sha(payload)},
            content=payload,
            headers=auth(token),
        ),
        client.put(
            "/_registry/npm/@alice%2ffresh",
            json=npm_publish("@alice/fresh", payload),
            headers=auth(token),
        ),
    ]
    assert [a.status_code for a in answers] == [status] * len(answers), who
    assert files_under(blobs) == before


def test_an_authorized_push_does_store(client: TestClient, settings: Settings) -> None:
    """The other side of the test above: the same requests from alice store their bytes."""
    blobs = settings.data_dir / "blobs"
    before = files_under(blobs)
    published = client.put(
        "/_registry/npm/@alice%2ffresh",
        json=npm_publish("@alice/fresh", b"\x00" * BIG),
        headers=auth(ALICE),
    )
    assert published.status_code == 201, published.text
    assert len(files_under(blobs)) == len(before) + 1


def push_index(http: httpx.Client | TestClient, repository: str) -> tuple[str, str]:
    """A tagged two-platform index; returns (index digest, one platform's digest)."""
    headers = auth(ALICE)
    config = b"{}"
    put = http.post(
        f"/v2/{repository}/blobs/uploads/",
        params={"digest": sha(config)},
        content=config,
        headers=headers,
    )
    assert put.status_code == 201, put.text
    children = []
    for arch in ("amd64", "arm64"):
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
                "annotations": {"arch": arch},
            }
        ).encode()
        done = http.put(
            f"/v2/{repository}/manifests/{sha(manifest)}",
            content=manifest,
            headers={"Content-Type": OCI_MANIFEST, **headers},
        )
        assert done.status_code == 201, done.text
        children.append(
            {
                "mediaType": OCI_MANIFEST,
                "digest": sha(manifest),
                "size": len(manifest),
                "platform": {"os": "linux", "architecture": arch},
            }
        )
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}).encode()
    done = http.put(
        f"/v2/{repository}/manifests/latest",
        content=index,
        headers={"Content-Type": OCI_INDEX, **headers},
    )
    assert done.status_code == 201, done.text
    return sha(index), children[0]["digest"]


def version_id(client: TestClient, name: str, digest: str) -> int:
    listed = client.get(
        f"/api/v3/users/alice/packages/container/{name.replace('/', '%2F')}/versions",
        headers=auth(ALICE),
    )
    assert listed.status_code == 200, listed.text
    return next(v["id"] for v in listed.json() if v["name"] == digest)


@pytest.mark.parametrize("exact", [False, True])
def test_github_exact_reaches_every_door(
    settings: Settings, engine: Engine, clock: Clock, world: Any, exact: bool
) -> None:
    """A platform of a tagged index: Packyard refuses to delete it (409) through REST and
    /v2/ alike; with PACKYARD_GITHUB_EXACT, both doors delete it as GitHub does."""
    app = create_app(replace(settings, github_exact=exact), engine, clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        _index, first = push_index(client, "alice/multi")
        second_index, second = push_index(client, "alice/multi2")
        by_rest = client.delete(
            f"/api/v3/users/alice/packages/container/multi/versions/"
            f"{version_id(client, 'multi', first)}",
            headers=auth(ALICE),
        )
        by_registry = client.delete(f"/v2/alice/multi2/manifests/{second}", headers=auth(ALICE))
    if exact:
        assert (by_rest.status_code, by_registry.status_code) == (204, 202)
    else:
        assert (by_rest.status_code, by_registry.status_code) == (409, 409)
        assert second_index in by_registry.json()["errors"][0]["message"]


def test_npm_answers_bad_json_in_its_own_words(client: TestClient) -> None:
    answer = client.put("/_registry/npm/@alice%2ffresh", content=b"{not json", headers=auth(ALICE))
    assert answer.status_code == 400
    assert answer.json() == {"error": "the request body is not JSON"}


@pytest.mark.parametrize("token", [None, BOB_READ], ids=["anonymous", "stranger"])
def test_a_private_repository_reads_as_a_missing_one(client: TestClient, token: str | None) -> None:
    """Every /v2/ route answers a caller who may not see alice's private repository exactly
    as it answers for a name nobody has taken (but for the name in the message)."""
    _index, _child = push_index(client, "alice/hidden")
    digest = sha(b"{}")

    def answers(repository: str) -> list[tuple[int, str]]:
        calls = [
            ("GET", f"/v2/{repository}/tags/list"),
            ("GET", f"/v2/{repository}/manifests/latest"),
            ("HEAD", f"/v2/{repository}/manifests/latest"),
            ("GET", f"/v2/{repository}/blobs/{digest}"),
            ("HEAD", f"/v2/{repository}/blobs/{digest}"),
            ("DELETE", f"/v2/{repository}/blobs/{digest}"),
            ("DELETE", f"/v2/{repository}/manifests/latest"),
            ("GET", f"/v2/{repository}/referrers/{digest}"),
            ("POST", f"/v2/{repository}/blobs/uploads/"),
        ]
        found = []
        for method, path in calls:
            answer = client.request(method, path, headers=auth(token))
            body = answer.text.replace(repository, "NAME")
            found.append((answer.status_code, body))
        return found

    assert answers("alice/hidden") == answers("alice/never-pushed")
