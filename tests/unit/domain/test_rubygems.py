"""RubyGems' names, versions and platforms, checked against Ruby's own Gem::Version and
Gem::Platform where Ruby is here."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess

import pytest

from packyard.domain.rubygems import (
    MAX_NAME_LENGTH,
    MAX_VERSION_LENGTH,
    Dependency,
    GemInvalid,
    GemSpec,
    Requirement,
    check_name,
    check_platform,
    check_version,
    gem_names_of_filename,
    is_prerelease,
    platform_parts,
    platform_text,
    version_key,
)
from tests.requirements import RUBY

VERSIONS = [
    "0", "0.0", "0.1", "1", "1.0", "1.0.0", "1.0.0.0", "1.0.1", "1.01", "1.1", "1.9", "1.10",
    "2", "10", "1.0.a", "1.0.a1", "1.0.b", "1.0.pre", "1.0.pre.1", "1.0.pre1", "1.0.rc1",
    "1.0.RC1", "1.a", "1.a.0", "1.a.0.1", "1.a.0.b", "1.0.0.a", "1.0.a.0", "1.0.1.a",
    "1.2.0.beta1", "1.2.0.beta10", "1.2.0.beta2", "2.0.0.pre", "3.0.0.1", "0.0.1.a",
    "1.0.a.1", "1.0.a.1.0", "1.0.1.1", "1.0.0.1",
]  # fmt: skip


def _ruby(script: str, *args: str) -> str:
    ruby = RUBY.command("ruby")
    done = subprocess.run([ruby, "-e", script, *args], capture_output=True, text=True, check=True)
    return done.stdout


def _sign(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


def test_versions_order_as_gem_version_orders_them() -> None:
    script = (
        "require 'json'; vs = ARGV.map { |v| Gem::Version.new(v) }; "
        "puts JSON.dump(vs.map { |a| vs.map { |b| a <=> b } })"
    )
    ruby = json.loads(_ruby(script, *VERSIONS))
    ours = [[_sign(version_key(a), version_key(b)) for b in VERSIONS] for a in VERSIONS]
    mismatches = [
        (a, b, ruby[i][j], ours[i][j])
        for i, a in enumerate(VERSIONS)
        for j, b in enumerate(VERSIONS)
        if ruby[i][j] != ours[i][j]
    ]
    assert mismatches == []


def test_prerelease_is_any_letter_as_ruby_says() -> None:
    ruby = json.loads(
        _ruby(
            "require 'json'; puts JSON.dump(ARGV.map { |v| Gem::Version.new(v).prerelease? })",
            *VERSIONS,
        )
    )
    assert [is_prerelease(v) for v in VERSIONS] == ruby
    assert version_key("1.0") == version_key("1.0.0") and version_key("1.0.a") < version_key("1")


PLATFORMS = [
    "x86_64-linux", "x86_64-linux-musl", "x86-linux", "i686-linux", "arm64-darwin",
    "universal-darwin-19", "x86_64-darwin-21", "java", "jruby", "x64-mingw32", "x64-mingw-ucrt",
    "x86-mswin32-60", "mswin32", "x86-mingw32", "aarch64-linux-gnu", "sparc-solaris2.8",
    "x86_64-freebsd13", "powerpc-aix5", "universal-java-11", "dalvik19", "weird-thing",
    "x86_64-openbsd7.1", "foo_platform3",
]  # fmt: skip


def test_platform_strings_read_as_gem_platform_reads_them() -> None:
    script = (
        "require 'json'; puts JSON.dump(ARGV.map { |p| "
        "q = Gem::Platform.new(p); [q.to_a, q.to_s] })"
    )
    ruby = json.loads(_ruby(script, *PLATFORMS))
    ours = [[list(platform_parts(p)), platform_text(platform_parts(p))] for p in PLATFORMS]
    assert ours == ruby


@pytest.mark.parametrize(
    "platform", ["ruby", "x86_64-linux", "universal-darwin-19", "java", "x64-mingw-ucrt"]
)
def test_a_platform_as_gem_platform_writes_it_is_accepted(platform: str) -> None:
    check_platform(platform)


@pytest.mark.parametrize("platform", ["", "i686-linux", "jruby", "x86 linux", "a" * 129, "-"])
def test_a_platform_ruby_would_write_otherwise_is_refused(platform: str) -> None:
    with pytest.raises(GemInvalid, match="platform"):
        check_platform(platform)


@pytest.mark.parametrize("name", ["rack", "foo-bar", "foo_bar.rb", "R2D2", "a" * MAX_NAME_LENGTH])
def test_valid_names(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "empty"),
        ("a" * (MAX_NAME_LENGTH + 1), "at most 255"),
        ("123", "at least one letter"),
        ("foo bar", "letters, numbers"),
        ("föö", "letters, numbers"),
        ("../etc", "letters, numbers"),
        ("-foo", "can not begin"),
        (".foo", "can not begin"),
        ("_foo", "can not begin"),
    ],
)
def test_invalid_names_say_why(name: str, says: str) -> None:
    with pytest.raises(GemInvalid, match=says):
        check_name(name)


def test_versions_are_checked_up_to_their_cap() -> None:
    check_version("1.0.pre.beta")
    check_version("1." + "0" * (MAX_VERSION_LENGTH - 2))
    with pytest.raises(GemInvalid, match="at most 128"):
        check_version("1." + "0" * (MAX_VERSION_LENGTH - 1))
    for bad in ["", "a1", "1..0", " 1.0", "1.0 ", "1.0/..", "1,0"]:
        with pytest.raises(GemInvalid, match="malformed version"):
            check_version(bad)
    with pytest.raises(GemInvalid, match=re.escape("'1.0.pre.beta'")):
        check_version("1.0-beta")


def test_candidate_names_of_a_file_name_are_longest_first() -> None:
    assert gem_names_of_filename("foo-bar-1.0-x86_64-linux.gem") == ["foo-bar"]
    assert gem_names_of_filename("foo-2-bar-1.0.gem") == ["foo-2-bar", "foo"]
    assert gem_names_of_filename("rack-3.0.0.gem") == ["rack"]
    assert gem_names_of_filename("rack-3.0.0.tar") == []
    assert gem_names_of_filename("-1.0.gem") == []


SPEC = GemSpec(
    name="demo",
    version="1.0.pre",
    platform="x86_64-linux",
    summary="S",
    description="D",
    authors=("Ann",),
    email=("a@example.com", "b@example.com"),
    homepage="https://example.com",
    licenses=("MIT",),
    metadata={"github_repo": "ssh://github.com/o/r"},
    dependencies=(
        Dependency("rack", Requirement((("~>", "2.0"), (">=", "2.0.1"))), True),
        Dependency("rake", Requirement(), False),
    ),
    required_ruby_version=Requirement(((">=", "2.7"),)),
    required_rubygems_version=Requirement(((">", "1.3.1"),)),
    date="2024-01-01",
    rubygems_version="3.3.15",
    specification_version=4,
)


@pytest.mark.parametrize("email", [("a@example.com", "b@example.com"), "a@example.com", None])
def test_a_spec_round_trips_through_json(email: str | tuple[str, ...] | None) -> None:
    spec = dataclasses.replace(SPEC, email=email)
    assert GemSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec


def test_a_spec_names_its_file_and_repository() -> None:
    assert SPEC.full_name == "demo-1.0.pre-x86_64-linux"
    assert SPEC.filename == "demo-1.0.pre-x86_64-linux.gem"
    assert SPEC.prerelease and SPEC.github_repo == "ssh://github.com/o/r"
    assert SPEC.dependencies[0].requirement.text() == "~> 2.0, >= 2.0.1"
    assert Requirement().trivial and not SPEC.required_ruby_version.trivial
    assert [d.name for d in SPEC.runtime_dependencies] == ["rack"]
