"""Every index RubyGems' clients read, generated from the specifications the database holds.

    specs.4.8.gz             gem, `gem install`: every release, as `gem generate_index` writes it
    latest_specs.4.8.gz      the highest release of each gem on each platform
    prerelease_specs.4.8.gz  every pre-release
    quick/Marshal.4.8/NAME-VERSION[-PLATFORM].gemspec.rz    one spec, for gem's full index
    api/v1/dependencies?gems=a,b                            Bundler's older API
    versions, info/NAME      the compact index Bundler 2 reads, as rubygems.org writes it

Nothing here is read from disk: the same rows give the same bytes (gzip without a time
stamp), so a cache or an ETag computed from the bytes stays valid until a row changes.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from packyard.domain.rubygems import (
    RUBY_PLATFORM,
    GemSpec,
    Requirement,
    platform_parts,
    version_key,
)
from packyard.registries.rubygems.marshal import (
    RubyObject,
    Symbol,
    UserDump,
    UserMarshal,
    Value,
    dump,
)

# What `Gem::Specification#_dump` writes where RubyGems dropped a field (rubyforge_project)
# and what it always says of has_rdoc.
_RUBYFORGE_PROJECT = ""
_HAS_RDOC = True
# `gem generate_index` sorts the ruby platform before the others (Gem::Platform.sort_priority).
_RUBY_FIRST, _OTHER_PLATFORMS = 0, 1
_COMPACT_HEADER = "---\n"


@dataclass(frozen=True, slots=True)
class IndexedGem:
    spec: GemSpec
    sha256: str  # hex sha256 of the .gem file
    created_at: datetime  # when it was pushed


def _sorted(specs: Iterable[GemSpec]) -> list[GemSpec]:
    """As `gem generate_index` sorts (name, version, ruby first); Ruby's sort leaves equal
    keys in no set order, so the platform and the version's spelling break ties here."""
    return sorted(
        specs,
        key=lambda s: (
            s.name,
            version_key(s.version),
            _RUBY_FIRST if s.platform == RUBY_PLATFORM else _OTHER_PLATFORMS,
            s.platform,
            s.version,
        ),
    )


def _specs_index(specs: Iterable[GemSpec]) -> bytes:
    """gzip(Marshal([[name, Gem::Version, platform], ...])), equal versions as one object
    and equal strings linked, as `Gem::Indexer#compact_specs` shares them."""
    versions: dict[str, UserMarshal] = {}
    rows: list[Value] = []
    for spec in _sorted(specs):
        version = versions.setdefault(spec.version, _version(spec.version))
        rows.append([spec.name, version, spec.platform])
    return gzip.compress(dump(rows, link_equal_strings=True), mtime=0)


def specs_gz(specs: Iterable[GemSpec]) -> bytes:
    return _specs_index(s for s in specs if not s.prerelease)


def latest_specs_gz(specs: Iterable[GemSpec]) -> bytes:
    """The highest release per (name, platform), as rubygems.org serves it (`gem
    generate_index` keeps one per name only, whichever platform sorts first)."""
    latest: dict[tuple[str, str], GemSpec] = {}
    for spec in specs:
        if spec.prerelease:
            continue
        key = (spec.name, spec.platform)
        if key not in latest or version_key(spec.version) > version_key(latest[key].version):
            latest[key] = spec
    return _specs_index(latest.values())


def prerelease_specs_gz(specs: Iterable[GemSpec]) -> bytes:
    return _specs_index(s for s in specs if s.prerelease)


def _version(version: str) -> UserMarshal:
    return UserMarshal("Gem::Version", [version])  # Gem::Version#marshal_dump


def _requirement(requirement: Requirement) -> UserMarshal:
    # Gem::Requirement#marshal_dump: [@requirements], each [operator, Gem::Version].
    pairs: list[Value] = [[op, _version(version)] for op, version in requirement.constraints]
    return UserMarshal("Gem::Requirement", [pairs])


def _platform(platform: str) -> Value:
    if platform == RUBY_PLATFORM:
        return platform
    cpu, os, version = platform_parts(platform)
    return RubyObject("Gem::Platform", {"@cpu": cpu, "@os": os, "@version": version})


