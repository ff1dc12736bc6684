"""A `.gem`'s specification: the YAML in its `metadata.gz`, read safely.

A `.gem` is a plain tar of `metadata.gz` (a gzipped YAML `Gem::Specification`),
`data.tar.gz` and `checksums.yaml.gz`. Only `metadata.gz` is read here, and only so far:

- its uncompressed size is capped at MAX_METADATA_SIZE, and decompression stops there, so
  a small zip bomb costs no more than a gem at the cap;
- the YAML is loaded with the safe loader and a constructor per Ruby class `gem build`
  writes (`!ruby/object:Gem::Specification`, `Gem::Version`, `Gem::Requirement`,
  `Gem::Dependency`, `Gem::Platform`): any other tag is refused, never constructed;
- aliases (`&a` … `*a`) make shared objects, never copies, and the fields read are checked
  for their type before they are walked, so an alias bomb costs what its text does.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import io
import re
import tarfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from packyard.domain.rubygems import (
    MAX_METADATA_SIZE,
    MAX_PLATFORM_LENGTH,
    REQUIREMENT_OPERATORS,
    RUBY_PLATFORM,
    Dependency,
    GemInvalid,
    GemSpec,
    Requirement,
    check_name,
    check_platform,
    check_version,
    platform_parts,
    platform_text,
)

METADATA_MEMBER = "metadata.gz"
_GZIP = zlib.MAX_WBITS | 16  # zlib's window bits for a gzip header and trailer
_CHUNK = 64 * 1024
_RUBY_OBJECT = "!ruby/object:"
_SPECIFICATION = "Gem::Specification"
# The classes `gem build` writes, and the old alias `Gem::Version::Requirement`.
_KNOWN_CLASSES = frozenset(
    {
        _SPECIFICATION,
        "Gem::Version",
        "Gem::Requirement",
        "Gem::Version::Requirement",
        "Gem::Dependency",
        "Gem::Platform",
    }
)
_RUNTIME, _DEVELOPMENT = ":runtime", ":development"
_DATE_LENGTH = len("YYYY-MM-DD")
# Gem::Platform.new reads any string as some platform ("x86 linux" is "linux"): only a
# string a platform could be spelled with is read at all.
_PLATFORM_STRING = re.compile(rf"[A-Za-z0-9_.-]{{1,{MAX_PLATFORM_LENGTH}}}")
# Gem::Specification#platform= reads these old constants' values as other platforms.
_LEGACY_PLATFORMS = {
    "mswin32": "x86-mswin32",
    "i586-linux": "x86-linux",
    "powerpc-darwin": "ppc-darwin",
}


@dataclass(frozen=True, slots=True)
class _Tagged:
    """A `!ruby/object:Class` mapping: the class and its fields, not yet trusted."""

    class_name: str
    fields: Mapping[Any, Any]


def read_gem(data: bytes) -> GemSpec:
    """The specification of a `.gem`, or GemInvalid saying what is wrong with it."""
    return spec_of_yaml(_metadata(data))


def _metadata(data: bytes) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            members = [m for m in archive.getmembers() if m.name == METADATA_MEMBER]
            # Two metadata.gz would let two readers see two different gems.
            if len(members) != 1 or not members[0].isfile():
                raise GemInvalid(
                    "not a .gem: it has no metadata.gz"
                    if not members
                    else "not a .gem: it has more than one metadata.gz, or not as a file"
                )
            stream = archive.extractfile(members[0])
            assert stream is not None  # a regular file always has its data
            return _gunzip(stream.read())
    except tarfile.TarError:
        raise GemInvalid("not a .gem: it is not a tar archive") from None


def _gunzip(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj(_GZIP)
    out = bytearray()
    pending = compressed
    try:
        while pending and not inflater.eof:
            # Never ask for more than one byte past the cap: a bomb stops here.
            out += inflater.decompress(pending, MAX_METADATA_SIZE + 1 - len(out))
            if len(out) > MAX_METADATA_SIZE:
                raise GemInvalid(
                    f"metadata.gz is {MAX_METADATA_SIZE // (1024 * 1024)} MB or more "
                    "uncompressed: a gem's metadata must be smaller"
                )
            pending = inflater.unconsumed_tail
    except zlib.error:
        raise GemInvalid("metadata.gz is not gzip-compressed") from None
    if not inflater.eof:
        raise GemInvalid("metadata.gz is truncated")
    return bytes(out)


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """The safe loader, knowing RubyGems' classes as `_Tagged` mappings and nothing more."""


