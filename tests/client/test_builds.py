"""The SDK's SNAPSHOT build calls, and prune's `keep-snapshot-builds`, against the real app
in-process: builds are deployed to the Maven registry by raw PUTs, as `mvn deploy` sends them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from packyard.client import BadRequest, Build, Client, Forbidden, NotFound
from packyard.client.prune import Journal, Policy, Selection, apply_plan, make_plan, undo_run
from tests.conftest import ALICE, BOB_READ, Clock, seed

CAROL = "ghp_carol_admin_0000000000000000000000000"
SNAPSHOT = "1.0.0-SNAPSHOT"
STAMPS = ["20261130.101500-1", "20261130.101600-2", "20261130.101700-3"]


def deploy_build(
    http: httpx.Client,
    repository: str,
    token: str,
    stamp: str,
    version: str = SNAPSHOT,
    artifact: str = "com/example/snap",
) -> None:
    """One `mvn deploy` of a SNAPSHOT build (or, with a release `version`, of a release):
    the jar, then the pom, each with its sha1, Basic auth as Maven sends it."""
    base = version.removesuffix("-SNAPSHOT")
    name = artifact.rsplit("/", 1)[1]
    stem = f"{name}-{base}-{stamp}" if version.endswith("-SNAPSHOT") else f"{name}-{version}"
    pom = (
        "<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId>"
        f"<artifactId>{name}</artifactId><version>{version}</version></project>"
    ).encode()
    for file, data in ((f"{stem}.jar", f"jar of {stem}".encode()), (f"{stem}.pom", pom)):
        for path, body in ((file, data), (f"{file}.sha1", hashlib.sha1(data).hexdigest().encode())):
            answer = http.put(
                f"/_registry/maven/{repository}/{artifact}/{version}/{path}",
                content=body,
                auth=httpx.BasicAuth("someone", token),
            )
            assert answer.status_code == 200, (path, answer.status_code, answer.text)


@pytest.fixture
def http(app: Any, world: Any, store: Any, clock: Clock) -> Iterator[TestClient]:
    seed(
        store,
        {
            "tokens": [
                {
                    "user": "carol",
                    "token": CAROL,
                    "kind": "classic",
                    "scopes": ["read:packages", "write:packages", "delete:packages", "repo"],
                }
            ]
        },
        clock.now,
    )
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def snapshot_with_builds(http: httpx.Client, clock: Clock, repository: str, token: str) -> None:
    deploy_build(http, repository, token, "", version="0.9.0")
    for stamp in STAMPS:
        clock.advance(timedelta(minutes=1))
        deploy_build(http, repository, token, stamp)


def ids(client: Client, owner: str) -> dict[str, int]:
    return {v.name: v.id for v in client.iter_versions(owner, "maven", "com.example.snap")}


def names(builds: list[Build]) -> list[str]:
    return [b.name for b in builds]


def test_list_delete_and_restore_builds_as_the_owner(
    http: TestClient, clock: Clock, client_for: Any
) -> None:
    snapshot_with_builds(http, clock, "alice/tools", ALICE)
    client: Client = client_for(ALICE)
    versions = ids(client, "alice")
    where = ("alice", "maven", "com.example.snap", versions[SNAPSHOT])
    listed = client.list_builds(*where)
    assert names(listed) == STAMPS[::-1]  # newest first
    newest = listed[0]
    assert (newest.build_number, newest.timestamp) == (3, "20261130.101700")
    assert newest.created_at is not None and newest.deleted_at is None
    assert {f.name for f in newest.files} == {
        "snap-1.0.0-20261130.101700-3.jar",
        "snap-1.0.0-20261130.101700-3.pom",
    }
    assert all(f.size > 0 for f in newest.files)
    assert client.list_builds("alice", "maven", "com.example.snap", versions["0.9.0"]) == []

    oldest = listed[-1]
    client.delete_build(*where, oldest.id)
    assert names(client.list_builds(*where)) == STAMPS[:0:-1]
    [deleted] = client.list_builds(*where, state="deleted")
    assert deleted.id == oldest.id and deleted.deleted_at is not None
    client.restore_build(*where, oldest.id)
    assert names(client.list_builds(*where)) == STAMPS[::-1]
    assert client.list_builds(*where, state="deleted") == []

    with pytest.raises(NotFound, match="Build not found"):
        client.delete_build(*where, 999_999)
    with pytest.raises(NotFound, match="Build not found"):
        client.restore_build(*where, oldest.id)  # not deleted
    for build in listed[1:]:
        client.delete_build(*where, build.id)
    with pytest.raises(BadRequest):
        client.delete_build(*where, newest.id)  # the last active build goes with its version


def test_another_users_builds_and_an_organizations(
    http: TestClient, clock: Clock, client_for: Any
) -> None:
    snapshot_with_builds(http, clock, "alice/tools", ALICE)
    bob: Client = client_for(BOB_READ)
    assert bob.scope_of("alice") == "users"
    version_id = ids(bob, "alice")[SNAPSHOT]
    listed = bob.list_builds("alice", "maven", "com.example.snap", version_id)
    assert names(listed) == STAMPS[::-1]
    with pytest.raises(Forbidden):
        bob.delete_build("alice", "maven", "com.example.snap", version_id, listed[-1].id)

    snapshot_with_builds(http, clock, "acme/web", CAROL)
    carol: Client = client_for(CAROL)
    assert carol.scope_of("acme") == "org"
    version_id = ids(carol, "acme")[SNAPSHOT]
    where = ("acme", "maven", "com.example.snap", version_id)
    oldest = carol.list_builds(*where)[-1]
    carol.delete_build(*where, oldest.id)
    carol.restore_build(*where, oldest.id)
    assert names(carol.list_builds(*where)) == STAMPS[::-1]


def test_prune_trims_snapshots_and_undo_brings_the_builds_back(
    http: TestClient, clock: Clock, client_for: Any, tmp_path: Path
) -> None:
    snapshot_with_builds(http, clock, "alice/tools", ALICE)
    client: Client = client_for(ALICE)
    version_id = ids(client, "alice")[SNAPSHOT]
    where = ("alice", "maven", "com.example.snap", version_id)
    plan = make_plan(client, Selection("maven"), Policy(keep_snapshot_builds=1), now=clock.now)
    assert plan.deletion_count == 0 and plan.build_deletion_count == 2
    journal = Journal(tmp_path)
    run = apply_plan(client, plan, journal=journal, now=clock)
    assert run.count("deleted", builds=True) == 2 and run.exit_code == 0
    assert names(client.list_builds(*where)) == STAMPS[2:]
    assert sorted(ids(client, "alice")) == ["0.9.0", SNAPSHOT]
    metadata = http.get(
        f"/_registry/maven/alice/tools/com/example/snap/{SNAPSHOT}/maven-metadata.xml",
        auth=httpx.BasicAuth("someone", ALICE),
    ).text
    assert "<buildNumber>3</buildNumber>" in metadata and "101500" not in metadata

    report = undo_run(client, journal.load(run.run_id), journal=journal, now=clock)
    assert [r.outcome for r in report.restorations] == ["restored", "restored"]
    assert names(client.list_builds(*where)) == STAMPS[::-1]
