"""`--prerelease` and Maven's SNAPSHOT versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from packyard.client.prune.decide import VersionFacts, decide
from packyard.client.prune.policy import Policy

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def deleted(package_type: str, names: list[str]) -> set[str]:
    versions = [
        VersionFacts(id=n, name=name, created_at=NOW - timedelta(days=n), updated_at=NOW)
        for n, name in enumerate(names)
    ]
    verdicts = decide(Policy(prerelease=True), package_type, versions, NOW)
    return {v.version.name for v in verdicts if v.delete}


def test_prerelease_deletes_every_maven_snapshot() -> None:
    names = ["1.0.0", "1.1.0-SNAPSHOT", "1.0-SNAPSHOT", "1.2.3.4-SNAPSHOT", "2.0.0.Final"]
    assert deleted("maven", names) == {"1.1.0-SNAPSHOT", "1.0-SNAPSHOT", "1.2.3.4-SNAPSHOT"}


def test_semver_prereleases_of_maven_are_still_prereleases() -> None:
    assert deleted("maven", ["1.0.0", "2.0.0-rc.1", "2.0.0-beta-1"]) == {
        "2.0.0-rc.1",
        "2.0.0-beta-1",
    }


def test_outside_maven_snapshot_is_only_what_semver_says() -> None:
    # npm has no SNAPSHOTs: a name semver cannot read is not a pre-release there.
    assert deleted("npm", ["1.0.0", "1.2.3.4-SNAPSHOT", "1.1.0-SNAPSHOT"]) == {"1.1.0-SNAPSHOT"}
