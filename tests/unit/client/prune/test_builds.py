"""`--keep-snapshot-builds`: which builds of a SNAPSHOT version go, from the facts alone."""

from __future__ import annotations

import doctest

import pytest

from packyard.client.prune import builds
from packyard.client.prune.builds import BuildFacts, decide_builds, is_snapshot


def test_snapshots_are_maven_versions_named_dash_snapshot() -> None:
    assert is_snapshot("maven", "1.1.0-SNAPSHOT")
    assert is_snapshot("maven", "1.2.3.4-SNAPSHOT")  # Maven's, though not semver's
    assert not is_snapshot("maven", "1.1.0")
    assert not is_snapshot("maven", "1.1.0-SNAPSHOT.jar")
    assert not is_snapshot("npm", "1.1.0-SNAPSHOT")  # only Maven has builds


def test_keeps_the_n_newest_by_build_number_whatever_the_order_given() -> None:
    given = [BuildFacts(31, "t-3", 3), BuildFacts(11, "t-1", 1), BuildFacts(21, "t-2", 2)]
    verdicts = decide_builds(1, given)
    assert [(v.build.name, v.delete) for v in verdicts] == [
        ("t-3", False),
        ("t-2", True),
        ("t-1", True),
    ]
    assert [v.reason for v in verdicts] == [
        "keep: --keep-snapshot-builds 1 (#1)",
        "delete: --keep-snapshot-builds 1 (#2)",
        "delete: --keep-snapshot-builds 1 (#3)",
    ]


@pytest.mark.parametrize(("keep", "deleted"), [(1, 2), (2, 1), (3, 0), (4, 0)])
def test_the_boundary(keep: int, deleted: int) -> None:
    given = [BuildFacts(n, f"t-{n}", n) for n in (1, 2, 3)]
    assert sum(v.delete for v in decide_builds(keep, given)) == deleted


def test_no_builds_nothing_to_decide() -> None:
    assert decide_builds(1, []) == []


def test_the_last_build_is_never_planned_away() -> None:
    with pytest.raises(ValueError, match="1 or more"):
        decide_builds(0, [BuildFacts(1, "t-1", 1)])


def test_equal_build_numbers_fall_back_to_the_newer_id() -> None:
    verdicts = decide_builds(1, [BuildFacts(5, "a-7", 7), BuildFacts(9, "b-7", 7)])
    assert [(v.build.id, v.delete) for v in verdicts] == [(9, False), (5, True)]


def test_examples_in_docstrings_run() -> None:
    failures, _ = doctest.testmod(builds)
    assert failures == 0
