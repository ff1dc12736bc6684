"""What each of GitHub's six package types is, as pure traits: one table, not five sets.

GitHub's registries split in two. The *granular* ones (container, npm, NuGet, RubyGems) keep
access on the package; the *repository-scoped* ones (Maven, legacy Docker) take it from the
repository in their URL, which is also why their last version cannot be deleted on its own
(a repository-scoped package exists only while a version holds it). Tagged types carry tags
in the REST API's `metadata`, and their last-version rule counts tagged versions only.
An *owner-scoped* type's registry names a package `@owner/name`, while the REST API names it
`name`: the scope is the owner, which the REST API's URLs already carry.
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
    owner_scoped: bool = False  # the registry's `@owner/name` is the REST API's `name`

    @property
    def granular(self) -> bool:
        return self.access is AccessModel.GRANULAR


_G, _R = AccessModel.GRANULAR, AccessModel.REPOSITORY

TRAITS: dict[PackageType, FormatTraits] = {
    t.package_type: t
    for t in (
        FormatTraits(PackageType.CONTAINER, _G, True, LastVersionRule.LAST_TAGGED_REFUSED),
        FormatTraits(PackageType.NPM, _G, False, LastVersionRule.DELETES_PACKAGE, True),
        FormatTraits(PackageType.NUGET, _G, False, LastVersionRule.DELETES_PACKAGE),
        FormatTraits(PackageType.RUBYGEMS, _G, False, LastVersionRule.DELETES_PACKAGE),
        FormatTraits(PackageType.MAVEN, _R, False, LastVersionRule.REFUSED),
        FormatTraits(PackageType.DOCKER, _R, True, LastVersionRule.REFUSED),
    )
}


def traits(package_type: PackageType) -> FormatTraits:
    return TRAITS[package_type]


def split_scope(name: str) -> tuple[str | None, str]:
    """`@scope/name` → ("scope", "name"); a name with no scope → (None, name)."""
    if name.startswith("@"):
        scope, sep, short = name[1:].partition("/")
        if sep and scope and short:
            return scope, short
    return None, name


def package_name(package_type: PackageType, owner_login: str, name: str) -> str:
    """The name a package is stored and known by in the REST API, from a name that may carry
    its owner as a scope (`@alice/hello` of alice is `hello`, as on GitHub). A scope that is
    not the owner is left alone: no package of this owner has that name."""
    if not traits(package_type).owner_scoped:
        return name
    scope, short = split_scope(name)
    if scope is not None and scope.lower() == owner_login.lower():
        return short
    return name
