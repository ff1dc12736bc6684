"""The npm registry against what no npm client sends: versions npm itself refuses, a publish
without its tarballs, and malformed bodies — each answered with npm's 400 and nothing stored,
never a 500, and never a packument that fails its readers."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from packyard import semver
from packyard.domain.npm import MAX_SAFE_INTEGER, is_valid_version
from packyard.registries.npm.app import NpmApp
from packyard.storage.db import tables as t
from packyard.storage.db.store import SqlStore
from tests.conftest import ALICE
from tests.unit.registries.conftest import CAROL

NAME = "@alice/hello"
URL = "/_registry/npm/@alice%2fhello"
TARBALL = b"a tarball's bytes"
AUTH = {"Authorization": f"Bearer {ALICE}"}


def document(version: str = "1.0.0", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": NAME,
        "name": NAME,
        "versions": {version: {"name": NAME, "version": version}},
        "dist-tags": {"latest": version},
        "_attachments": {
            f"hello-{version}.tgz": {"data": base64.b64encode(TARBALL).decode(), "length": 17}
        },
    }
    doc.update(changes)
    return doc


def put(client: TestClient, body: Any, path: str = URL) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {**AUTH, "Content-Type": "application/json"}
    return client.put(path, content=content, headers=headers)


def published(client: TestClient) -> list[str]:
    answer = client.get(URL, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["versions"])


# versions npm refuses -----------------------------------------------------------------

LONGEST = "1.0.0-" + "a" * 250  # 256 characters


@pytest.mark.parametrize(
    ("version", "valid"),
    [
        ("1.0.0", True),
        (f"{MAX_SAFE_INTEGER}.{MAX_SAFE_INTEGER}.{MAX_SAFE_INTEGER}", True),
        (f"{MAX_SAFE_INTEGER + 1}.0.0", False),
        (f"0.{MAX_SAFE_INTEGER + 1}.0", False),
        (f"0.0.{MAX_SAFE_INTEGER + 1}", False),
        ("1" * 4301 + ".0.0", False),
        (LONGEST, True),
        (LONGEST + "a", False),
        ("01.0.0", False),
    ],
)
def test_versions_within_node_semvers_bounds(version: str, valid: bool) -> None:
    assert is_valid_version(version) is valid


def test_a_version_npm_would_refuse_is_refused_and_the_packument_still_reads(
    client: TestClient,
) -> None:
    assert put(client, document()).status_code == 201
    poison = "1" * 4301 + ".0.0"
    answer = put(client, document(poison))
    assert answer.status_code == 400 and "not a valid semver version" in answer.json()["error"]
    too_big = f"{MAX_SAFE_INTEGER + 1}.0.0"
    assert put(client, document(too_big)).status_code == 400
    assert published(client) == ["1.0.0"]


def test_a_stored_version_npm_would_refuse_is_left_out_of_the_packument(
    client: TestClient, store: SqlStore
) -> None:
    """Rows from before the bound: every reader of the packument still gets it, and a
    delete that moves `latest` still works."""
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        assert put(client, document(version)).status_code == 201
    # What was stored before the bound: on SQLite the 4,301 digits that made int() raise;
    # PostgreSQL's VARCHAR(255) never held those, so there a number past MAX_SAFE_INTEGER.
    sqlite = store.engine.dialect.name == "sqlite"
    poison = ("1" * 4301 if sqlite else "1" * 200) + ".0.0"
    with store.engine.begin() as conn:
        conn.execute(update(t.versions).where(t.versions.c.name == "1.1.0").values(name=poison))
    full = client.get(URL, headers=AUTH)
    assert full.status_code == 200 and list(full.json()["versions"]) == ["1.0.0", "1.2.0"]
    abbreviated = client.get(URL, headers={**AUTH, "Accept": "application/vnd.npm.install-v1+json"})
    assert abbreviated.status_code == 200
    listed = client.get("/api/v3/user/packages/npm/hello/versions", headers=AUTH).json()
    latest = next(v["id"] for v in listed if v["name"] == "1.2.0")
    deleted = client.delete(f"/api/v3/user/packages/npm/hello/versions/{latest}", headers=AUTH)
    assert deleted.status_code == 204
    after = client.get(URL, headers=AUTH).json()
    assert after["dist-tags"] == {"latest": "1.0.0"}


# a publish without its tarballs --------------------------------------------------------


def test_a_publish_without_attachments_is_npms_400_and_publishes_nothing(
    client: TestClient,
) -> None:
    assert put(client, document()).status_code == 201
    bare = document("2.0.0")
    del bare["_attachments"]
    answer = put(client, bare)
    assert answer.status_code == 400
    assert answer.json() == {"error": "no tarball hello-2.0.0.tgz attached for 2.0.0"}
    empty = document("2.0.0", _attachments={})
    assert put(client, empty).status_code == 400
    assert published(client) == ["1.0.0"]


def test_a_first_publish_without_attachments_is_a_400_too(client: TestClient) -> None:
    bare = document()
    del bare["_attachments"]
    assert put(client, bare).status_code == 400
    assert client.get(URL, headers=AUTH).status_code == 404


def test_npm_deprecate_puts_the_packument_back_without_attachments(client: TestClient) -> None:
    assert put(client, document()).status_code == 201
    packument = client.get(URL, headers=AUTH).json()
    packument["versions"]["1.0.0"]["deprecated"] = "use 2"
    assert put(client, packument).status_code == 201
    assert client.get(URL, headers=AUTH).json()["versions"]["1.0.0"]["deprecated"] == "use 2"
    packument["versions"]["1.0.0"]["deprecated"] = ""
    assert put(client, packument).status_code == 201
    assert "deprecated" not in client.get(URL, headers=AUTH).json()["versions"]["1.0.0"]


# malformed bodies ---------------------------------------------------------------------


def with_version(**fields: Any) -> dict[str, Any]:
    doc = document()
    doc["versions"]["1.1.0"] = doc["versions"].pop("1.0.0") | fields
    doc["_attachments"] = {"hello-1.1.0.tgz": doc["_attachments"].pop("hello-1.0.0.tgz")}
    return doc


def attachment(value: Any) -> dict[str, Any]:
    return document("1.1.0", _attachments={"hello-1.1.0.tgz": value})


DEEP = b"[" * 100_000 + b"]" * 100_000
SURROGATE = b'"\\ud800"'


def raw_with(key: str, value: bytes) -> bytes:
    """A publish whose version document's `key` is `value`, as raw JSON text."""
    text = json.dumps(with_version(**{key: "X"})).encode()
    return text.replace(b'"X"', value, 1)


