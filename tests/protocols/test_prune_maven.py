"""`packyard prune --keep-snapshot-builds` as a user runs it, against a running Packyard:
a SNAPSHOT deployed three times by raw PUTs to the Maven registry (as `mvn deploy` sends
them), trimmed to its newest build, checked through the builds endpoint and what Maven reads
(the version-level maven-metadata.xml), then undone."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from packyard.client import Client
from tests.client.test_builds import SNAPSHOT, STAMPS, deploy_build
from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer
from tests.protocols.test_prune import prune, run_id

ARTIFACT = "com/example/snap"
PACKAGE = "com.example.snap"


def builds(server: LiveServer, state: str | None = None, package: str = PACKAGE) -> list[str]:
    with Client(token=ALICE, base_url=server.api) as client:
        versions = {v.name: v.id for v in client.iter_versions("alice", "maven", package)}
        found = client.list_builds("alice", "maven", package, versions[SNAPSHOT], state=state)
    return [b.name for b in found]


def maven_get(server: LiveServer, path: str, artifact: str = ARTIFACT) -> httpx.Response:
    return httpx.get(
        f"{server.url}/_registry/maven/alice/tools/{artifact}/{path}",
        auth=httpx.BasicAuth("alice", ALICE),
    )


def newest_build_in_metadata(server: LiveServer, artifact: str = ARTIFACT) -> str:
    answer = maven_get(server, f"{SNAPSHOT}/maven-metadata.xml", artifact)
    assert answer.status_code == 200, answer.text
    text = answer.text
    timestamp = text.split("<timestamp>")[1].split("</timestamp>")[0]
    number = text.split("<buildNumber>")[1].split("</buildNumber>")[0]
    return f"{timestamp}-{number}"


def test_keep_snapshot_builds_trims_to_the_newest_and_undo_restores(
    live_server: LiveServer, tmp_path: Path
) -> None:
    with httpx.Client(base_url=live_server.url) as http:
        deploy_build(http, "alice/tools", ALICE, "", version="1.0.0")
        for stamp in STAMPS:
            deploy_build(http, "alice/tools", ALICE, stamp)
    assert builds(live_server) == STAMPS[::-1]
    assert newest_build_in_metadata(live_server) == STAMPS[-1]
    state = tmp_path / "state"
    selection = ("--package-type", "maven", "--package", PACKAGE)

    # A dry run names the builds that would go, and why; it deletes nothing.
    dry = prune(
        live_server, state, *selection, "--keep-snapshot-builds", "1", "--dry-run",
        "--report", str(tmp_path / "dry.json"),
    )  # fmt: skip
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "0 versions and 2 SNAPSHOT builds to delete" in dry.stdout
    assert "--keep-snapshot-builds 1 (#3)" in dry.stdout
    report = json.loads((tmp_path / "dry.json").read_text())
    assert report["summary"]["to_delete"] == 0 and report["summary"]["builds_to_delete"] == 2
    versions = {v["name"]: v for v in report["plan"]["packages"][0]["versions"]}
    assert versions["1.0.0"]["action"] == "keep" and versions["1.0.0"]["builds"] == []
    assert [(b["name"], b["action"]) for b in versions[SNAPSHOT]["builds"]] == [
        (STAMPS[2], "keep"),
        (STAMPS[1], "delete"),
        (STAMPS[0], "delete"),
    ]
    assert builds(live_server) == STAMPS[::-1]

    # Applied: one build is left, and it is what Maven resolves; the version stays.
    done = prune(
        live_server, state, *selection, "--keep-snapshot-builds", "1",
        "--report", str(tmp_path / "run.json"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "of them SNAPSHOT builds: 2 deleted" in done.stdout
    entries = json.loads((tmp_path / "run.json").read_text())["run"]["entries"]
    assert sorted(e["build"] for e in entries) == STAMPS[:2]
    assert all(e["name"] == SNAPSHOT and e["outcome"] == "deleted" for e in entries)
    assert builds(live_server) == [STAMPS[2]]
    assert sorted(builds(live_server, "deleted")) == STAMPS[:2]
    assert newest_build_in_metadata(live_server) == STAMPS[2]
    metadata = maven_get(live_server, f"{SNAPSHOT}/maven-metadata.xml").text
    assert STAMPS[0] not in metadata and STAMPS[1] not in metadata
    newest_jar = maven_get(live_server, f"{SNAPSHOT}/snap-1.0.0-{STAMPS[2]}.jar")
    assert (
        newest_jar.status_code == 200
        and newest_jar.content == f"jar of snap-1.0.0-{STAMPS[2]}".encode()
    )
    assert maven_get(live_server, f"{SNAPSHOT}/snap-1.0.0-{STAMPS[0]}.jar").status_code == 404
    with Client(token=ALICE, base_url=live_server.api) as client:
        assert {v.name for v in client.iter_versions("alice", "maven", PACKAGE)} == {
            "1.0.0",
            SNAPSHOT,
        }

    # Undo restores the builds through the restore endpoint, byte for byte.
    undone = prune(live_server, state, "undo", run_id(done))
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert "2 restored" in undone.stdout
    assert builds(live_server) == STAMPS[::-1]
    assert builds(live_server, "deleted") == []
    oldest = maven_get(live_server, f"{SNAPSHOT}/snap-1.0.0-{STAMPS[0]}.jar")
    assert oldest.content == f"jar of snap-1.0.0-{STAMPS[0]}".encode()

    # --prerelease deletes the SNAPSHOT version whole; the release stays.
    whole = prune(live_server, state, *selection, "--prerelease")
    assert whole.returncode == 0, whole.stdout + whole.stderr
    with Client(token=ALICE, base_url=live_server.api) as client:
        assert [v.name for v in client.iter_versions("alice", "maven", PACKAGE)] == ["1.0.0"]
    assert maven_get(live_server, f"{SNAPSHOT}/maven-metadata.xml").status_code == 404


def test_a_trimmed_snapshot_deleted_whole_comes_back_trimmed_then_whole(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """Two runs undone newest first: the version's restore brings back the one build it
    held when it went, and the trim's undo the other two."""
    artifact, package = "com/example/twice", "com.example.twice"
    with httpx.Client(base_url=live_server.url) as http:
        deploy_build(http, "alice/tools", ALICE, "", version="1.0.0", artifact=artifact)
        for stamp in STAMPS:
            deploy_build(http, "alice/tools", ALICE, stamp, artifact=artifact)
    state = tmp_path / "state"
    selection = ("--package-type", "maven", "--package", package)
    for rules in (["--keep-snapshot-builds", "1"], ["--prerelease"]):
        done = prune(live_server, state, *selection, *rules)
        assert done.returncode == 0, done.stdout + done.stderr
    with Client(token=ALICE, base_url=live_server.api) as client:
        assert [v.name for v in client.iter_versions("alice", "maven", package)] == ["1.0.0"]

    undone = prune(live_server, state, "undo", "--last")
    assert undone.returncode == 0 and "1 restored" in undone.stdout, undone.stdout
    assert builds(live_server, package=package) == [STAMPS[2]]
    assert newest_build_in_metadata(live_server, artifact) == STAMPS[2]
    undone = prune(live_server, state, "undo", "--last")
    assert undone.returncode == 0 and "2 restored" in undone.stdout, undone.stdout
    assert builds(live_server, package=package) == STAMPS[::-1]
    assert newest_build_in_metadata(live_server, artifact) == STAMPS[2]
