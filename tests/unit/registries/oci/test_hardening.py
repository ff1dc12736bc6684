"""`/v2/` against what no OCI client sends: manifests nested 100,000 deep, sizes no int64
holds, 200,000 layers, page sizes out of range, hostile query text — each the spec's 4xx,
never a 500, and a manifest's size refused before it is parsed (after who may push)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from packyard.domain import oci
from packyard.registries.oci.app import challenge_scope
from packyard.registries.oci.errors import error_response
from packyard.registries.oci.naming import ContainerNaming
from packyard.registries.oci.routes import Action
from tests.conftest import ALICE
from tests.unit.registries.conftest import CAROL

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
REPO = "/v2/alice/app"
CONFIG, LAYER = b"{}", b"a layer"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def basic(token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"x:{token}".encode()).decode()}


@pytest.fixture
def client(client: TestClient) -> TestClient:
    """The shared app (with carol), and alice's config and layer in alice/app."""
    for blob in (CONFIG, LAYER):
        pushed = client.post(
            f"{REPO}/blobs/uploads/",
            params={"digest": sha(blob)},
            content=blob,
            headers=basic(ALICE),
        )
        assert pushed.status_code == 201
    return client


def descriptor(data: bytes, size: int | None = None, kind: str = "layer.v1.tar") -> dict[str, Any]:
    return {
        "mediaType": f"application/vnd.oci.image.{kind}",
        "digest": sha(data),
        "size": len(data) if size is None else size,
    }


def manifest(layers: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor(CONFIG, kind="config.v1+json"),
        "layers": [descriptor(LAYER)] if layers is None else layers,
        **extra,
    }


def put(client: TestClient, body: Any, reference: str = "v1", token: str = ALICE) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": OCI_MANIFEST, **basic(token)}
    return client.put(f"{REPO}/manifests/{reference}", content=content, headers=headers)


def code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["errors"][0]["code"]


def test_a_plain_manifest_is_still_taken(client: TestClient) -> None:
    assert put(client, manifest()).status_code == 201


HUGE = 2**63
SURROGATE = b'"\\ud800"'


@pytest.mark.parametrize(
    ("shape", "body"),
    [
        ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000),
        ("nested 100,000 deep in a field", b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        ("a layer of 2^63 bytes", manifest([descriptor(LAYER, HUGE)])),
        ("a layer of -1 bytes", manifest([descriptor(LAYER, -1)])),
        ("a config of 10^30 bytes", manifest(config=descriptor(CONFIG, 10**30))),
        ("a number of 5,000 digits", b'{"schemaVersion": ' + b"2" * 5000 + b"}"),
        ("mediaType: a list", manifest(mediaType=[OCI_MANIFEST])),
        (
            "an annotation: a lone surrogate",
            json.dumps(manifest(annotations={"a": "X"})).encode().replace(b'"X"', SURROGATE),
        ),
    ],
)
def test_a_malformed_manifest_is_manifest_invalid(
    client: TestClient, shape: str, body: Any
) -> None:
    assert code(put(client, body)) == (400, "MANIFEST_INVALID"), shape


def test_a_manifest_over_4_mb_is_refused_before_it_is_parsed(client: TestClient) -> None:
    """200,000 layers (31 MB): distribution's 4 MB limit, the spec's 413."""
    layers = [descriptor(LAYER)] * 200_000
    body = json.dumps(manifest(layers)).encode()
    assert len(body) > oci.MAX_MANIFEST_SIZE
    assert code(put(client, body)) == (413, "SIZE_INVALID")
    listed = client.get(f"{REPO}/tags/list", headers=basic(ALICE))
    assert code(listed) == (404, "NAME_UNKNOWN")  # no manifest, so no package yet


def test_a_manifest_of_exactly_4_mb_is_read(client: TestClient) -> None:
    body = json.dumps(manifest(annotations={"pad": ""})).encode()
    padded = body.replace(
        b'"pad": ""', b'"pad": "' + b"x" * (oci.MAX_MANIFEST_SIZE - len(body)) + b'"'
    )
    assert len(padded) == oci.MAX_MANIFEST_SIZE
    assert put(client, padded).status_code == 201


def test_who_may_push_is_asked_before_the_size(client: TestClient) -> None:
    """A stranger's oversized manifest is the stranger's refusal, not a size error: the
    body is not read."""
    body = b"x" * (oci.MAX_MANIFEST_SIZE + 1)
    assert code(put(client, body, token=CAROL)) == (403, "DENIED")


def test_the_size_error_renders_as_the_spec_says() -> None:
    response = error_response(oci.ManifestTooLarge("too large"), "challenge")
    assert response.status == 413
    assert orjson.loads(response.payload())["errors"][0]["code"] == "SIZE_INVALID"


# tags/list ----------------------------------------------------------------------------


@pytest.fixture
def tagged(client: TestClient) -> TestClient:
    for tag in ("a", "b", "c"):
        assert put(client, manifest(), tag).status_code == 201
    return client


@pytest.mark.parametrize(
    "n", ["-1", "99999999999999999999", "1" * 5000, "10001", "١٠", "1.5", "0x10", " 1"]
)
def test_a_page_size_out_of_range_is_pagination_number_invalid(tagged: TestClient, n: str) -> None:
    answer = tagged.get(f"{REPO}/tags/list", params={"n": n}, headers=basic(ALICE))
    assert code(answer) == (400, "PAGINATION_NUMBER_INVALID")


