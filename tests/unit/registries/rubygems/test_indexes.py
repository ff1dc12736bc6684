"""Every index, against the real thing: `gem generate_index` over the same built gems,
Ruby's `Marshal.load`, and Bundler's own compact index reader."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from packyard.domain.rubygems import Dependency, GemSpec, Requirement
from packyard.registries.rubygems.gemfile import read_gem
from packyard.registries.rubygems.indexes import (
    IndexedGem,
    compact_info,
    compact_versions,
    dependencies_marshal,
    gemspec_rz,
    latest_specs_gz,
    prerelease_specs_gz,
    specs_gz,
)
from tests.requirements import BUNDLER, RUBY
from tests.unit.registries.rubygems.test_gemfile import build_gems

PUSHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _ruby(script: str, *args: str) -> str:
    ruby = RUBY.command("ruby")
    done = subprocess.run([ruby, "-e", script, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[GemSpec]]:
    """`gem generate_index` run over the built gems, and the specs we read from them."""
    gem = RUBY.command("gem")
    built = build_gems(tmp_path_factory.mktemp("built"))
    directory = tmp_path_factory.mktemp("repository")
    (directory / "gems").mkdir()
    for path in built.values():
        shutil.copy(path, directory / "gems" / path.name)
    subprocess.run(
        [gem, "generate_index", "--directory", str(directory)], capture_output=True, check=True
    )
    return directory, [read_gem(p.read_bytes()) for p in built.values()]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(specs_gz, "specs.4.8.gz"), (prerelease_specs_gz, "prerelease_specs.4.8.gz")],
)
def test_specs_indexes_are_generate_indexs_byte_for_byte(
    repository: tuple[Path, list[GemSpec]], ours: object, theirs: str
) -> None:
    directory, specs = repository
    # gzip's header holds a time: the Marshal inside is what must be equal.
    written = gzip.decompress(ours(specs))  # type: ignore[operator]
    assert written == gzip.decompress((directory / theirs).read_bytes())


def test_latest_specs_keeps_each_platform_where_generate_index_keeps_one_per_name(
    repository: tuple[Path, list[GemSpec]], tmp_path: Path
) -> None:
    directory, specs = repository
    (tmp_path / "ours.gz").write_bytes(latest_specs_gz(specs))
    script = """
        load = ->(p) { Marshal.load(Zlib.gunzip(File.binread(p))) }
        ours, theirs = load.(ARGV[0]), load.(ARGV[1])
        show = ->(l) { l.map { |n, v, p| [n, v.to_s, p] } }
        puts JSON.dump([show.(ours), show.(theirs)])
    """
    ours, theirs = json.loads(
        _ruby(
            "require 'zlib'; require 'json';" + script,
            str(tmp_path / "ours.gz"),
            str(directory / "latest_specs.4.8.gz"),
        )
    )
    assert ours == [
        ["demo-native", "1.0.0", "ruby"],
        ["demo-native", "1.0.0", "x86_64-linux"],
    ]
    assert theirs[0] in ours and len(theirs) == 1


QUICK = """
require 'zlib'; require 'json'
load = ->(p) { Marshal.load(Zlib::Inflate.inflate(File.binread(p))) }
fields = %i[name version platform original_platform full_name dependencies summary authors
  licenses metadata email homepage description date required_ruby_version
  required_rubygems_version rubygems_version specification_version]
ARGV.each_slice(2) do |ours, theirs|
  a, b = load.(ours), load.(theirs)
  different = fields.reject { |f| a.send(f) == b.send(f) }
  different << :runtime_dependencies unless a.runtime_dependencies.map(&:to_s) ==
    b.runtime_dependencies.map(&:to_s)
  different << :platform_class unless a.platform.class == b.platform.class
  dependencies = a.dependencies.map { |d| [d.name, d.requirement.to_s, d.type] }
  puts JSON.dump([a.full_name, different, dependencies])
