"""Reading a `.gem`: real gems from `gem build` read as RubyGems reads them, and every bad
input refused with a message that says what is wrong."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from packyard.domain.rubygems import MAX_METADATA_SIZE, GemInvalid, GemSpec
from packyard.registries.rubygems.gemfile import read_gem
from tests.requirements import RUBY

# name → the body of a gemspec; built with `gem build` by `build_gems`.
GEMSPECS = {
    "app": """
  s.name = "demo-app"
  s.version = "2.0.0-beta.1"
  s.summary = "Demo"
  s.description = "A longer description"
  s.authors = ["Ann", "Bob"]
  s.email = ["ann@example.com"]
  s.homepage = "https://example.com"
  s.license = "MIT"
  s.required_ruby_version = ">= 2.7"
  s.add_dependency "rack", "~> 2.0", ">= 2.0.1"
  s.add_dependency "json"
  s.add_development_dependency "rake", "~> 13.0"
  s.metadata["github_repo"] = "ssh://github.com/octo/demo-app"
""",
    "native": """
  s.name = "demo-native"
  s.version = "1.0.0"
  s.summary = "Native"
  s.authors = ["Ann"]
  s.email = "ann@example.com"
  s.platform = "x86_64-linux"
  s.add_dependency "demo-app", ">= 1"
""",
    "plain": """
  s.name = "demo-native"
  s.version = "1.0.0"
  s.summary = "Plain"
  s.authors = ["Ann"]
""",
    "older": """
  s.name = "demo-native"
  s.version = "0.9"
  s.summary = "Older"
  s.authors = ["Ann"]
""",
}


def build_gems(directory: Path) -> dict[str, Path]:
    """Each of GEMSPECS built with `gem build` in `directory`: name → its .gem."""
    gem = RUBY.command("gem")
    built = {}
    for key, body in GEMSPECS.items():
        source = directory / key
        source.mkdir()
        (source / f"{key}.gemspec").write_text(
            f"Gem::Specification.new do |s|\n{body}  s.files = []\nend\n"
        )
        subprocess.run(
            [gem, "build", f"{key}.gemspec"], cwd=source, capture_output=True, check=True
        )
        (path,) = source.glob("*.gem")
        built[key] = path
    return built


@pytest.fixture(scope="module")
def gems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_gems(tmp_path_factory.mktemp("gems"))


# What RubyGems itself reads from a .gem, in GemSpec.to_json's shape.
RUBY_READS = """
require 'json'
require 'rubygems/package'
req = ->(r) { r.requirements.map { |op, v| [op, v.to_s] } }
puts JSON.dump(ARGV.map { |path|
  s = Gem::Package.new(path).spec
  {name: s.name, version: s.version.to_s, platform: s.platform.to_s, summary: s.summary,
   description: s.description, authors: s.authors, email: s.email, homepage: s.homepage,
   licenses: s.licenses, metadata: s.metadata,
   dependencies: s.dependencies.map { |d|
     {name: d.name, requirement: req.(d.requirement), runtime: d.type == :runtime} },
   required_ruby_version: req.(s.required_ruby_version),
   required_rubygems_version: req.(s.required_rubygems_version),
   date: s.date.utc.strftime('%Y-%m-%d'), rubygems_version: s.rubygems_version,
   specification_version: s.specification_version}
})
"""


def test_built_gems_read_as_rubygems_reads_them(gems: dict[str, Path]) -> None:
    ruby = RUBY.command("ruby")
    paths = [str(p) for p in gems.values()]
    done = subprocess.run([ruby, "-e", RUBY_READS, *paths], capture_output=True, check=True)
    theirs = json.loads(done.stdout)
    ours = [read_gem(Path(p).read_bytes()).to_json() for p in paths]
    assert ours == theirs


def test_what_the_registry_relies_on(gems: dict[str, Path]) -> None:
    app = read_gem(gems["app"].read_bytes())
    assert app.full_name == "demo-app-2.0.0.pre.beta.1" and app.prerelease
    assert app.github_repo == "ssh://github.com/octo/demo-app"
    # In the gemspec's order, as gem build writes them.
    assert [(d.name, d.runtime) for d in app.dependencies] == [
        ("rack", True),
        ("json", True),
        ("rake", False),
    ]
    native = read_gem(gems["native"].read_bytes())
    assert native.filename == gems["native"].name == "demo-native-1.0.0-x86_64-linux.gem"
    assert native.email == "ann@example.com"


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _gem(yaml: str | bytes) -> bytes:
    raw = yaml.encode() if isinstance(yaml, str) else yaml
    return _tar({"metadata.gz": gzip.compress(raw), "data.tar.gz": gzip.compress(b"")})


GOOD = """--- !ruby/object:Gem::Specification
name: ok
version: !ruby/object:Gem::Version
  version: '1.0'
