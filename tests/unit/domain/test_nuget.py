"""NuGet's ids, versions and search terms: normalization and order as NuGet's docs and
`NuGet.Versioning` define them, tested on tables of cases."""

from __future__ import annotations

import itertools

import pytest

from packyard.domain.nuget import (
    MAX_ID_LENGTH,
    MAX_VERSION_PART,
    Dependency,
    DependencyGroup,
    NuGetInvalid,
    Nuspec,
    check_id,
    matches_query,
    normalize_version,
    nupkg_filename,
    parse_version,
    same_version,
    shown_in_search,
    version_key,
    wants_semver2,
)

NORMALIZED = [
    # NuGet's docs, "Normalized version numbers"
    ("1.00", "1.0.0"),
    ("1.01.1", "1.1.1"),
    ("1.00.0.1", "1.0.0.1"),
    ("1.0.0.0", "1.0.0"),
    ("1.0.01.0", "1.0.1"),
    ("1.0.7+r3456", "1.0.7"),
    # missing parts, pre-release labels kept as written, metadata dropped after them too
    ("1", "1.0.0"),
    ("1.0", "1.0.0"),
    ("2.3.4.5", "2.3.4.5"),
    ("1.0-beta", "1.0.0-beta"),
    ("1.0.0-Beta.1+git.abc", "1.0.0-Beta.1"),
    ("1.0.0.0-rc-1", "1.0.0-rc-1"),
    (f"{MAX_VERSION_PART}.0", f"{MAX_VERSION_PART}.0.0"),
]


@pytest.mark.parametrize(("text", "normalized"), NORMALIZED)
def test_versions_normalize_as_nuget_documents(text: str, normalized: str) -> None:
    assert normalize_version(text) == normalized


@pytest.mark.parametrize(
    "text",
    [
        "",
        "v1.0.0",
        "1.0.0.0.0",  # five numbers
        "1.",
        ".1",
        "1.0.0-",
        "1.0.0+",
        "1.0.0-beta..1",
        "1.0.0-beta_1",
        " 1.0.0",
        "1.0.0 ",
        "1.a",
        f"{MAX_VERSION_PART + 1}.0.0",
        "1." + "0" * 300,
    ],
)
def test_what_nuget_would_not_read_is_no_version(text: str) -> None:
    with pytest.raises(NuGetInvalid, match="not a valid version"):
        parse_version(text)


# In NuGet's order (VersionComparer.Default), each strictly before the next.
ORDERED = [
    "0.9.9",
    "1.0.0-0",
    "1.0.0-2",
    "1.0.0-10",  # numbers as numbers
    "1.0.0-alpha",  # numbers before words
    "1.0.0-alpha.1",  # fewer labels first
    "1.0.0-alpha.beta",
    "1.0.0-BETA",  # words without case: BETA is beta
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",  # a release after its pre-releases
    "1.0.0.1",  # the legacy fourth part
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0",
]


def test_versions_order_as_nuget_orders_them() -> None:
    keys = [version_key(v) for v in ORDERED]
    assert all(a < b for a, b in itertools.pairwise(keys))
    assert sorted(reversed(ORDERED), key=version_key) == ORDERED


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("1.0", "1.0.0", True),
        ("1.0.0.0", "1.0.0+build", True),
        ("1.0.0-Beta", "1.0.0-beta", True),
        ("1.0.0-beta", "1.0.0-beta.0", False),
        ("1.0.0.1", "1.0.0", False),
    ],
)
def test_one_version_however_it_is_written(a: str, b: str, same: bool) -> None:
    assert same_version(a, b) is same


@pytest.mark.parametrize(
    ("text", "prerelease", "semver2"),
    [
        ("1.0.0", False, False),
        ("1.0.0-beta", True, False),
        ("1.0.0-beta.1", True, True),  # dotted labels are SemVer 2.0.0's
        ("1.0.0+build", False, True),  # so is metadata, dropped or not
    ],
)
def test_prerelease_and_semver2(text: str, prerelease: bool, semver2: bool) -> None:
    version = parse_version(text)
    assert (version.prerelease, version.semver2) == (prerelease, semver2)


@pytest.mark.parametrize(
    ("text", "prerelease", "semver2", "shown"),
    [
        ("1.0.0", False, False, True),
        ("1.0.0-beta", False, True, False),
        ("1.0.0-beta", True, False, True),
        ("1.0.0-beta.1", True, False, False),
        ("1.0.0-beta.1", True, True, True),
        ("1.0.0+build", False, False, False),
    ],
)
def test_search_shows_what_the_client_asks_for(
    text: str, prerelease: bool, semver2: bool, shown: bool
) -> None:
    assert shown_in_search(parse_version(text), prerelease=prerelease, semver2=semver2) is shown


@pytest.mark.parametrize(
    ("level", "wanted"),
    [("2.0.0", True), ("2.1", True), ("1.0.0", False), ("", False), ("two", False)],
)
def test_semver_level(level: str, wanted: bool) -> None:
    assert wants_semver2(level) is wanted


@pytest.mark.parametrize(
    "package_id",
    ["Hello", "Hello.World", "hello-world_2", "A.B-C.D", "Ünïcode.Pkg", "a" * MAX_ID_LENGTH],
)
def test_ids_nuget_accepts(package_id: str) -> None:
    assert check_id(package_id) == package_id


@pytest.mark.parametrize(
    "package_id",
    ["", ".Hello", "Hello.", "Hello..World", "Hello World", "Hello/World", "a" * 101, "a+b"],
)
def test_ids_nuget_refuses(package_id: str) -> None:
    with pytest.raises(NuGetInvalid):
        check_id(package_id)


def test_file_names_are_lowered() -> None:
    assert nupkg_filename("Hello.World", "1.0.0-Beta") == "hello.world.1.0.0-beta.nupkg"


SPEC = Nuspec(
    id="Hello.World",
    version="1.0.0",
    verbatim_version="1.0",
    description="Says hello to the world",
    authors="Alice Liddell",
    title="Hello",
    tags=("greeting", "demo"),
    license="MIT",
    dependency_groups=(
        DependencyGroup("net8.0", (Dependency("Newtonsoft.Json", "[13.0.1, )"),)),
        DependencyGroup("", ()),
    ),
)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("", True),
        ("hello", True),
        ("WORLD", True),
        ("greeting", True),  # a tag
        ("liddell", True),  # an author
        ("hello nosuch", False),  # every term must match
        ("packageid:hello.world", True),
        ("packageid:hello", False),  # exactly the id
        ("id:world", True),  # a part of the id
        ("id:greeting", False),  # the id only
    ],
)
def test_search_terms(query: str, found: bool) -> None:
    assert matches_query(query, SPEC) is found


def test_a_manifest_round_trips_through_json() -> None:
    assert Nuspec.from_json(SPEC.to_json()) == SPEC
    assert SPEC.rest_license == "MIT"
