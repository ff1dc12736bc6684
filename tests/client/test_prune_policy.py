"""Retention rules and their precedence, decided from facts alone (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from packyard.client.prune.decide import VersionFacts, decide, decide_package
from packyard.client.prune.policy import (
    PackageSelector,
    Pattern,
    Policy,
    PolicyError,
    parse_duration,
)

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def facts(id_: int, name: str, days_old: float, **extra: Any) -> VersionFacts:
    at = NOW - timedelta(days=days_old)
    return VersionFacts(id=id_, name=name, created_at=at, updated_at=at, **extra)


def policy(**options: Any) -> Policy:
    return Policy.from_options(options)


def deleted(p: Policy, package_type: str, versions: list[VersionFacts]) -> set[str]:
    return {v.version.name for v in decide(p, package_type, versions, NOW) if v.delete}


# npm / maven style: versions judged by their names ---------------------------------------

NPM = [
    facts(1, "1.0.0", 400),
    facts(2, "1.1.0", 200),
    facts(3, "1.2.0-beta.1", 120),
    facts(4, "1.2.0", 100),
    facts(5, "2.0.0-rc.1", 40),
    facts(6, "2.0.0", 20),
    facts(7, "2.1.0", 5),
]
MAVEN = [
    facts(1, "1.0", 300),
    facts(2, "1.1-SNAPSHOT", 200),
    facts(3, "1.1", 100),
    facts(4, "2.0.0.Final", 50),
    facts(5, "nightly-2026", 10),
]


def test_keep_last_alone_deletes_the_rest() -> None:
    assert deleted(policy(keep_last=3), "npm", NPM) == {
        "1.0.0",
        "1.1.0",
        "1.2.0-beta.1",
        "1.2.0",
    }


def test_keep_last_per_stream() -> None:
    # Newest per major.minor: 2.1.0, 2.0.0 (2.0 stream), 1.2.0 (1.2), 1.1.0, 1.0.0.
    assert deleted(policy(keep_last=1, per="major.minor"), "npm", NPM) == {
        "1.2.0-beta.1",
        "2.0.0-rc.1",
    }
    assert deleted(policy(keep_last=1, per="major"), "npm", NPM) == {
        "1.0.0",
        "1.1.0",
        "1.2.0-beta.1",
        "2.0.0-rc.1",
        "2.0.0",
    }


def test_keep_newer_than() -> None:
    assert deleted(policy(keep_newer_than="30d"), "npm", NPM) == {
        "1.0.0",
        "1.1.0",
        "1.2.0-beta.1",
        "1.2.0",
        "2.0.0-rc.1",
    }


def test_age_counts_from_the_last_update() -> None:
    touched = VersionFacts(1, "1.0.0", NOW - timedelta(days=400), NOW - timedelta(days=2))
    assert deleted(policy(older_than="90d"), "npm", [touched]) == set()


def test_keep_tags_match_version_names_outside_containers() -> None:
    assert "1.0.0" not in deleted(policy(keep_tags="1.0.*", older_than="1d"), "npm", NPM)
    assert "1.1.0" not in deleted(policy(keep_tags=r"re:1\.1\.\d+", older_than="1d"), "npm", NPM)


def test_keep_semver_follows_npm_ranges() -> None:
    # >=2.0 holds 2.0.0 and 2.1.0 but not 2.0.0-rc.1, as in npm.
    assert deleted(policy(keep_semver=">=2.0"), "npm", NPM) == {
        "1.0.0",
        "1.1.0",
        "1.2.0-beta.1",
        "1.2.0",
        "2.0.0-rc.1",
    }
    assert deleted(policy(keep_semver="^1.1 || >=2.1"), "maven", MAVEN) == {
        "1.0",
        "1.1-SNAPSHOT",
        "2.0.0.Final",
        "nightly-2026",
    }


def test_keep_downloaded_within() -> None:
    versions = [facts(1, "1.0.0", 400, downloads=3), facts(2, "1.1.0", 300, downloads=0)]
    assert deleted(policy(keep_downloaded_within="14d"), "npm", versions) == {"1.1.0"}


def test_prerelease_means_semver_prereleases_only() -> None:
    assert deleted(policy(prerelease=True), "npm", NPM) == {"1.2.0-beta.1", "2.0.0-rc.1"}
    # A SNAPSHOT is a pre-release; `2.0.0.Final` and `nightly-2026` are not versions at all.
    assert deleted(policy(prerelease=True), "maven", MAVEN) == {"1.1-SNAPSHOT"}


def test_older_than_and_tags_select_and_union() -> None:
    assert deleted(policy(older_than="150d"), "npm", NPM) == {"1.0.0", "1.1.0"}
    assert deleted(policy(tags="1.2.*"), "npm", NPM) == {"1.2.0-beta.1", "1.2.0"}
    # Any delete rule selects.
    assert deleted(policy(older_than="150d", prerelease=True), "npm", NPM) == {
        "1.0.0",
        "1.1.0",
        "1.2.0-beta.1",
        "2.0.0-rc.1",
    }


def test_keep_always_beats_delete() -> None:
    p = policy(older_than="1d", keep_last=2, keep_tags="1.0.0", keep_semver="1.2.0-beta.1")
    verdicts = {v.version.name: v for v in decide(p, "npm", NPM, NOW)}
    assert {n for n, v in verdicts.items() if v.delete} == {"1.1.0", "1.2.0", "2.0.0-rc.1"}
    kept = verdicts["1.0.0"]
    assert not kept.delete
    assert kept.reasons == ("keep: --keep-tags matches 1.0.0", "(would delete: --older-than 1d)")
    assert verdicts["2.1.0"].reasons[0] == "keep: --keep-last 2 (#1)"


def test_untagged_selects_nothing_outside_tagged_types() -> None:
    assert deleted(policy(untagged=True), "npm", NPM) == set()


# containers: images, their platforms and referrers --------------------------------------

INDEX, AMD, ARM, ATTEST, OLD, ORPHAN, OLD_ATTEST = (
    "sha256:" + c * 64 for c in ("a", "b", "c", "d", "e", "f", "9")
)


def container_world() -> list[VersionFacts]:
    return [
        facts(1, OLD, 60, tags=("v1",)),
        facts(2, OLD_ATTEST, 60, subject=OLD),
        facts(3, ORPHAN, 30),
        facts(4, AMD, 2),
        facts(5, ARM, 2),
        facts(6, INDEX, 2, tags=("latest", "v2"), children=(AMD, ARM)),
        facts(7, ATTEST, 1, subject=INDEX),
    ]


def test_untagged_deletes_only_orphans_never_platforms_or_referrers() -> None:
    verdicts = {
        v.version.name: v
        for v in decide(policy(untagged=True), "container", container_world(), NOW)
    }
    assert {n for n, v in verdicts.items() if v.delete} == {ORPHAN}
    assert verdicts[AMD].role == "child" and verdicts[ATTEST].role == "referrer"
    assert verdicts[AMD].reasons[0].startswith("kept: listed by kept sha256:aaaaaaaaaaaa")
    assert verdicts[ATTEST].reasons[0].startswith("kept: refers to kept")


def test_keep_last_counts_images_and_their_parts_follow() -> None:
    verdicts = decide(policy(keep_last=1), "container", container_world(), NOW)
    gone = {v.version.name: v for v in verdicts if v.delete}
    # The index (newest image) is kept with both platforms and its attestation; the older
    # image goes with its attestation, and the orphan is an image of its own.
    assert set(gone) == {OLD, OLD_ATTEST, ORPHAN}
    assert gone[OLD_ATTEST].reasons == ("delete: refers to deleted sha256:eeeeeeeeeeee (v1)",)
    assert gone[OLD_ATTEST].depth == 1 and gone[OLD].depth == 0


def test_a_platform_shared_with_a_kept_index_is_kept() -> None:
    shared = [
        facts(1, AMD, 10),
        facts(2, OLD, 10, tags=("old",), children=(AMD,)),
        facts(3, INDEX, 1, tags=("new",), children=(AMD,)),
    ]
    assert deleted(policy(tags="old"), "container", shared) == {OLD}


def test_tags_patterns_match_tags_not_digests() -> None:
    world = container_world()
    assert deleted(policy(tags="sha256:*"), "container", world) == set()
    assert deleted(policy(tags="v1"), "container", world) == {OLD, OLD_ATTEST}
    assert deleted(policy(keep_tags="latest", older_than="1d"), "container", world) == {
        OLD,
        OLD_ATTEST,
        ORPHAN,
    }


def test_container_prerelease_needs_every_tag_a_prerelease() -> None:
    images = [
        facts(1, OLD, 5, tags=("2.0.0-rc.1",)),
        facts(2, INDEX, 1, tags=("2.0.0-rc.2", "latest")),
    ]
    assert deleted(policy(prerelease=True), "container", images) == {OLD}


def test_container_streams_come_from_tags() -> None:
    images = [
        facts(1, OLD, 9, tags=("1.4.0",)),
        facts(2, ORPHAN, 8, tags=("1.4.1",)),
        facts(3, INDEX, 7, tags=("1.5.0", "stable")),
        facts(4, AMD, 6),
    ]
    # Per stream: 1.4 keeps 1.4.1, 1.5 keeps 1.5.0, the untagged image is its own stream.
    assert deleted(policy(keep_last=1, per="major.minor"), "container", images) == {OLD}


def test_downloads_of_a_platform_keep_its_image() -> None:
    world = [
        facts(1, AMD, 50, downloads=4),
        facts(2, INDEX, 50, tags=("v1",), children=(AMD,)),
        facts(3, OLD, 1, tags=("v2",)),
    ]
    assert deleted(policy(keep_downloaded_within="14d", keep_last=1), "container", world) == set()


# the last-version rule ------------------------------------------------------------------


def test_last_tagged_version_fails_closed_by_default() -> None:
    world = container_world()
    decision = decide_package(policy(older_than="1d"), "container", world, NOW)
    assert decision.error is not None and "last tagged version" in decision.error
    assert not any(v.delete for v in decision.verdicts)


def test_last_tagged_version_skip_keeps_the_newest_image_and_its_parts() -> None:
    decision = decide_package(
        policy(older_than="1d", on_last_version="skip"), "container", container_world(), NOW
    )
    assert decision.error is None
    gone = {v.version.name for v in decision.verdicts if v.delete}
    assert gone == {OLD, OLD_ATTEST, ORPHAN}


def test_last_version_delete_package() -> None:
    decision = decide_package(
        policy(older_than="1d", on_last_version="delete-package"), "maven", MAVEN, NOW
    )
    assert decision.delete_package and decision.error is None
    partial = decide_package(
        policy(keep_tags="nightly-*", tags="1.*,2.*", on_last_version="delete-package"),
        "maven",
        MAVEN,
        NOW,
    )
    assert partial.error is None and not partial.delete_package  # a version is kept


def test_untagged_last_versions_do_not_trip_the_container_rule() -> None:
    only_untagged = [facts(1, ORPHAN, 10), facts(2, AMD, 9)]
    decision = decide_package(policy(untagged=True), "container", only_untagged, NOW)
    assert decision.error is None and all(v.delete for v in decision.verdicts)


# parsing -----------------------------------------------------------------------------


def test_policy_names_and_errors() -> None:
    assert parse_duration("2w") == timedelta(weeks=2)
    with pytest.raises(PolicyError, match="duration"):
        parse_duration("ninety days")
    with pytest.raises(PolicyError, match="unknown rule"):
        Policy.from_options({"keep-latest": 3})
    with pytest.raises(PolicyError, match="no rules"):
        Policy.from_options({})
    with pytest.raises(PolicyError, match="keep-semver"):
        Policy.from_options({"keep-semver": ">=x.y"})
    with pytest.raises(PolicyError, match="per"):
        Policy.from_options({"per": "major", "untagged": True})
    with pytest.raises(PolicyError, match="regular expression"):
        Pattern("re:(")
    written = Policy.from_options(
        {"keep-last": "5", "keep-tags": ["latest,v*", "re:a,b"], "older-than": "90d"}
    )
    assert written.to_options() == {
        "keep-last": 5,
        "keep-tags": ["latest", "v*", "re:a,b"],
        "older-than": "90d",
        "on-last-version": "fail",
    }
    assert Policy.from_options(written.to_options()) == written


def test_package_selection() -> None:
    chosen = PackageSelector.parse(["app-*,tools", "!app-legacy"])
    assert [n for n in ("app-web", "app-legacy", "tools", "other") if chosen.selects(n)] == [
        "app-web",
        "tools",
    ]
    assert PackageSelector.parse(["!old"]).selects("anything")


def test_cosign_and_fallback_referrer_tags_follow_their_subject() -> None:
    """On ghcr.io signatures hang off tags (`sha256-<hex>.sig`), not the referrers API."""
    sig, att = "sha256:" + "5" * 64, "sha256:" + "6" * 64
    world = [
        facts(1, OLD, 30, tags=("v1",)),
        facts(2, sig, 30, tags=(f"sha256-{'e' * 64}.sig",)),
        facts(3, INDEX, 2, tags=("v2",)),
        facts(4, att, 2, tags=(f"sha256-{'a' * 64}.att",)),
    ]
    verdicts = {v.version.name: v for v in decide(policy(keep_last=1), "container", world, NOW)}
    # The signature tags do not count as images: keep-last 1 keeps v2 and its attestation,
    # and the old image's signature goes with it.
    assert {n for n, v in verdicts.items() if v.delete} == {OLD, sig}
    assert verdicts[att].role == "referrer" and verdicts[sig].role == "referrer"
    assert verdicts[att].reasons[0].startswith("kept: refers to kept")


def test_examples_in_docstrings_run() -> None:
    import doctest

    import packyard.client.prune as prune_package
    from packyard import ratepoints, semver
    from packyard.client.prune import policy as policy_module

    for module in (policy_module, semver, ratepoints, prune_package):
        failures, _ = doctest.testmod(module)
        assert failures == 0, module.__name__


def test_npm_patterns_may_carry_the_owners_scope() -> None:
    selector = PackageSelector.parse(["@alice/lib*", "!@ALICE/lib-old"]).unscoped("alice")
    assert [n for n in ("lib", "lib-new", "lib-old", "other") if selector.selects(n)] == [
        "lib",
        "lib-new",
    ]
    # Another owner's scope is not this owner's package.
    assert not PackageSelector.parse(["@bob/lib"]).unscoped("alice").selects("lib")
