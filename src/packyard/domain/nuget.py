"""NuGet's ids, versions and package manifests (`.nuspec`), as pure rules.

A package id is `\\w+([.-]\\w+)*`, at most MAX_ID_LENGTH long, and names one package
case-insensitively (`Hello.World` and `hello.world` are one; v3 URLs use the lowered id).

A version is NuGet's: SemVer 2.0 (`1.2.3-beta.1+build`) and the legacy four-part form
(`1.2.3.4`), one to four numbers. What the server stores and answers is its *normalized*
string, as NuGet's docs define it ("Package versioning" → "Normalized version numbers"):

    1.0        → 1.0.0        missing parts are zeros
    1.01.1     → 1.1.1        leading zeros go
    1.0.0.0    → 1.0.0        a zero fourth part goes; 1.0.0.1 keeps it
    1.0.7+r34  → 1.0.7        build metadata goes

Versions order as NuGet's `VersionComparer.Default`: the numbers, then a release before its
pre-releases' absence (`1.0.0-beta` < `1.0.0`), labels compared one by one (numbers as
numbers and before words, words case-insensitively, fewer labels first); metadata never
counts. So `1.0.0-Beta` and `1.0.0-beta` are one version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from packyard.domain.errors import BadRequest

# NuGet's PackageIdValidator.MaxPackageIdLength.
MAX_ID_LENGTH = 100
# A version part is a .NET Int32; a longer version string is not one NuGet reads.
MAX_VERSION_PART = 2**31 - 1
MAX_VERSION_LENGTH = 256
# One to four numbers: major, minor, patch and the legacy revision.
MAX_VERSION_NUMBERS = 4
# GitHub: "The nupkg archive … must be smaller than 2.147 GB".
MAX_NUPKG_SIZE = 2**31 - 1
# A .nuspec is a few kilobytes of XML; one larger than this is refused, never inflated.
MAX_NUSPEC_SIZE = 1024 * 1024
NUPKG_SUFFIX = ".nupkg"
NUSPEC_SUFFIX = ".nuspec"

_ID = re.compile(r"\w+(?:[.-]\w+)*")
_LABELS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION = re.compile(
    rf"(?P<numbers>[0-9]+(?:\.[0-9]+){{0,{MAX_VERSION_NUMBERS - 1}}})"
    rf"(?:-(?P<release>{_LABELS}))?(?:\+(?P<metadata>{_LABELS}))?"
)


class NuGetInvalid(BadRequest):
    """A `.nupkg`, id or version the NuGet registry refuses; the message is what the
    client prints."""


# ids --------------------------------------------------------------------------------------


def check_id(package_id: str) -> str:
    """`package_id` if NuGet would accept it as an id."""
    if len(package_id) > MAX_ID_LENGTH:
        raise NuGetInvalid(f"The package id is longer than {MAX_ID_LENGTH} characters.")
    if not _ID.fullmatch(package_id):
        raise NuGetInvalid(f"'{package_id}' is not a valid package id.")
    return package_id


def lower_id(package_id: str) -> str:
    """The id as v3 URLs spell it (NuGet's `ToLowerInvariant`)."""
    return package_id.lower()


# versions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NuGetVersion:
    numbers: tuple[int, int, int, int]  # major, minor, patch, revision
    release: str  # the pre-release labels as written, "" for a release
    metadata: str  # build metadata, kept only to tell SemVer 2.0 versions apart

    @property
    def normalized(self) -> str:
        major, minor, patch, revision = self.numbers
        text = f"{major}.{minor}.{patch}"
        if revision:
            text += f".{revision}"
        return f"{text}-{self.release}" if self.release else text

    @property
    def prerelease(self) -> bool:
        return bool(self.release)

    @property
    def semver2(self) -> bool:
        """A SemVer 2.0.0 version, which clients that do not say `semVerLevel=2.0.0` are
        not shown: dotted pre-release labels or build metadata."""
        return "." in self.release or bool(self.metadata)

    def key(self) -> tuple[Any, ...]:
        """The sort key of `VersionComparer.Default`."""
        if not self.release:
            return (self.numbers, (1,))
        labels = tuple(
            (0, int(label), "") if label.isdigit() else (1, 0, label.lower())
            for label in self.release.split(".")
        )
        return (self.numbers, (0, labels))


def parse_version(text: str) -> NuGetVersion:
    """A version as NuGet reads one, or `NuGetInvalid`."""
    found = _VERSION.fullmatch(text) if len(text) <= MAX_VERSION_LENGTH else None
    if found is None:
        raise NuGetInvalid(f"'{text}' is not a valid version string.")
    numbers = [int(n) for n in found["numbers"].split(".")]
    if any(n > MAX_VERSION_PART for n in numbers):
        raise NuGetInvalid(f"'{text}' is not a valid version string.")
    numbers += [0] * (MAX_VERSION_NUMBERS - len(numbers))
    return NuGetVersion(
        (numbers[0], numbers[1], numbers[2], numbers[3]),
        found["release"] or "",
        found["metadata"] or "",
    )


def normalize_version(text: str) -> str:
    return parse_version(text).normalized


def version_key(text: str) -> tuple[Any, ...]:
    return parse_version(text).key()


def same_version(a: str, b: str) -> bool:
    """Whether two version strings are one NuGet version (`1.0` and `1.0.0.0+x` are)."""
    return version_key(a) == version_key(b)


def nupkg_filename(package_id: str, version: str) -> str:
    """The flat container's file name: `{lowerid}.{lowerversion}.nupkg`."""
    return f"{lower_id(package_id)}.{version.lower()}{NUPKG_SUFFIX}"


def nuspec_filename(package_id: str, version: str) -> str:
    """The name the version's manifest is kept under (the flat container serves it as
    `{lowerid}.nuspec` under the version's folder)."""
    return f"{lower_id(package_id)}.{version.lower()}{NUSPEC_SUFFIX}"


# the manifest -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dependency:
    id: str
    range: str  # as the nuspec writes it ("1.0" means >= 1.0); "" for any version


@dataclass(frozen=True, slots=True)
class DependencyGroup:
    target_framework: str  # "" for the group that applies to every framework
    dependencies: tuple[Dependency, ...]


@dataclass(frozen=True, slots=True)
class Nuspec:
    """What the server keeps of a package's manifest, and every document is made from."""

    id: str
    version: str  # normalized
    verbatim_version: str  # as the nuspec writes it
    description: str
    authors: str
    title: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    license: str = ""  # an SPDX expression (`<license type="expression">`)
    license_url: str = ""
    project_url: str = ""
    icon_url: str = ""
    release_notes: str = ""
    copyright: str = ""
    language: str = ""
    min_client_version: str = ""
    require_license_acceptance: bool = False
    repository_url: str = ""
    dependency_groups: tuple[DependencyGroup, ...] = ()

    @property
    def parsed_version(self) -> NuGetVersion:
        return parse_version(self.verbatim_version)

    @property
    def rest_license(self) -> str | None:
        """The REST API's `license`: the expression, else the URL the nuspec gives."""
        return self.license or self.license_url or None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "verbatim_version": self.verbatim_version,
            "description": self.description,
            "authors": self.authors,
            "title": self.title,
            "summary": self.summary,
            "tags": list(self.tags),
            "license": self.license,
            "license_url": self.license_url,
            "project_url": self.project_url,
            "icon_url": self.icon_url,
            "release_notes": self.release_notes,
            "copyright": self.copyright,
            "language": self.language,
            "min_client_version": self.min_client_version,
            "require_license_acceptance": self.require_license_acceptance,
            "repository_url": self.repository_url,
            "dependency_groups": [
                {
                    "target_framework": g.target_framework,
                    "dependencies": [{"id": d.id, "range": d.range} for d in g.dependencies],
                }
                for g in self.dependency_groups
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Nuspec:
        groups = tuple(
            DependencyGroup(
                g["target_framework"],
                tuple(Dependency(d["id"], d["range"]) for d in g["dependencies"]),
            )
            for g in data["dependency_groups"]
        )
        plain = {k: v for k, v in data.items() if k not in ("tags", "dependency_groups")}
        return cls(**plain, tags=tuple(data["tags"]), dependency_groups=groups)


# search -----------------------------------------------------------------------------------

_EXACT_ID, _PART_OF_ID = "packageid:", "id:"
# The search service's page, as nuget.org's: 20 results unless asked, at most 1,000.
DEFAULT_SEARCH_TAKE = 20
MAX_SEARCH_TAKE = 1000
# `semVerLevel=2.0.0` (or later) asks for SemVer 2.0.0 versions too.
SEMVER2_LEVEL = (2, 0, 0, 0)


def wants_semver2(level: str) -> bool:
    """Whether a client's `semVerLevel` shows SemVer 2.0.0 versions; an absent or unreadable
    level does not, as the search service's docs say."""
    try:
        return parse_version(level).numbers >= SEMVER2_LEVEL
    except NuGetInvalid:
        return False


def shown_in_search(version: NuGetVersion, *, prerelease: bool, semver2: bool) -> bool:
    """Whether the search service lists `version` to a client asking so."""
    return (prerelease or not version.prerelease) and (semver2 or not version.semver2)


def matches_query(query: str, spec: Nuspec) -> bool:
    """Whether a search for `query` finds the package: every term in its id, title,
    description, tags or authors, case-insensitively; `packageid:X` is the id exactly and
    `id:X` a part of it, as the search service's field syntax says."""
    package_id = spec.id.lower()
    for term in query.lower().split():
        if term.startswith(_EXACT_ID):
            found = package_id == term.removeprefix(_EXACT_ID)
        elif term.startswith(_PART_OF_ID):
            found = term.removeprefix(_PART_OF_ID) in package_id
        else:
            texts = (spec.id, spec.title, spec.description, spec.authors, *spec.tags)
            found = any(term in text.lower() for text in texts)
        if not found:
            return False
    return True