LINK = re.compile(r'</v2/alice/app/tags/list\?n=\d+&last=[A-Za-z0-9_][A-Za-z0-9._-]*>; rel="next"')


@pytest.mark.parametrize(
    "query",
    [
        "n=1",
        "n=1&last=",
        "n=1&x=%3E%3B%20rel%3D%22next%22%2C%20%3Chttp%3A%2F%2Fevil.example%2F",
        "n=1&last=%E2%98%83&x=%E2%98%83",
        "n=1&last=%FF",
    ],
)
def test_link_is_built_only_from_validated_values(tagged: TestClient, query: str) -> None:
    answer = tagged.get(f"{REPO}/tags/list?{query}", headers=basic(ALICE))
    assert answer.status_code == 200
    link = answer.headers.get("link")
    assert link is None or LINK.fullmatch(link), link


def test_pages_follow_their_links(tagged: TestClient) -> None:
    seen, url = [], f"{REPO}/tags/list?n=2"
    while url:
        answer = tagged.get(url, headers=basic(ALICE))
        seen += answer.json()["tags"]
        link = answer.headers.get("link")
        url = link[1 : link.index(">")] if link else ""
    assert seen == ["a", "b", "c"]


# what the store cannot hold ---------------------------------------------------------------

LONG_TYPE = "application/vnd.example." + "x" * 240 + "+json"  # 269 characters


@pytest.mark.parametrize(
    "changes",
    [
        {"artifactType": LONG_TYPE},
        {"layers": [{**descriptor(LAYER), "mediaType": LONG_TYPE}]},
        {"config": {**descriptor(CONFIG), "mediaType": LONG_TYPE}},
    ],
    ids=["artifactType", "layer-mediaType", "config-mediaType"],
)
def test_a_media_type_longer_than_the_store_holds_is_manifest_invalid(
    client: TestClient, changes: dict[str, Any]
) -> None:
    # RFC 6838 bounds a media type at 127 + 1 + 127 characters; the columns holding them are
    # VARCHAR(255), and PostgreSQL refused a longer one with a 500.
    answer = put(client, manifest(**changes))
    assert code(answer) == (400, "MANIFEST_INVALID"), answer.text
    assert client.get(f"{REPO}/manifests/v1", headers=basic(ALICE)).status_code == 404


# the 401 challenge ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        'alice/app",scope="repository:alice/secret:push',  # a quote: a second scope
        "alice/app%22,realm=%22http://evil.example",
        "alice/app%0d%0aSet-Cookie:%20x=1",  # CR/LF: a header of its own
        "alice/%C3%A9t%C3%A9",  # é: not Latin-1 safe once encoded, and no OCI name
        "alice/%E2%98%83",  # ☃: beyond Latin-1
        "Alice/App",  # upper case: no OCI name either
    ],
)
def test_a_challenge_names_only_a_valid_repository(client: TestClient, raw: str) -> None:
    answer = client.get(f"/v2/{raw}/tags/list")
    assert answer.status_code in (400, 401), answer.text
    challenge = answer.headers.get("WWW-Authenticate")
    if challenge is not None:
        assert "scope=" not in challenge, challenge
        assert challenge.startswith('Bearer realm="http://testserver/v2/token"'), challenge
        assert challenge.count('"') == 4, challenge


@pytest.mark.parametrize(
    "name",
    [
        'alice/app",scope="repository:alice/secret:push',
        "alice/app\r\nSet-Cookie: x=1",
        "alice/\u2603",
        "Alice/App",
        "",
        "a" * 256,
    ],
)
def test_the_scope_is_left_out_for_what_is_no_repository_name(name: str) -> None:
    assert challenge_scope(name, Action.PULL) == ""


def test_a_challenge_names_a_valid_repository_as_sent(client: TestClient) -> None:
    answer = client.get("/v2/alice/app/tags/list")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].endswith(',scope="repository:alice/app:pull"')


def test_a_layer_past_the_limit_is_refused_before_it_is_stored(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub caps a layer (GHCR 10 GB, its Docker registry 5 GB); the cap is shrunk here
    so the test need not send gigabytes. A declared length past it is refused unread, and
    chunks that would grow an upload past it are refused before they are stored."""
    monkeypatch.setattr(ContainerNaming, "max_blob_size", 1_000)
    blob = b"x" * 1_001
    whole = client.post(
        f"{REPO}/blobs/uploads/", params={"digest": sha(blob)}, content=blob, headers=basic(ALICE)
    )
    assert whole.status_code == 413
    assert whole.json()["errors"][0]["code"] == "SIZE_INVALID"
    started = client.post(f"{REPO}/blobs/uploads/", headers=basic(ALICE))
    assert started.status_code == 202
    location = started.headers["location"]
    first = client.patch(location, content=b"y" * 600, headers=basic(ALICE))
    assert first.status_code == 202 and first.headers["range"] == "0-599"
    second = client.patch(first.headers["location"], content=b"y" * 600, headers=basic(ALICE))
    assert second.status_code == 413
    assert second.json()["errors"][0]["code"] == "SIZE_INVALID"
    status = client.get(first.headers["location"], headers=basic(ALICE))
    assert status.status_code == 204 and status.headers["range"] == "0-599"  # nothing stored
    assert client.head(f"{REPO}/blobs/{sha(blob)}", headers=basic(ALICE)).status_code == 404
