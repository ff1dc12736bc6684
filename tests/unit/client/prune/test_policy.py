"""`keep-snapshot-builds` in a policy: neither a keep nor a delete rule for versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from packyard.client.prune.decide import VersionFacts, decide
from packyard.client.prune.policy import Policy, PolicyError

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def test_it_is_a_policy_on_its_own() -> None:
    alone = Policy.from_options({"keep-snapshot-builds": "3"})
    assert alone.keep_snapshot_builds == 3
    assert not alone.has_keep_rule and not alone.has_delete_rule
    assert not alone.judges_versions
    assert alone.to_options() == {"keep-snapshot-builds": 3, "on-last-version": "fail"}
    assert Policy.from_options(alone.to_options()) == alone


def test_beside_version_rules_it_changes_none_of_them() -> None:
    both = Policy.from_options({"keep-snapshot-builds": 1, "keep-last": 2})
    assert both.has_keep_rule and not both.has_delete_rule and both.judges_versions


@pytest.mark.parametrize("value", [0, -1, "none", True])
def test_it_keeps_at_least_one_build(value: object) -> None:
    with pytest.raises(PolicyError, match="keep-snapshot-builds"):
        Policy.from_options({"keep-snapshot-builds": value})


def test_with_no_rule_at_all_the_error_names_it() -> None:
    with pytest.raises(PolicyError, match=r"no rules.*keep-snapshot-builds"):
        Policy.from_options({})


def test_alone_it_deletes_no_version() -> None:
    """Without it, "no delete rule" would mean "delete what no keep rule protects"."""
    at = NOW - timedelta(days=400)
    versions = [
        VersionFacts(id=n, name=name, created_at=at, updated_at=at)
        for n, name in enumerate(["1.0.0", "1.1.0-SNAPSHOT", "2.0.0-SNAPSHOT"])
    ]
    verdicts = decide(Policy(keep_snapshot_builds=1), "maven", versions, NOW)
    assert [v.delete for v in verdicts] == [False, False, False]
    assert all(v.reasons == ("kept: no delete rule selects it",) for v in verdicts)