MALFORMED: list[tuple[str, Any]] = [
    ("broken JSON", b'{"name": '),
    ("bytes that are not UTF-8", b"\xff\xfe{}"),
    ("an array body", []),
    ("a string body", "hello"),
    ("a number body", 1),
    ("nesting 100,000 deep", DEEP),
    ("a number of 5,000 digits", b'{"n": ' + b"1" * 5000 + b"}"),
    ("versions: a list", document(versions=["1.0.0"])),
    ("versions: a string", document(versions="1.0.0")),
    ("a version document: a list", document(versions={"1.0.0": []})),
    ("_attachments: a list", document(_attachments=[{"data": "eA=="}])),
    ("_attachments: a string", document(_attachments="hello-1.0.0.tgz")),
    ("an attachment: a list", attachment(["eA=="])),
    ("an attachment's data: a number", attachment({"data": 12})),
    ("an attachment's data: not base64", attachment({"data": "!!!"})),
    ("an attachment's data: beyond ASCII", attachment({"data": "é"})),
    ("dist: a list", with_version(dist=["x"])),
    ("dist-tags: a list", document(**{"dist-tags": ["latest"]})),
    ("dist-tags: a version that is a list", document(**{"dist-tags": {"latest": ["1.0.0"]}})),
    ("deprecated: an object", with_version(deprecated={"why": "old"})),
    ("deprecated: a lone surrogate", raw_with("deprecated", SURROGATE)),
    ("a field: a lone surrogate", raw_with("description", SURROGATE)),
    ("a version of 4,301 digits", document("1" * 4301 + ".0.0")),
]