def gemspec_rz(spec: GemSpec) -> bytes:
    """quick/Marshal.4.8/FULL_NAME.gemspec.rz: zlib(Marshal(Gem::Specification)), which
    Marshal writes through `Gem::Specification#_dump`'s array (`_load` reads it back)."""
    email: Value = list(spec.email) if isinstance(spec.email, tuple) else spec.email
    metadata: dict[Value, Value] = dict(spec.metadata.items())
    fields: list[Value] = [
        spec.rubygems_version,
        spec.specification_version,
        spec.name,
        _version(spec.version),
        spec.date,  # Gem::Specification#date= takes "YYYY-MM-DD" as that day, UTC
        spec.summary,
        _requirement(spec.required_ruby_version),
        _requirement(spec.required_rubygems_version),
        spec.platform,  # original_platform: `gem generate_index` wants a String here
        [
            RubyObject(
                "Gem::Dependency",
                {
                    "@name": d.name,
                    "@requirement": _requirement(d.requirement),
                    "@type": Symbol("runtime" if d.runtime else "development"),
                    "@prerelease": False,
                },
            )
            for d in spec.dependencies
        ],
        _RUBYFORGE_PROJECT,
        email,
        list(spec.authors),
        # `gem generate_index` (and rubygems.org) `sanitize` a spec first, and
        # Gem::Specification#description= reads nil as "".
        spec.description or "",
        spec.homepage,
        _HAS_RDOC,
        _platform(spec.platform),
        list(spec.licenses),
        metadata,
    ]
    return zlib.compress(dump(UserDump("Gem::Specification", dump(fields))))


def _number_and_platform(spec: GemSpec) -> str:
    if spec.platform == RUBY_PLATFORM:
        return spec.version
    return f"{spec.version}-{spec.platform}"


def _compact_requirement(requirement: Requirement) -> str:
    # rubygems.org writes `Gem::Requirement#to_s`'s parts sorted, joined by `&`: Bundler
    # splits a line's fields at `,`.
    return "&".join(sorted(f"{op} {version}" for op, version in requirement.constraints))


def _info_line(gem: IndexedGem) -> str:
    spec = gem.spec
    dependencies = ",".join(
        f"{d.name}:{_compact_requirement(d.requirement)}"
        for d in sorted(spec.runtime_dependencies, key=lambda d: d.name)
    )
    line = f"{_number_and_platform(spec)} {dependencies}|checksum:{gem.sha256}"
    if not spec.required_ruby_version.trivial:
        line += f",ruby:{_compact_requirement(spec.required_ruby_version)}"
    if not spec.required_rubygems_version.trivial:
        line += f",rubygems:{_compact_requirement(spec.required_rubygems_version)}"
    return line + "\n"


def compact_info(gems: Sequence[IndexedGem]) -> bytes:
    """info/NAME: one line per version of one gem, in the order they were pushed."""
    return (_COMPACT_HEADER + "".join(_info_line(g) for g in gems)).encode()


def compact_versions(by_name: Mapping[str, Sequence[IndexedGem]], created_at: datetime) -> bytes:
    """versions: each gem's versions, and the MD5 of its info file, which Bundler checks
    its cached copy against before asking for the file again."""
    stamp = _utc(created_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [f"created_at: {stamp}\n", _COMPACT_HEADER]
    for name in sorted(by_name):
        gems = by_name[name]
        if not gems:
            continue
        numbers = ",".join(_number_and_platform(g.spec) for g in gems)
        lines.append(f"{name} {numbers} {hashlib.md5(compact_info(gems)).hexdigest()}\n")
    return "".join(lines).encode()


def _utc(moment: datetime) -> datetime:
    # A naive time from the database is UTC already.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def dependencies_marshal(gems: Sequence[IndexedGem]) -> bytes:
    """api/v1/dependencies: Marshal([{name:, number:, platform:, dependencies: [[name,
    requirement]]}]), runtime dependencies only, as rubygems.org served it."""
    rows: list[Value] = [
        {
            Symbol("name"): g.spec.name,
            Symbol("number"): g.spec.version,
            Symbol("platform"): g.spec.platform,
            Symbol("dependencies"): [
                [d.name, d.requirement.text()] for d in g.spec.runtime_dependencies
            ],
        }
        for g in gems
    ]
    return dump(rows)
