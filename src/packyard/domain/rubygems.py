"""RubyGems' names, versions, platforms and specifications, as pure rules.

A gem is `name-version[-platform].gem`; its specification (`GemSpec`) is what the server
keeps of the `.gem`'s `metadata.gz` and what every index is generated from. Versions order
as `Gem::Version#<=>` orders them: `1.0 == 1.0.0`, and a version with a letter (`1.0.a`,
`1.0.pre.beta`) is a pre-release that sorts before its release.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from packyard.domain.errors import BadRequest

# GitHub refuses a gem whose metadata.gz is 2 MB or more once uncompressed.
MAX_METADATA_SIZE = 2 * 1024 * 1024
# rubygems.org caps a gem's name at 255 characters; a version or platform this long is
# not a version or platform, and each becomes part of a file name.
MAX_NAME_LENGTH = 255
MAX_VERSION_LENGTH = 128
MAX_PLATFORM_LENGTH = 128
RUBY_PLATFORM = "ruby"
GEM_SUFFIX = ".gem"
# The operators of `Gem::Requirement::OPS`.
REQUIREMENT_OPERATORS = frozenset({"=", "!=", ">", "<", ">=", "<=", "~>"})
DEFAULT_REQUIREMENT = ((">=", "0"),)  # Gem::Requirement.default: any version

_NAME = re.compile(r"[a-zA-Z0-9._-]+")  # Gem::Specification::VALID_NAME_PATTERN
_SPECIAL_START = re.compile(r"[._-]")  # SPECIAL_CHARACTERS: a name may not start so
# Gem::Version::VERSION_PATTERN, without the surrounding blanks ANCHORED_VERSION_PATTERN
# lets through: a spec's version is `Gem::Version#to_s`, already stripped.
_VERSION = re.compile(r"[0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?")
_SEGMENT = re.compile(r"[0-9]+|[a-zA-Z]+")
_PLATFORM = re.compile(r"[a-zA-Z0-9_.]+(-[a-zA-Z0-9_.]+)*")
_DASH_DIGIT = re.compile(r"-(?=[0-9])")


class GemInvalid(BadRequest):
    """A `.gem` or name the RubyGems registry refuses; the message is what `gem push` prints."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """A `Gem::Requirement`: every (operator, version) must hold."""

    constraints: tuple[tuple[str, str], ...] = DEFAULT_REQUIREMENT

    def text(self) -> str:
        """`Gem::Requirement#to_s`: the constraints in their own order, `~> 1.0, >= 1.0.2`."""
        return ", ".join(f"{op} {version}" for op, version in self.constraints)

    @property
    def trivial(self) -> bool:
        return self.constraints == DEFAULT_REQUIREMENT


@dataclass(frozen=True, slots=True)
class Dependency:
    name: str
    requirement: Requirement
    runtime: bool  # `type: :runtime`; False for `:development`


@dataclass(frozen=True, slots=True)
class GemSpec:
    name: str
    version: str
    platform: str  # RUBY_PLATFORM, or `Gem::Platform#to_s`: `x86_64-linux`
    summary: str
    description: str | None
    authors: tuple[str, ...]
    email: str | tuple[str, ...] | None
    homepage: str | None
    licenses: tuple[str, ...]
    metadata: Mapping[str, str]
    dependencies: tuple[Dependency, ...]
    required_ruby_version: Requirement = field(default_factory=Requirement)
    required_rubygems_version: Requirement = field(default_factory=Requirement)
    date: str = "1980-01-02"  # `YYYY-MM-DD`; Gem::DEFAULT_SOURCE_DATE's day
    rubygems_version: str = ""
    specification_version: int = 4

    @property
    def full_name(self) -> str:
        """`Gem::Specification#full_name`: the platform only when it is not `ruby`."""
        if self.platform == RUBY_PLATFORM:
            return f"{self.name}-{self.version}"
        return f"{self.name}-{self.version}-{self.platform}"

    @property
    def filename(self) -> str:
        return self.full_name + GEM_SUFFIX

    @property
    def prerelease(self) -> bool:
        return is_prerelease(self.version)

    @property
    def github_repo(self) -> str | None:
        """The repository GitHub links a gem to, from `spec.metadata["github_repo"]`."""
        return self.metadata.get("github_repo")

    @property
    def runtime_dependencies(self) -> tuple[Dependency, ...]:
        return tuple(d for d in self.dependencies if d.runtime)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "platform": self.platform,
            "summary": self.summary,
            "description": self.description,
            "authors": list(self.authors),
            "email": list(self.email) if isinstance(self.email, tuple) else self.email,
            "homepage": self.homepage,
            "licenses": list(self.licenses),
            "metadata": dict(self.metadata),
            "dependencies": [
                {
                    "name": d.name,
                    "requirement": _requirement_json(d.requirement),
                    "runtime": d.runtime,
                }
                for d in self.dependencies
            ],
            "required_ruby_version": _requirement_json(self.required_ruby_version),
            "required_rubygems_version": _requirement_json(self.required_rubygems_version),
            "date": self.date,
            "rubygems_version": self.rubygems_version,
            "specification_version": self.specification_version,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GemSpec:
        email = data["email"]
        return cls(
            name=data["name"],
            version=data["version"],
            platform=data["platform"],
            summary=data["summary"],
            description=data["description"],
            authors=tuple(data["authors"]),
            email=tuple(email) if isinstance(email, list) else email,
            homepage=data["homepage"],
            licenses=tuple(data["licenses"]),
            metadata=dict(data["metadata"]),
            dependencies=tuple(
                Dependency(d["name"], _requirement_of_json(d["requirement"]), d["runtime"])
                for d in data["dependencies"]
            ),
            required_ruby_version=_requirement_of_json(data["required_ruby_version"]),
            required_rubygems_version=_requirement_of_json(data["required_rubygems_version"]),
            date=data["date"],
            rubygems_version=data["rubygems_version"],
            specification_version=data["specification_version"],
        )


def _requirement_json(requirement: Requirement) -> list[list[str]]:
    return [[op, version] for op, version in requirement.constraints]


def _requirement_of_json(data: list[list[str]]) -> Requirement:
    return Requirement(tuple((op, version) for op, version in data))


# A version's sort key is a tuple of these; see `version_key`.
_STRING, _END, _NUMBER = 0, 1, 2
VersionKey = tuple[tuple[int, int, str, int], ...]


def version_key(version: str) -> VersionKey:
    """A sort key with `Gem::Version#<=>`'s order.

    Ruby compares `canonical_segments` (numbers and letter runs; trailing zeros dropped from
    the numeric part and from the part from the first letter on) one by one, padding the
    shorter with zeros; a letter run sorts below any number. Python compares tuples with no
    padding, so each non-zero segment is keyed with the zeros before it: against padding,
    a number wins and a string loses, and the fewer zeros came first, the sooner it decides.
    """
    segments: list[int | str] = [
        int(s) if s.isdigit() else s for s in _SEGMENT.findall(canonical_version(version))
    ]
    first_string = next((i for i, s in enumerate(segments) if isinstance(s, str)), None)
    if first_string is None:
        first_string = len(segments)
    parts = (segments[:first_string], segments[first_string:])
    canonical = [s for part in parts for s in _drop_trailing_zeros(part)]
    key = []
    zeros = 0
    for segment in canonical:
        if segment == 0:
            zeros += 1
            continue
        if isinstance(segment, str):
            key.append((_STRING, zeros, segment, 0))
        else:
            key.append((_NUMBER, -zeros, "", segment))
        zeros = 0
    key.append((_END, 0, "", 0))
    return tuple(key)


def _drop_trailing_zeros(part: list[int | str]) -> list[int | str]:
    end = len(part)
    while end and part[end - 1] == 0:
        end -= 1
    return part[:end]


def canonical_version(version: str) -> str:
    """`Gem::Version.new(v).to_s`: stripped, each `-` spelled `.pre.`."""
    return version.strip().replace("-", ".pre.")


def is_prerelease(version: str) -> bool:
    """`Gem::Version#prerelease?`: the version has a letter."""
    return any(c.isascii() and c.isalpha() for c in version)


def check_name(name: str) -> None:
    """The name rules of `Gem::Specification#validate`, and rubygems.org's length cap."""
    if not name:
        raise GemInvalid("a gem's name may not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise GemInvalid(f"a gem's name may have at most {MAX_NAME_LENGTH} characters")
    if not _NAME.fullmatch(name):
        raise GemInvalid(
            f"invalid gem name {name!r}: it can only include letters, numbers, dashes, "
            "periods and underscores"
        )
    if not any(c.isalpha() for c in name):
        raise GemInvalid(f"invalid gem name {name!r}: it must include at least one letter")
    if _SPECIAL_START.match(name):
        raise GemInvalid(
            f"invalid gem name {name!r}: it can not begin with a period, dash, or underscore"
        )


def check_version(version: str) -> None:
    """A `Gem::Version` as a spec holds it: digits first, dot-separated, no blanks; `-`
    only as `gem build` never writes it (`Gem::Version` spells it `.pre.`), so refused."""
    if len(version) > MAX_VERSION_LENGTH:
        raise GemInvalid(f"a gem's version may have at most {MAX_VERSION_LENGTH} characters")
    if not _VERSION.fullmatch(version):
        raise GemInvalid(f"malformed version number string {version!r}")
    if "-" in version:
        raise GemInvalid(
            f"version {version!r} is not as Gem::Version writes it: {canonical_version(version)!r}"
        )


def check_platform(platform: str) -> None:
    """`ruby`, or a platform as `Gem::Platform#to_s` writes it (it reads back the same)."""
    if len(platform) > MAX_PLATFORM_LENGTH:
        raise GemInvalid(f"a gem's platform may have at most {MAX_PLATFORM_LENGTH} characters")
    if platform == RUBY_PLATFORM:
        return
    if not _PLATFORM.fullmatch(platform) or platform_text(platform_parts(platform)) != platform:
        raise GemInvalid(f"invalid platform {platform!r}")


PlatformParts = tuple[str | None, str, str | None]  # Gem::Platform's (cpu, os, version)


def platform_text(parts: PlatformParts) -> str:
    """`Gem::Platform#to_s`."""
    return "-".join(p for p in parts if p is not None)


# Gem::Platform#initialize's table of operating systems: (pattern, os or None to take the
# match's first group as the os, whether the version is the last group). Searched, not
# anchored, as Ruby's `when /…/` is.
_OS_TABLE: tuple[tuple[re.Pattern[str], str | None, bool], ...] = tuple(
    (re.compile(pattern, re.ASCII), os, versioned)
    for pattern, os, versioned in (
        (r"aix(\d+)?", "aix", True),
        (r"cygwin", "cygwin", False),
        (r"darwin(\d+)?", "darwin", True),
        (r"^macruby$", "macruby", False),
        (r"freebsd(\d+)?", "freebsd", True),
        (r"hpux(\d+)?", "hpux", True),
        (r"^java$|^jruby$", "java", False),
        (r"^java([\d.]*)", "java", True),
        (r"^dalvik(\d+)?$", "dalvik", True),
        (r"^dotnet$", "dotnet", False),
        (r"^dotnet([\d.]*)", "dotnet", True),
        (r"linux-?((?!gnu)\w+)?", "linux", True),
        (r"mingw32", "mingw32", False),
        (r"mingw-?(\w+)?", "mingw", True),
        (r"(mswin\d+)(_(\d+))?", None, True),
        (r"netbsdelf", "netbsdelf", False),
        (r"openbsd(\d+\.\d+)?", "openbsd", True),
        (r"bitrig(\d+\.\d+)?", "bitrig", True),
        (r"solaris(\d+\.\d+)?", "solaris", True),
        (r"^(\w+_platform)(\d+)?", None, True),
    )
)


def platform_parts(platform: str) -> PlatformParts:
    """`Gem::Platform.new(platform)`'s (cpu, os, version), for a platform string."""
    arch = platform.split("-")
    if len(arch) > 2 and not re.search(r"\d", arch[-1]):  # reassemble x86-linux-gnu
        extra = arch.pop()
        arch[-1] += "-" + extra
    first = arch.pop(0) if arch else None
    cpu = "x86" if first is not None and re.search(r"i\d86", first) else first
    if len(arch) == 2 and re.fullmatch(r"\d+(\.\d+)?", arch[1]):  # `universal-darwin-19`
        return cpu, arch[0], arch[1]
    os = arch[0] if arch else None
    if os is None:  # a lone os: `java`
        cpu, os = None, first
    if os is None:
        return cpu, "unknown", None
    for pattern, name, versioned in _OS_TABLE:
        found = pattern.search(os)
        if found is None:
            continue
        if name is not None:
            return cpu, name, found.group(1) if versioned else None
        if found.group(1).startswith("mswin"):
            if cpu is None and found.group(1).endswith("32"):
                cpu = "x86"
            return cpu, found.group(1), found.group(3)
        return cpu, found.group(1), found.group(2)
    return cpu, "unknown", None


def gem_names_of_filename(filename: str) -> list[str]:
    """The gem names a `.gem` file name may belong to, longest first.

    `foo-bar-1.0-x86_64-linux.gem` is `foo-bar` at 1.0 on x86_64-linux, but names may hold
    `-2` too (`foo-2-bar-1.0.gem`): every prefix that ends before a `-` and a digit may be
    the name. Prefixes that cannot be gem names are left out.
    """
    if not filename.endswith(GEM_SUFFIX):
        return []
    stem = filename[: -len(GEM_SUFFIX)]
    names = []
    for found in reversed(list(_DASH_DIGIT.finditer(stem))):
        name = stem[: found.start()]
        try:
            check_name(name)
        except GemInvalid:
            continue
        names.append(name)
    return names