end
"""


def test_quick_gemspecs_load_as_generate_indexs_do(
    repository: tuple[Path, list[GemSpec]], tmp_path: Path
) -> None:
    directory, specs = repository
    paths = []
    for spec in specs:
        ours = tmp_path / f"{spec.full_name}.gemspec.rz"
        ours.write_bytes(gemspec_rz(spec))
        paths += [str(ours), str(directory / "quick" / "Marshal.4.8" / ours.name)]
    results = [json.loads(line) for line in _ruby(QUICK, *paths).splitlines()]
    assert [(name, different) for name, different, _ in results] == [
        (s.full_name, []) for s in specs
    ]
    app = next(deps for name, _, deps in results if name.startswith("demo-app"))
    assert app == [
        ["rack", "~> 2.0, >= 2.0.1", "runtime"],
        ["json", ">= 0", "runtime"],
        ["rake", "~> 13.0", "development"],
    ]


def _indexed(spec: GemSpec, minutes: int) -> IndexedGem:
    sha = hashlib.sha256(spec.full_name.encode()).hexdigest()
    return IndexedGem(spec, sha, PUSHED + timedelta(minutes=minutes))


def _by_name(specs: list[GemSpec]) -> dict[str, list[IndexedGem]]:
    by_name: dict[str, list[IndexedGem]] = {}
    for minutes, spec in enumerate(specs):
        by_name.setdefault(spec.name, []).append(_indexed(spec, minutes))
    return by_name


def test_compact_info_lines_are_as_rubygems_org_writes_them() -> None:
    spec = GemSpec(
        name="demo",
        version="1.0",
        platform="x86_64-linux",
        summary="s",
        description=None,
        authors=(),
        email=None,
        homepage=None,
        licenses=(),
        metadata={},
        dependencies=(
            Dependency("rack", Requirement((("~>", "2.0"), (">=", "2.0.1"))), True),
            Dependency("json", Requirement(), True),
            Dependency("rake", Requirement(), False),
        ),
        required_ruby_version=Requirement(((">=", "2.7"), ("<", "4"))),
    )
    plain = dataclasses.replace(
        spec, platform="ruby", dependencies=(), required_ruby_version=Requirement()
    )
    info = compact_info([IndexedGem(spec, "ab" * 32, PUSHED), IndexedGem(plain, "cd" * 32, PUSHED)])
    assert info.decode() == (
        "---\n"
        f"1.0-x86_64-linux json:>= 0,rack:>= 2.0.1&~> 2.0|checksum:{'ab' * 32},ruby:< 4&>= 2.7\n"
        f"1.0 |checksum:{'cd' * 32}\n"
    )


BUNDLER_READS = """
require 'bundler'; require 'bundler/compact_index_client'; require 'json'
cache = Bundler::CompactIndexClient::Cache.new(ARGV[0])
versions, checksums = cache.versions
updater = Bundler::CompactIndexClient::Updater.new(nil)
puts JSON.dump({
  versions: versions, checksums: checksums,
  info: versions.keys.to_h { |name| [name, cache.dependencies(name)] },
  etags: (["versions"] + versions.keys.map { |n| "info/#{n}" }).to_h { |p|
    [p, updater.send(:etag_for, Pathname.new(ARGV[0]).join(p))] },
})
"""


def test_bundler_reads_the_compact_index_and_its_checksums(
    repository: tuple[Path, list[GemSpec]], tmp_path: Path
) -> None:
    BUNDLER.command("bundle")
    _, specs = repository
    by_name = _by_name(specs)
    (tmp_path / "info").mkdir()
    (tmp_path / "versions").write_bytes(compact_versions(by_name, PUSHED))
    for name, gems in by_name.items():
        (tmp_path / "info" / name).write_bytes(compact_info(gems))
    read = json.loads(_ruby(BUNDLER_READS, str(tmp_path)))
    assert read["versions"] == {
        name: [[name, *_number_platform(g.spec)] for g in gems] for name, gems in by_name.items()
    }
    md5 = {p: hashlib.md5((tmp_path / p).read_bytes()).hexdigest() for p in read["etags"]}
    # Bundler 2.3 sends and compares the ETag as the quoted MD5 of the whole file.
    assert read["etags"] == {p: f'"{digest}"' for p, digest in md5.items()}
    assert read["checksums"] == {name: md5[f"info/{name}"] for name in by_name}
    app = next(g for g in by_name["demo-app"])
    assert read["info"]["demo-app"] == [
        [
            "2.0.0.pre.beta.1",
            None,
            [["json", [">= 0"]], ["rack", [">= 2.0.1", "~> 2.0"]]],
            [["checksum", [app.sha256]], ["ruby", [">= 2.7"]], ["rubygems", ["> 1.3.1"]]],
        ]
    ]
    native = read["info"]["demo-native"]
    assert [(v, p, d) for v, p, d, _ in native] == [
        ("1.0.0", "x86_64-linux", [["demo-app", [">= 1"]]]),
        ("1.0.0", None, []),
        ("0.9", None, []),
    ]
    assert (tmp_path / "versions").read_text().startswith("created_at: 2024-05-01T12:00:00Z\n---\n")


def _number_platform(spec: GemSpec) -> list[str]:
    return [spec.version] if spec.platform == "ruby" else [spec.version, spec.platform]


def test_the_dependencies_api_loads_in_ruby(
    repository: tuple[Path, list[GemSpec]], tmp_path: Path
) -> None:
    _, specs = repository
    (tmp_path / "deps").write_bytes(dependencies_marshal([_indexed(s, 0) for s in specs]))
    script = """
        rows = Marshal.load(File.binread(ARGV[0]))
        raise "keys are not symbols" unless rows.all? { |r| r.keys.all?(Symbol) }
        puts JSON.dump(rows)
    """
    rows = json.loads(_ruby("require 'json';" + script, str(tmp_path / "deps")))
    assert rows == [
        {
            "name": s.name,
            "number": s.version,
            "platform": s.platform,
            "dependencies": [[d.name, d.requirement.text()] for d in s.runtime_dependencies],
        }
        for s in specs
    ]
    assert rows[0]["dependencies"] == [["rack", "~> 2.0, >= 2.0.1"], ["json", ">= 0"]]
