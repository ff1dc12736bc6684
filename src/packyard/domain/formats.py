"""What each of GitHub's six package types is, as pure traits: one table, not five sets.

GitHub's registries split in two. The *granular* ones (container, npm, NuGet, RubyGems) keep
access on the package; the *repository-scoped* ones (Maven, legacy Docker) take it from the
repository in their URL, which is also why their last version cannot be deleted on its own
(a repository-scoped package exists only while a version holds it). Tagged types carry tags
in the REST API's `metadata`, and their last-version rule counts tagged versions only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from packyard.domain.types import PackageType


class AccessModel(enum.Enum):
    GRANULAR = "granular"  # roles on the package, optionally inherited from a repository
    REPOSITORY = "repository"  # the linked repository's permissions, always


class LastVersionRule(enum.Enum):
    """What the REST API does when asked to delete a package's last version."""

    LAST_TAGGED_REFUSED = "last_tagged_refused"  # container: the last *tagged* one is refused
    REFUSED = "refused"  # maven, docker: delete the package instead
    DELETES_PACKAGE = "deletes_package"  # npm, nuget, rubygems: the package goes with it


@dataclass(frozen=True, slots=True)
class FormatTraits:
    package_type: PackageType
    access: AccessModel
    tagged: bool
    last_version: LastVersionRule

    @property
    def granular(self) -> bool:
        return self.access is AccessModel.GRANULAR


_G, _R = AccessModel.GRANULAR, AccessModel.REPOSITORY

TRAITS: dict[PackageType, FormatTraits] = {
    t.package_type: t
    for t in (
        FormatTraits(PackageType.CONTAINER, _G, True, LastVersionRule.LAST_TAGGED_REFUSED),
        FormatTraits(PackageType.NPM, _G, False, LastVersionRule.DELETES_PACKAGE),
        FormatTraits(PackageType.NUGET, _G, False, LastVersionRule.DELETES_PACKAGE),
        FormatTraits(PackageType.RUBYGEMS, _G, False, LastVersionRule.DELETES_PACKAGE),
        FormatTraits(PackageType.MAVEN, _R, False, LastVersionRule.REFUSED),
        FormatTraits(PackageType.DOCKER, _R, True, LastVersionRule.REFUSED),
    )
}


def traits(package_type: PackageType) -> FormatTraits:
    return TRAITS[package_type]
