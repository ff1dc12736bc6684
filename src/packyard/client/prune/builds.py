"""SNAPSHOT builds: which of a SNAPSHOT version's builds `--keep-snapshot-builds N` deletes.

A Maven `-SNAPSHOT` version is one package version; every `mvn deploy` of it adds a
timestamped build (`1.1.0-20261130.101500-2.jar`) inside it, and a Packyard lists, deletes and
restores those builds under `/_packyard` (GitHub keeps them all, forever). The rule trims each
SNAPSHOT version to its N newest active builds. It deletes builds, never versions, and takes
no part in deciding versions: a version the policy deletes takes its builds with it, so only
the builds of versions it keeps are trimmed.

Pure functions of the facts, as `decide` is; `plan` reads the builds and `run` deletes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Package types whose versions hold builds a Packyard lists (Maven's SNAPSHOTs).
BUILD_TYPES = frozenset({"maven"})
# Maven's marker: a version named `…-SNAPSHOT` is a moving pre-release made of builds.
SNAPSHOT_SUFFIX = "-SNAPSHOT"


def is_snapshot(package_type: str, version_name: str) -> bool:
    """A Maven SNAPSHOT version: the only kind that has builds, and always a pre-release.

    >>> is_snapshot("maven", "1.1.0-SNAPSHOT"), is_snapshot("maven", "1.1.0")
    (True, False)
    >>> is_snapshot("npm", "1.1.0-SNAPSHOT")
    False
    """
    return package_type in BUILD_TYPES and version_name.endswith(SNAPSHOT_SUFFIX)


@dataclass(frozen=True)
class BuildFacts:
    """What the rule looks at: a build's id, its `timestamp-buildNumber` name and number."""

    id: int
    name: str
    build_number: int


@dataclass(frozen=True)
class BuildVerdict:
    build: BuildFacts
    delete: bool
    reason: str


def decide_builds(keep: int, builds: Sequence[BuildFacts]) -> list[BuildVerdict]:
    """A verdict for each active build, newest first (by build number, as Maven counts
    them): the `keep` newest stay, the rest go.

    >>> [v.delete for v in decide_builds(1, [BuildFacts(7, "a-1", 1), BuildFacts(9, "a-2", 2)])]
    [False, True]
    """
    if keep < 1:
        # A version's last build goes only with the version; a Packyard refuses it anyway.
        raise ValueError("keep must be 1 or more")
    ordered = sorted(builds, key=lambda b: (b.build_number, b.id), reverse=True)
    rule = f"--keep-snapshot-builds {keep}"
    return [
        BuildVerdict(
            b,
            rank > keep,
            f"delete: {rule} (#{rank})" if rank > keep else f"keep: {rule} (#{rank})",
        )
        for rank, b in enumerate(ordered, start=1)
    ]
