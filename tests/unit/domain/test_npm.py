from __future__ import annotations

import pytest

from packyard.domain.npm import (
    NpmInvalid,
    is_prerelease,
    is_valid_tag,
    is_valid_version,
    semver_key,
    split_name,
    tarball_filename,
)


def test_names() -> None:
    assert split_name("@alice/hello") == ("alice", "hello")
    assert split_name("@Alice/Hello") == ("alice", "hello")
    for bad in ("hello", "@alice", "@alice/", "@/hello", "@alice/he llo", "@alice/a/b"):
        with pytest.raises(NpmInvalid):
            split_name(bad)


@pytest.mark.parametrize(
    ("version", "valid"),
    [
        ("1.0.0", True),
        ("0.0.1-beta.2", True),
        ("1.2.3+build.7", True),
        ("01.0.0", False),
        ("1.0", False),
        ("v1.0.0", False),
        ("1.0.0-", False),
    ],
)
def test_versions(version: str, valid: bool) -> None:
    assert is_valid_version(version) is valid


def test_tags_and_order() -> None:
    assert is_valid_tag("beta") and is_valid_tag("next-1") and not is_valid_tag("1.0.0")
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
        "2.0.0",
    ]
    assert sorted(reversed(ordered), key=semver_key) == ordered
    assert is_prerelease("1.0.0-rc.1") and not is_prerelease("1.0.0")
    assert tarball_filename("@alice/hello", "1.0.0") == "hello-1.0.0.tgz"


def test_tarballs_are_stored_under_the_lowercased_package_name() -> None:
    from packyard.domain.npm import stored_tarball_name

    assert stored_tarball_name("@alice/Left-Pad", "Left-Pad-1.0.0-Beta.tgz") == (
        "left-pad-1.0.0-Beta.tgz"
    )
    assert stored_tarball_name("@alice/left-pad", "left-pad-1.0.0.tgz") == "left-pad-1.0.0.tgz"
    assert stored_tarball_name("@alice/left-pad", "other-1.0.0.tgz") == "other-1.0.0.tgz"
