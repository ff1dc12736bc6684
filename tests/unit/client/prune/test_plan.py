"""Planning `--keep-snapshot-builds`: which builds a plan lists and deletes, on a fake
Packyard (no HTTP), and how the plan file carries them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from packyard.client._requests import GITHUB_API
from packyard.client.prune import Plan, Policy, PolicyError, Selection, make_plan
from tests.unit.client.prune.fake_client import START, FakePackyard

NOW = START + timedelta(days=60)


def plan(fake: FakePackyard, **rules: Any) -> Plan:
    rules_given = Policy.from_options(rules)
    return make_plan(fake.as_client(), Selection("maven", "alice"), rules_given, now=NOW)


@pytest.fixture
def fake() -> FakePackyard:
    fake = FakePackyard()
    fake.add("com.example.snap", "0.9.0-SNAPSHOT", builds=2)  # the oldest
    fake.add("com.example.snap", "1.0.0")
    fake.add("com.example.snap", "1.1.0-SNAPSHOT", builds=3)
    fake.add("com.example.snap", "1.2.0-SNAPSHOT", builds=1)
    return fake


def by_name(made: Plan) -> dict[str, Any]:
    [package] = made.packages
    return {v.name: v for v in package.versions}


def test_alone_it_trims_every_snapshot_and_deletes_no_version(fake: FakePackyard) -> None:
    made = plan(fake, keep_snapshot_builds=1)
    [package] = made.packages
    assert package.deletions == [] and made.deletion_count == 0
    versions = by_name(made)
    assert [(b.name, b.action) for b in versions["1.1.0-SNAPSHOT"].builds] == [
        ("20261101.030000-3", "keep"),
        ("20261101.020000-2", "delete"),
        ("20261101.010000-1", "delete"),
    ]
    assert [b.action for b in versions["0.9.0-SNAPSHOT"].builds] == ["keep", "delete"]
    assert [b.action for b in versions["1.2.0-SNAPSHOT"].builds] == ["keep"]
    assert versions["1.0.0"].builds == []
    assert made.build_deletion_count == 3
    # Newest version first, as the plan lists them; 1.2.0-SNAPSHOT's one build stays.
    assert [(v.name, b.name) for v, b in package.build_deletions] == [
        ("1.1.0-SNAPSHOT", "20261101.020000-2"),
        ("1.1.0-SNAPSHOT", "20261101.010000-1"),
        ("0.9.0-SNAPSHOT", "20261101.010000-1"),
    ]
    # Releases are never asked for builds: only SNAPSHOTs have them.
    asked = {call[1] for call in fake.calls if call[0] == "list_builds"}
    release = versions["1.0.0"].id
    assert str(release) not in asked and len(asked) == 3


def test_versions_the_plan_deletes_are_not_trimmed(fake: FakePackyard) -> None:
    made = plan(fake, keep_last=3, keep_snapshot_builds=1)
    versions = by_name(made)
    assert versions["0.9.0-SNAPSHOT"].action == "delete"
    assert versions["0.9.0-SNAPSHOT"].builds == []
    assert [b.action for b in versions["1.1.0-SNAPSHOT"].builds] == ["keep", "delete", "delete"]
    assert made.deletion_count == 1 and made.build_deletion_count == 2
    listed = {call[1] for call in fake.calls if call[0] == "list_builds"}
    assert str(versions["0.9.0-SNAPSHOT"].id) not in listed


def test_beside_prerelease_the_snapshots_go_whole(fake: FakePackyard) -> None:
    made = plan(fake, prerelease=True, keep_snapshot_builds=1)
    assert made.build_deletion_count == 0
    assert {v.name for v in made.packages[0].deletions} == {
        "0.9.0-SNAPSHOT",
        "1.1.0-SNAPSHOT",
        "1.2.0-SNAPSHOT",
    }


def test_a_package_left_untouched_has_no_builds_trimmed() -> None:
    fake = FakePackyard()
    fake.add("com.example.only", "1.0.0-SNAPSHOT", builds=3)
    # --prerelease would delete the last version, which GitHub refuses for Maven: untouched.
    made = plan(fake, prerelease=True, keep_snapshot_builds=1)
    [package] = made.packages
    assert package.error and package.build_deletions == []
    assert not any(call[0] == "list_builds" for call in fake.calls)


def test_only_maven_has_builds_and_only_a_packyard_lists_them() -> None:
    policy = Policy(keep_snapshot_builds=2)
    with pytest.raises(PolicyError, match="only maven packages"):
        make_plan(FakePackyard().as_client(), Selection("npm", "alice"), policy)
    github = FakePackyard(base_url=GITHUB_API)
    with pytest.raises(PolicyError, match="needs a Packyard"):
        make_plan(github.as_client(), Selection("maven", "alice"), policy)


def test_the_plan_file_carries_the_builds(fake: FakePackyard) -> None:
    made = plan(fake, keep_snapshot_builds=1)
    written = json.loads(json.dumps(made.to_json()))
    assert written["policy"]["keep-snapshot-builds"] == 1
    snapshot = next(v for v in written["packages"][0]["versions"] if v["name"] == "1.1.0-SNAPSHOT")
    assert snapshot["builds"][1] == {
        "id": snapshot["builds"][1]["id"],
        "name": "20261101.020000-2",
        "build_number": 2,
        "created_at": "2026-11-03T02:00:00+00:00",
        "action": "delete",
        "reasons": ["delete: --keep-snapshot-builds 1 (#2)"],
    }
    assert Plan.from_json(written) == made


def test_a_plan_written_before_builds_existed_still_loads(fake: FakePackyard) -> None:
    written = plan(fake, keep_last=10).to_json()
    for version in written["packages"][0]["versions"]:
        del version["builds"]
    loaded = Plan.from_json(json.loads(json.dumps(written)))
    assert loaded.build_deletion_count == 0
    assert all(v.builds == [] for v in loaded.packages[0].versions)