platform: ruby
authors:
- Ann
date: 2024-01-01 00:00:00.000000000 Z
dependencies: []
summary: fine
specification_version: 4
rubygems_version: 3.3.15
"""


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


def test_a_minimal_hand_written_spec_reads() -> None:
    spec = read_gem(_gem(GOOD))
    assert (spec.name, spec.version, spec.platform, spec.date) == (
        "ok",
        "1.0",
        "ruby",
        "2024-01-01",
    )
    assert spec.required_ruby_version.trivial and spec.metadata == {}


BAD = [
    pytest.param(b"not a tar at all" * 64, "not a tar archive", id="not-tar"),
    pytest.param(_tar({"data.tar.gz": b""}), "no metadata.gz", id="no-metadata"),
    pytest.param(
        _tar({"x": b"", "metadata.gz": gzip.compress(GOOD.encode())}),
        None,
        id="other-members-are-fine",
    ),
    pytest.param(_tar({"metadata.gz": b"plain yaml"}), "not gzip", id="not-gzip"),
    pytest.param(
        _tar({"metadata.gz": gzip.compress(GOOD.encode())[:-12]}), "truncated", id="truncated"
    ),
    pytest.param(_gem(b"name: \xc3\x28"), "not a gemspec's YAML", id="not-utf8"),
    pytest.param(_gem("name: [unclosed"), "not a gemspec's YAML", id="bad-yaml"),
    pytest.param(_gem("--- {}\n"), "not a Gem::Specification", id="plain-mapping"),
    pytest.param(
        _gem("--- !ruby/object:Gem::Version\nversion: '1'\n"),
        "not a Gem::Specification",
        id="other-class",
    ),
    pytest.param(
        _gem(_replace("platform: ruby", "platform: !ruby/object:Kernel {}")),
        "Ruby class 'Kernel'",
        id="unknown-class",
    ),
    pytest.param(
        _gem(_replace("platform: ruby", "platform: !!python/object:os.system {}")),
        "not a gemspec's YAML",
        id="python-tag",
    ),
    pytest.param(_gem(_replace("name: ok", "name: '-ok'")), "can not begin", id="bad-name"),
    pytest.param(_gem(_replace("name: ok", "name: [ok]")), "name is missing", id="name-type"),
    pytest.param(_gem(_replace("version: '1.0'", "version: '1..0'")), "malformed", id="version"),
    pytest.param(
        _gem(_replace("platform: ruby", "platform: 'x86 linux'")), "platform", id="platform"
    ),
    pytest.param(_gem(_replace("summary: fine\n", "")), "summary is missing", id="no-summary"),
    pytest.param(
        _gem(_replace("dependencies: []", "dependencies:\n- rack")),
        "not a Gem::Dependency",
        id="dependency",
    ),
    pytest.param(
        _gem(_replace("platform: ruby", "metadata:\n  a: [b]\nplatform: ruby")),
        "metadata must map strings",
        id="metadata",
    ),
    pytest.param(
        _gem(_replace("specification_version: 4", "specification_version: many")),
        "specification_version",
        id="spec-version",
    ),
    pytest.param(_gem(_replace("date: 2024-01-01", "date: soon")), "date", id="date"),
]


@pytest.mark.parametrize(("data", "says"), BAD)
def test_bad_gems_are_refused_with_a_reason(data: bytes, says: str | None) -> None:
    if says is None:
        assert read_gem(data).name == "ok"
        return
    with pytest.raises(GemInvalid, match=says):
        read_gem(data)


def test_two_metadata_members_are_refused() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for _ in range(2):
            info = tarfile.TarInfo("metadata.gz")
            payload = gzip.compress(GOOD.encode())
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    with pytest.raises(GemInvalid, match=r"more than one metadata\.gz"):
        read_gem(out.getvalue())


def test_metadata_past_the_cap_is_refused_without_inflating_it_all() -> None:
    read_gem(_gem(GOOD + "#" * (MAX_METADATA_SIZE - len(GOOD) - 1) + "\n"))
    # 1 GB of zeros compresses to ~1 MB: a bomb, stopped at the cap.
    bomb = gzip.compress(b"\0" * (256 * 1024 * 1024), compresslevel=9)
    started = time.monotonic()
    with pytest.raises(GemInvalid, match="2 MB or more"):
        read_gem(_tar({"metadata.gz": bomb}))
    assert time.monotonic() - started < 2
    with pytest.raises(GemInvalid, match="2 MB or more"):
        read_gem(_gem(GOOD + "#" * (MAX_METADATA_SIZE - len(GOOD)) + "\n"))


def test_an_alias_bomb_costs_what_its_text_does() -> None:
    # Nine levels of nine aliases: 9**9 strings if anything expanded them.
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, 10):
        refs = ", ".join([f"*a{n - 1}"] * 9)
        levels.append(f"  a{n}: &a{n} [{refs}]")
    bomb = "files:\n" + "\n".join(["  " + levels[0], *levels[1:]]) + "\n"
    started = time.monotonic()
    spec = read_gem(_gem(GOOD + bomb))  # files are not read: the bomb sits unexpanded
    assert spec.name == "ok"
    header, rest = _replace("authors:\n- Ann", "authors: *a9").split("\n", 1)
    with pytest.raises(GemInvalid, match="authors is not a list of strings"):
        read_gem(_gem(f"{header}\n{bomb.replace('files', 'x')}{rest}"))
    assert time.monotonic() - started < 2


def test_deep_nesting_is_refused_not_a_crash() -> None:
    deep = "x: " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(GemInvalid, match="not a gemspec's YAML"):
        read_gem(_gem(GOOD + deep))


def test_a_spec_read_round_trips_through_json(gems: dict[str, Path]) -> None:
    for path in gems.values():
        spec = read_gem(path.read_bytes())
        assert GemSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