def _ruby_object(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    if suffix not in _KNOWN_CLASSES:
        raise GemInvalid(f"metadata.gz names the Ruby class {suffix!r}, which a gemspec has not")
    if not isinstance(node, yaml.MappingNode):
        raise GemInvalid(f"metadata.gz has a {suffix} that is not a mapping")
    return _Tagged(suffix, loader.construct_mapping(node, deep=True))


def _binary(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # Psych writes a String that is not valid UTF-8 as `!binary` base64.
    if not isinstance(node, yaml.ScalarNode):
        raise GemInvalid("metadata.gz has a !binary value that is not text")
    try:
        raw = base64.b64decode(loader.construct_scalar(node))
    except binascii.Error:
        raise GemInvalid("metadata.gz has a !binary value that is not base64") from None
    return raw.decode(errors="replace")


_Loader.add_multi_constructor(_RUBY_OBJECT, _ruby_object)
_Loader.add_constructor("!binary", _binary)


def spec_of_yaml(text: bytes) -> GemSpec:
    """The `Gem::Specification` a gem's metadata YAML describes."""
    loader = _Loader(text)
    try:
        document = loader.get_single_data()
    except GemInvalid:
        raise
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or type(error).__name__
        raise GemInvalid(f"metadata.gz is not a gemspec's YAML: {problem}") from None
    except (RecursionError, UnicodeDecodeError, ValueError, TypeError):
        # Nesting past Python's stack, bytes that are not UTF-8, and scalars the safe
        # constructor cannot read (a date of month 13) all end here.
        raise GemInvalid("metadata.gz is not a gemspec's YAML") from None
    finally:
        loader.dispose()
    if not isinstance(document, _Tagged) or document.class_name != _SPECIFICATION:
        raise GemInvalid("metadata.gz is not a Gem::Specification")
    return _spec(document.fields)


def _spec(fields: Mapping[Any, Any]) -> GemSpec:
    name = _string(fields, "name")
    check_name(name)
    version = _version(fields.get("version"), "version")
    check_version(version)
    platform = _platform(fields.get("platform"))
    check_platform(platform)
    return GemSpec(
        name=name,
        version=version,
        platform=platform,
        summary=_string(fields, "summary"),
        description=_optional_string(fields, "description"),
        authors=_strings(fields, "authors"),
        email=_email(fields.get("email")),
        homepage=_optional_string(fields, "homepage"),
        licenses=_strings(fields, "licenses"),
        metadata=_metadata_of(fields.get("metadata")),
        dependencies=_dependencies(fields.get("dependencies")),
        required_ruby_version=_requirement(fields.get("required_ruby_version"), "ruby"),
        required_rubygems_version=_requirement(fields.get("required_rubygems_version"), "rubygems"),
        date=_date(fields.get("date")),
        rubygems_version=_optional_string(fields, "rubygems_version") or "",
        specification_version=_specification_version(fields.get("specification_version")),
    )


def _string(fields: Mapping[Any, Any], key: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str):
        raise GemInvalid(f"the gemspec's {key} is missing or not a string")
    return value


def _optional_string(fields: Mapping[Any, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is not None and not isinstance(value, str):
        raise GemInvalid(f"the gemspec's {key} is not a string")
    return value


def _strings(fields: Mapping[Any, Any], key: str) -> tuple[str, ...]:
    value = fields.get(key)
    if value is None:
        return ()
    if isinstance(value, str):  # `s.authors = "Ann"`, as Ruby's writers wrap it
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GemInvalid(f"the gemspec's {key} is not a list of strings")
    return tuple(value)


def _email(value: Any) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise GemInvalid("the gemspec's email is not a string or a list of strings")


def _metadata_of(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise GemInvalid("the gemspec's metadata must map strings to strings")
    return value


def _version(value: Any, what: str) -> str:
    if isinstance(value, _Tagged) and value.class_name == "Gem::Version":
        value = value.fields.get("version")
    # Psych quotes versions, but an old writer may have left `1` as a number.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise GemInvalid(f"the gemspec's {what} is not a Gem::Version")
    return value


def _platform(value: Any) -> str:
    if isinstance(value, _Tagged) and value.class_name == "Gem::Platform":
        parts = [value.fields.get(k) for k in ("cpu", "os", "version")]
        if not all(p is None or isinstance(p, str) for p in parts):
            raise GemInvalid("the gemspec's platform is not a Gem::Platform")
        return platform_text((parts[0], parts[1] or "", parts[2])) or RUBY_PLATFORM
    if value is None or value == "" or value == RUBY_PLATFORM:
        return RUBY_PLATFORM
    if not isinstance(value, str) or not _PLATFORM_STRING.fullmatch(value):
        raise GemInvalid(f"the gemspec's platform {value!r} is not a platform")
    # As Gem::Specification#platform= reads a string: Gem::Platform.new(it).to_s.
    return platform_text(platform_parts(_LEGACY_PLATFORMS.get(value, value)))


def _requirement(value: Any, what: str) -> Requirement:
    if value is None:
        return Requirement()
    if not isinstance(value, _Tagged) or value.class_name not in (
        "Gem::Requirement",
        "Gem::Version::Requirement",
    ):
        raise GemInvalid(f"the gemspec's {what} requirement is not a Gem::Requirement")
    pairs = value.fields.get("requirements")
    if not isinstance(pairs, list) or not pairs:
        raise GemInvalid(f"the gemspec's {what} requirement has no requirements")
    constraints = []
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2 or pair[0] not in REQUIREMENT_OPERATORS:
            raise GemInvalid(f"the gemspec's {what} requirement has a malformed constraint")
        version = _version(pair[1], f"{what} requirement's version")
        check_version(version)
        constraints.append((pair[0], version))
    return Requirement(tuple(constraints))


def _dependencies(value: Any) -> tuple[Dependency, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise GemInvalid("the gemspec's dependencies are not a list")
    dependencies = []
    for item in value:
        if not isinstance(item, _Tagged) or item.class_name != "Gem::Dependency":
            raise GemInvalid("the gemspec has a dependency that is not a Gem::Dependency")
        name = _string(item.fields, "name")
        check_name(name)
        # Gems from before RubyGems 1.3 keep the requirement as version_requirements.
        requirement = item.fields.get("requirement") or item.fields.get("version_requirements")
        kind = item.fields.get("type", _RUNTIME)
        if kind not in (_RUNTIME, _DEVELOPMENT):
            raise GemInvalid(f"the dependency on {name} has the unknown type {kind!r}")
        dependencies.append(
            Dependency(name, _requirement(requirement, f"{name} dependency's"), kind == _RUNTIME)
        )
    return tuple(dependencies)


def _date(value: Any) -> str:
    # `date: 2024-01-01 00:00:00.000000000 Z` is a UTC time; its day is the spec's date.
    if isinstance(value, datetime.datetime):
        moment: datetime.datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.UTC)
        return moment.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= _DATE_LENGTH:
        try:
            return datetime.date.fromisoformat(value[:_DATE_LENGTH]).isoformat()
        except ValueError:
            pass
    raise GemInvalid("the gemspec's date is missing or not a date")


def _specification_version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise GemInvalid("the gemspec's specification_version is not a positive integer")
    return value
