"""Each of GitHub's six package types, as GitHub's documentation describes it."""

from __future__ import annotations

import pytest

from packyard.domain.formats import (
    TRAITS,
    AccessModel,
    LastVersionRule,
    package_name,
    split_scope,
    traits,
)
from packyard.domain.types import PackageType

# (access model, tagged, last-version rule), per GitHub's "About permissions for GitHub
# Packages" and the REST API's delete rules.
GITHUB = {
    PackageType.CONTAINER: (AccessModel.GRANULAR, True, LastVersionRule.LAST_TAGGED_REFUSED),
    PackageType.NPM: (AccessModel.GRANULAR, False, LastVersionRule.DELETES_PACKAGE),
    PackageType.NUGET: (AccessModel.GRANULAR, False, LastVersionRule.DELETES_PACKAGE),
    PackageType.RUBYGEMS: (AccessModel.GRANULAR, False, LastVersionRule.DELETES_PACKAGE),
    PackageType.MAVEN: (AccessModel.REPOSITORY, False, LastVersionRule.REFUSED),
    PackageType.DOCKER: (AccessModel.REPOSITORY, True, LastVersionRule.REFUSED),
}


def test_every_package_type_has_its_traits() -> None:
    assert set(TRAITS) == set(PackageType)


@pytest.mark.parametrize("package_type", list(PackageType))
def test_traits_are_githubs(package_type: PackageType) -> None:
    found = traits(package_type)
    assert (found.access, found.tagged, found.last_version) == GITHUB[package_type]
    assert found.granular is (found.access is AccessModel.GRANULAR)


@pytest.mark.parametrize(
    ("package_type", "name", "expected"),
    [
        (PackageType.NPM, "hello", "hello"),
        (PackageType.NPM, "@alice/hello", "hello"),  # the owner's scope: GitHub's name
        (PackageType.NPM, "@ALICE/Hello", "Hello"),  # logins match in any case
        (PackageType.NPM, "@bob/hello", "@bob/hello"),  # another scope: no package of alice's
        (PackageType.NPM, "@alice/", "@alice/"),
        (PackageType.CONTAINER, "@alice/hello", "@alice/hello"),  # npm only
    ],
)
def test_package_name_drops_the_owners_npm_scope(
    package_type: PackageType, name: str, expected: str
) -> None:
    assert package_name(package_type, "alice", name) == expected


def test_split_scope() -> None:
    assert split_scope("@acme/web-ui") == ("acme", "web-ui")
    assert split_scope("web-ui") == (None, "web-ui")
    assert split_scope("@acme") == (None, "@acme")
