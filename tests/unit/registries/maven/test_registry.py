"""The Maven registry through the whole ASGI app: deploys, reads, GitHub's rules, and what
the REST API sees of them. The real `mvn` is driven in tests/protocols."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from packyard.core.gc import collect_garbage
from packyard.server import registered_formats
from packyard.storage.db.store import SqlStore
from tests.conftest import ACTIONS_WEB, ALICE, ALICE_OAUTH, BOB_READ, Clock, seed

REPO = "/_registry/maven/alice/tools"
HELLO = "com/example/hello"
NO_SCOPES = "ghp_bob_no_scopes_000000000000000000000000"
JAR = b"PK\x03\x04 a jar"
POM = b"<project><modelVersion>4.0.0</modelVersion></project>"


@pytest.fixture
def client(app: Any, world: Any, store: SqlStore, clock: Clock) -> Iterator[TestClient]:
    seed(
        store,
        {"tokens": [{"user": "bob", "token": NO_SCOPES, "kind": "classic", "scopes": []}]},
        clock.now,
    )
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def basic(token: str | None) -> httpx.BasicAuth | None:
    return httpx.BasicAuth("someone", token) if token else None


def put(client: TestClient, path: str, data: bytes, token: str | None = ALICE) -> httpx.Response:
    return client.put(path, content=data, auth=basic(token))


def get(client: TestClient, path: str, token: str | None = ALICE) -> httpx.Response:
    return client.get(path, auth=basic(token))


def deploy(
    client: TestClient,
    version: str,
    files: dict[str, bytes],
    repo: str = REPO,
    token: str = ALICE,
    artifact: str = HELLO,
) -> None:
    for name, data in files.items():
        for path, body in (
            (f"{repo}/{artifact}/{version}/{name}", data),
            (f"{repo}/{artifact}/{version}/{name}.sha1", hashlib.sha1(data).hexdigest().encode()),
        ):
            answer = put(client, path, body, token)
            assert answer.status_code == 200, (path, answer.status_code, answer.text)


def versions(client: TestClient, name: str = "com.example.hello") -> dict[str, int]:
    listed = client.get(
        f"/api/v3/user/packages/maven/{name}/versions", headers={"Authorization": f"Bearer {ALICE}"}
    )
    assert listed.status_code == 200, listed.text
    return {v["name"]: v["id"] for v in listed.json()}


def test_a_deployed_release_resolves_with_checksums_and_generated_metadata(
    client: TestClient,
) -> None:
    deploy(client, "1.0.0", {"hello-1.0.0.pom": POM, "hello-1.0.0.jar": JAR})
    jar = get(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar")
    assert jar.status_code == 200 and jar.content == JAR
    assert jar.headers["content-type"] == "application/java-archive"
    for algorithm in ("md5", "sha1", "sha256", "sha512"):
        sum_ = get(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar.{algorithm}")
        assert sum_.text == hashlib.new(algorithm, JAR).hexdigest()
    metadata = get(client, f"{REPO}/{HELLO}/maven-metadata.xml")
    assert "<release>1.0.0</release>" in metadata.text
    assert "<version>1.0.0</version>" in metadata.text
    sha1 = get(client, f"{REPO}/{HELLO}/maven-metadata.xml.sha1").text
    assert sha1 == hashlib.sha1(metadata.content).hexdigest()
    assert (
        client.head(f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar", auth=basic(ALICE)).status_code == 200
    )
    assert list(versions(client)) == ["1.0.0"]


def test_reads_ask_for_basic_credentials_first_even_for_public_packages(client: TestClient) -> None:
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR})
    anonymous = get(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar", None)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic ")
    # alice/tools is public: any token that may read packages resolves it.
    assert get(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar", BOB_READ).content == JAR


def test_a_release_file_is_immutable(client: TestClient) -> None:
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR})
    again = put(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar", b"other bytes")
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("text/plain")
    assert "cannot be replaced" in again.text
    assert get(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar").content == JAR


def test_a_mismatching_checksum_is_refused_and_nothing_is_stored(client: TestClient) -> None:
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR})
    wrong = put(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar.sha1", b"0" * 40)
    assert wrong.status_code == 400 and "does not match" in wrong.text
    assert get(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar.sha1").text == (
        hashlib.sha1(JAR).hexdigest()
    )


def test_upper_case_artifact_ids_are_refused_with_422(client: TestClient) -> None:
    answer = put(client, f"{REPO}/com/example/Hello/1.0.0/Hello-1.0.0.jar", JAR)
    assert answer.status_code == 422


def test_the_same_coordinates_cannot_come_from_another_repository(
    client: TestClient, store: SqlStore, clock: Clock
) -> None:
    seed(store, {"repositories": [{"owner": "alice", "name": "other"}]}, clock.now)
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR})
    elsewhere = put(client, f"/_registry/maven/alice/other/{HELLO}/1.1.0/hello-1.1.0.jar", JAR)
    assert elsewhere.status_code == 409
    # Read through the other repository, the package is not there; through `*` it is.
    assert get(client, f"/_registry/maven/alice/other/{HELLO}/maven-metadata.xml").status_code == (
        404
    )
    assert get(client, f"/_registry/maven/alice/*/{HELLO}/1.0.0/hello-1.0.0.jar").content == JAR
    assert put(client, f"/_registry/maven/alice/*/{HELLO}/2.0/hello-2.0.jar", JAR).status_code == (
        400
    )


def test_deploying_needs_write_on_the_repository_and_write_packages(client: TestClient) -> None:
    path = f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar"
    assert put(client, path, JAR, None).status_code == 401
    assert put(client, path, JAR, BOB_READ).status_code == 403  # reads alice/tools, no write
    assert put(client, path, JAR, ALICE_OAUTH).status_code == 403  # no write:packages
    assert get(client, path).status_code == 404  # nothing was stored


def test_strangers_and_tokens_without_read_packages_learn_nothing(client: TestClient) -> None:
    web = "/_registry/maven/acme/web"
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR}, repo=web, token=ACTIONS_WEB)
    there = f"{web}/{HELLO}/1.0.0/hello-1.0.0.jar"
    missing = f"{web}/com/example/nothing/1.0.0/nothing-1.0.0.jar"
    assert get(client, there, ACTIONS_WEB).content == JAR
    for token, status in ((BOB_READ, 404), (NO_SCOPES, 403)):
        found, absent = get(client, there, token), get(client, missing, token)
        assert (found.status_code, absent.status_code) == (status, status)
        assert found.text.replace("hello", "nothing") == absent.text
    # A repository that does not exist looks like one the caller may not see.
    unknown = get(client, f"/_registry/maven/acme/nope/{HELLO}/maven-metadata.xml", BOB_READ)
    hidden = get(client, f"{web}/{HELLO}/maven-metadata.xml", BOB_READ)
    assert (unknown.status_code, unknown.text) == (404, hidden.text.replace("web", "nope"))


def test_snapshot_builds_are_one_version_and_the_newest_build_is_served(
    client: TestClient,
) -> None:
    snapshot = "1.1.0-SNAPSHOT"
    for number, data in ((1, b"first"), (2, b"second")):
        stamp = f"20261130.10150{number}-{number}"
        deploy(
            client,
            snapshot,
            {f"hello-1.1.0-{stamp}.jar": data, f"hello-1.1.0-{stamp}-sources.jar": data},
        )
    metadata = get(client, f"{REPO}/{HELLO}/{snapshot}/maven-metadata.xml").text
    assert "<buildNumber>2</buildNumber>" in metadata
    assert metadata.count("<value>1.1.0-20261130.101502-2</value>") == 2
    assert "<classifier>sources</classifier>" in metadata
    artifact = get(client, f"{REPO}/{HELLO}/maven-metadata.xml").text
    assert "<latest>1.1.0-SNAPSHOT</latest>" in artifact and "<release>" not in artifact
    assert list(versions(client)) == [snapshot]


def test_a_primary_file_get_counts_one_download_and_nothing_else_does(client: TestClient) -> None:
    deploy(client, "1.0.0", {"hello-1.0.0.pom": POM, "hello-1.0.0.jar": JAR})
    deploy(client, "2.0.0", {"hello-2.0.0.pom": POM})  # `pom` packaging: the pom is primary
    for path in (
        "1.0.0/hello-1.0.0.jar",
        "1.0.0/hello-1.0.0.jar",
        "1.0.0/hello-1.0.0.pom",
        "1.0.0/hello-1.0.0.jar.sha1",
        "2.0.0/hello-2.0.0.pom",
    ):
        assert get(client, f"{REPO}/{HELLO}/{path}").status_code == 200
    client.head(f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar", auth=basic(ALICE))
    get(client, f"{REPO}/{HELLO}/maven-metadata.xml")
    ids = versions(client)
    downloads = client.get(
        "/api/v3/_packyard/user/packages/maven/com.example.hello/downloads",
        params={"since": "2000-01-01"},
        headers={"Authorization": f"Bearer {ALICE}"},
    ).json()
    counted = {v["id"]: v["downloads"] for v in downloads["versions"]}
    assert counted == {ids["1.0.0"]: 2, ids["2.0.0"]: 1}


def test_rest_deletes_move_the_metadata_and_a_restore_brings_it_back_byte_identical(
    client: TestClient,
) -> None:
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR})
    deploy(client, "1.1.0", {"hello-1.1.0.jar": JAR + b"1"})
    before = get(client, f"{REPO}/{HELLO}/maven-metadata.xml").content
    version_id = versions(client)["1.1.0"]
    url = f"/api/v3/user/packages/maven/com.example.hello/versions/{version_id}"
    headers = {"Authorization": f"Bearer {ALICE}"}
    assert client.delete(url, headers=headers).status_code == 204
    during = get(client, f"{REPO}/{HELLO}/maven-metadata.xml").text
    assert "<release>1.0.0</release>" in during and "1.1.0" not in during
    assert get(client, f"{REPO}/{HELLO}/1.1.0/hello-1.1.0.jar").status_code == 404
    assert client.post(url + "/restore", headers=headers).status_code == 204
    assert get(client, f"{REPO}/{HELLO}/maven-metadata.xml").content == before
    # The last version of a Maven package cannot be deleted on its own (GitHub's 400).
    only = versions(client)
    client.delete(
        f"/api/v3/user/packages/maven/com.example.hello/versions/{only['1.0.0']}", headers=headers
    )
    last = client.delete(url, headers=headers)
    assert last.status_code == 400


def test_uploaded_metadata_is_checked_and_its_checksums_accepted(client: TestClient) -> None:
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR})
    uploaded = (
        b"<?xml version='1.0'?><metadata><groupId>com.example</groupId>"
        b"<artifactId>hello</artifactId><versioning/></metadata>"
    )
    assert put(client, f"{REPO}/{HELLO}/maven-metadata.xml", uploaded).status_code == 200
    sha1 = hashlib.sha1(uploaded).hexdigest().encode()
    assert put(client, f"{REPO}/{HELLO}/maven-metadata.xml.sha1", sha1).status_code == 200
    wrong = uploaded.replace(b"hello", b"other")
    assert put(client, f"{REPO}/{HELLO}/maven-metadata.xml", wrong).status_code == 400
    assert put(client, f"{REPO}/{HELLO}/maven-metadata.xml", b"<not xml").status_code == 400
    assert put(client, f"{REPO}/{HELLO}/maven-metadata.xml.md5", b"0" * 32).status_code == 400
    served = get(client, f"{REPO}/{HELLO}/maven-metadata.xml").content
    assert served != uploaded  # the server's own, never the upload


@pytest.mark.parametrize("encoding", ["utf-4", "cp932", "hex"])
def test_uploaded_metadata_in_an_encoding_that_cannot_be_read_is_a_400(
    client: TestClient, encoding: str
) -> None:
    # utf-4: no such codec (LookupError); cp932: multi-byte, which expat refuses
    # (ValueError); hex: a codec, but not a text encoding (LookupError). Each was a 500.
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR})
    uploaded = (
        f'<?xml version="1.0" encoding="{encoding}"?><metadata><groupId>com.example</groupId>'
        "<artifactId>hello</artifactId><versioning/></metadata>"
    ).encode()
    answer = put(client, f"{REPO}/{HELLO}/maven-metadata.xml", uploaded)
    assert answer.status_code == 400, answer.text
    assert "encoding" in answer.text


def deploy_builds(client: TestClient, clock: Clock, count: int) -> str:
    """`count` SNAPSHOT deploys of 1.1.0-SNAPSHOT, a minute apart; the builds URL."""
    for number in range(1, count + 1):
        stamp = f"20261130.10150{number}-{number}"
        deploy(
            client,
            "1.1.0-SNAPSHOT",
            {f"hello-1.1.0-{stamp}.pom": POM, f"hello-1.1.0-{stamp}.jar": b"build %d" % number},
        )
        clock.advance(timedelta(minutes=1))
    version_id = versions(client)["1.1.0-SNAPSHOT"]
    return f"/api/v3/_packyard/user/packages/maven/com.example.hello/versions/{version_id}/builds"


def test_a_snapshots_builds_are_listed_deleted_and_restored_one_by_one(
    client: TestClient, clock: Clock
) -> None:
    builds_url = deploy_builds(client, clock, 3)
    headers = {"Authorization": f"Bearer {ALICE}"}
    listed = client.get(builds_url, headers=headers).json()
    assert [b["name"] for b in listed] == [f"20261130.10150{n}-{n}" for n in (3, 2, 1)]
    assert listed[0]["build_number"] == 3 and listed[0]["timestamp"] == "20261130.101503"
    assert {f["name"] for f in listed[0]["files"]} == {
        "hello-1.1.0-20261130.101503-3.pom",
        "hello-1.1.0-20261130.101503-3.jar",
    }
    newest = listed[0]["id"]
    assert client.delete(f"{builds_url}/{newest}", headers=headers).status_code == 204
    metadata = get(client, f"{REPO}/{HELLO}/1.1.0-SNAPSHOT/maven-metadata.xml").text
    assert "<buildNumber>2</buildNumber>" in metadata
    gone = f"{REPO}/{HELLO}/1.1.0-SNAPSHOT/hello-1.1.0-20261130.101503-3.jar"
    assert get(client, gone).status_code == 404
    deleted = client.get(builds_url, params={"state": "deleted"}, headers=headers).json()
    assert [b["id"] for b in deleted] == [newest]
    assert client.post(f"{builds_url}/{newest}/restore", headers=headers).status_code == 204
    assert get(client, gone).content == b"build 3"
    # Strangers see no builds, exactly as no version; BOB_READ may read alice/tools.
    stranger = client.delete(f"{builds_url}/{newest}", headers={"Authorization": "Bearer x"})
    assert stranger.status_code == 401
    alices = builds_url.replace("/_packyard/user/", "/_packyard/users/alice/")
    bob = {"Authorization": f"Bearer {BOB_READ}"}
    assert len(client.get(alices, headers=bob).json()) == 3
    assert client.delete(f"{alices}/{newest}", headers=bob).status_code == 403  # delete:packages
    assert client.delete(f"{builds_url}/999", headers=headers).status_code == 404


def test_the_last_build_cannot_be_deleted_and_purged_builds_free_their_bytes(
    client: TestClient, clock: Clock, store: SqlStore, settings: Any
) -> None:
    builds_url = deploy_builds(client, clock, 2)
    headers = {"Authorization": f"Bearer {ALICE}"}
    oldest, newest = sorted(b["id"] for b in client.get(builds_url, headers=headers).json())
    assert client.delete(f"{builds_url}/{oldest}", headers=headers).status_code == 204
    last = client.delete(f"{builds_url}/{newest}", headers=headers)
    assert last.status_code == 400 and "only build" in last.json()["message"]
    clock.advance(timedelta(days=31))
    collect_garbage(store, clock.now, timedelta(days=30), registered_formats(settings), None)
    assert client.get(builds_url, params={"state": "deleted"}, headers=headers).json() == []
    with store.read() as tx:
        names = {f.name for f in tx.files.files_of(int(builds_url.split("/")[-2]))}
    assert names == {"hello-1.1.0-20261130.101502-2.pom", "hello-1.1.0-20261130.101502-2.jar"}


def test_checksum_bodies_that_are_not_hex_are_a_mismatch_not_an_error(client: TestClient) -> None:
    deploy(client, "1.0.0", {"hello-1.0.0.jar": JAR})
    for body in ("é".encode(), b"\xff\xfe", b"", b"zz" * 20):
        for path in ("1.0.0/hello-1.0.0.jar.sha1", "maven-metadata.xml.sha1"):
            answer = put(client, f"{REPO}/{HELLO}/{path}", body)
            assert answer.status_code == 400, (path, body, answer.text)
    spaced = hashlib.sha1(JAR).hexdigest().encode() + b"  hello-1.0.0.jar\n"  # sha1sum's form
    assert put(client, f"{REPO}/{HELLO}/1.0.0/hello-1.0.0.jar.sha1", spaced).status_code == 200


def test_a_deploy_to_a_repository_the_caller_cannot_see_is_one_to_a_missing_repository(
    client: TestClient,
) -> None:
    # bob (write:packages missing) and alice (every scope) are strangers to acme/web.
    for token in (BOB_READ, ALICE):
        hidden = put(client, f"/_registry/maven/acme/web/{HELLO}/1.0/hello-1.0.jar", JAR, token)
        missing = put(client, f"/_registry/maven/acme/nosuch/{HELLO}/1.0/hello-1.0.jar", JAR, token)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text == missing.text.replace("nosuch", "web")


def test_coordinates_longer_than_a_package_name_are_refused(client: TestClient) -> None:
    group = "/".join(["g" * 200] * 2)
    answer = put(client, f"{REPO}/{group}/a/1.0/a-1.0.jar", JAR)
    assert answer.status_code == 400