@pytest.mark.parametrize(("shape", "body"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_publish_is_npms_400(client: TestClient, shape: str, body: Any) -> None:
    answer = put(client, body)
    assert answer.status_code == 400, (shape, answer.status_code, answer.text)
    assert isinstance(answer.json()["error"], str)


def test_malformed_bodies_elsewhere_are_400s_and_change_nothing(client: TestClient) -> None:
    assert put(client, document()).status_code == 201
    deprecate = client.get(URL, headers=AUTH).json()
    deprecate["versions"]["1.0.0"]["deprecated"] = ["no"]
    tag = "/_registry/npm/-/package/@alice%2fhello/dist-tags/beta"
    answers = {
        "deprecated: a list": put(client, deprecate),
        "unpublish: versions a list": put(client, {"versions": ["1.0.0"]}, f"{URL}/-rev/1-x"),
        "unpublish: an array body": put(client, [], f"{URL}/-rev/1-x"),
        "dist-tag: an object": put(client, {"version": "1.0.0"}, tag),
        "dist-tag: nesting 100,000 deep": put(client, DEEP, tag),
        "login: an array body": put(client, [], "/_registry/npm/-/user/org.couchdb.user:alice"),
    }
    # 200,000 characters of nesting are past a dist-tag's bound: refused unparsed.
    expected = {"dist-tag: nesting 100,000 deep": 413}
    refused = {
        shape: a.status_code
        for shape, a in answers.items()
        if a.status_code != expected.get(shape, 400)
    }
    assert not refused
    assert client.get(URL, headers=AUTH).json()["dist-tags"] == {"latest": "1.0.0"}
    assert published(client) == ["1.0.0"]


def test_a_version_too_long_to_be_a_number_is_no_version_to_the_sdk_either() -> None:
    """The SDK's retention policies read every version name of a package with the same
    module: a name left by an old server is skipped, not a crash of `packyard prune`."""
    poison = "1" * 4301 + ".0.0"
    assert semver.parse(poison) is None and semver.parse_strict(poison) is None
    assert not semver.is_prerelease(poison + "-rc.1")
    assert semver.sort_key(poison) == (0, 0, 0, 0, ())


# what the store cannot hold ---------------------------------------------------------------


def test_a_tarball_name_longer_than_the_store_holds_is_npms_400(client: TestClient) -> None:
    # `hello-VERSION.tgz` from a valid 250-character version is 260 characters, and a file's
    # name is a VARCHAR(255): PostgreSQL refused the row with a 500 (SQLite holds anything).
    version = "1.0.0-" + "a" * 244
    answer = put(client, document(version))
    assert answer.status_code == 400, answer.text
    assert "255" in answer.json()["error"]
    assert client.get(URL, headers=AUTH).status_code == 404


# who may publish, asked before the body is read --------------------------------------------


@pytest.mark.parametrize(
    ("token", "status"),
    [(None, 401), (CAROL, 403)],
    ids=["anonymous", "stranger"],
)
@pytest.mark.parametrize("path", [URL, "/_registry/npm/@alice%2fabsent", f"{URL}/-rev/1-abc"])
def test_a_publish_nobody_may_make_is_refused_unread(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    token: str | None,
    status: int,
    path: str,
) -> None:
    # With a body past the registry's limit declared, a read would answer 413: the refusal
    # shows the body was never read, let alone parsed.
    monkeypatch.setattr(NpmApp, "body_limit", 1024)
    assert put(client, document()).status_code == 201  # alice's (within the limit)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    answer = client.put(path, content=b"{" + b" " * 4096 + b"}", headers=headers)
    assert answer.status_code == status, answer.text
    assert "error" in answer.json()


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/_registry/npm/-/package/@alice%2fhello/dist-tags/beta", 1024),
        ("/_registry/npm/-/user/org.couchdb.user:alice", 64 * 1024),
    ],
    ids=["dist-tag", "login"],
)
def test_small_documents_have_small_bounds(client: TestClient, path: str, limit: int) -> None:
    # A dist-tag names a version, a login a user and a token: neither is read whole up to
    # the 512 MiB a publish may need.
    body = b'"' + b"1" * limit + b'"'
    answer = client.put(path, content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == f"The request body is larger than the limit of {limit} bytes."
