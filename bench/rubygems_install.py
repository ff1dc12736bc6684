"""RubyGems benchmark: a cold `bundle install` of a Gemfile needing 50 generated gems (some
depending on others), from Packyard and from the same .gem files as a static index
(`gem generate_index`) served by Debian's nginx; both started here on loopback, both behind
HTTP Basic (Bundler sends the credentials with every request: both sides pay the check),
alternated over N rounds in the same run. Prints each round and the median ratio (goal:
Packyard within 1.2x of nginx).

    bench/run-rubygems                   # checks for ruby, bundler and nginx, then runs this
    python bench/rubygems_install.py --gems 50 --rounds 5

Each round is cold: a fresh BUNDLE_PATH, BUNDLE_USER_HOME (the compact index's cache), HOME
and no Gemfile.lock. The two sides speak different dialects, each the one its server offers:
Packyard serves the compact index (`versions`, then `info/NAME` per gem), a static
`gem generate_index` tree only the full index (`specs.4.8.gz`, then
`quick/Marshal.4.8/NAME-V.gemspec.rz` per gem), which Bundler falls back to after
`versions` and `api/v1/dependencies` answer 404. The gems reach Packyard as `gem push`
sends them (`POST api/v1/gems`, the raw .gem, the token as the Authorization header).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _support import Side, alternate, nginx_side, packyard_side, report, user_with_token

TOKEN = "ghp_bench_rubygems_00000000000000000000000"
OWNER = "bench"
VERSION = "1.0.0"
GOAL = 1.2
# Gem i depends on gem i - 1 when i % DEPENDS_EVERY is not 0: chains of DEPENDS_EVERY gems.
DEPENDS_EVERY = 5
# Inherited variables that would point Ruby at the host's gems, config or keys.
_DROPPED_PREFIXES = ("GEM_", "BUNDLE_", "BUNDLER_", "RUBYGEMS_", "XDG_")


def rb(text: str) -> str:
    """`text` as a Ruby string literal."""
    return json.dumps(text).replace("#", "\\#")


@dataclass(frozen=True)
class Gem:
    name: str
    depends_on: str | None

    @property
    def file_name(self) -> str:
        return f"{self.name}-{VERSION}.gem"


def generate(count: int) -> list[Gem]:
    return [
        Gem(f"bench_gem_{i:03d}", f"bench_gem_{i - 1:03d}" if i % DEPENDS_EVERY else None)
        for i in range(count)
    ]


def build(gems: list[Gem], directory: Path) -> dict[Gem, bytes]:
    """Each gem's .gem, built by one Ruby process (`gem build` is ~0.2 s a gem, mostly
    Ruby's start: one process for all of them takes a second)."""
    sources = directory / "src"
    script = ["require 'rubygems/package'"]
    for gem in gems:
        work = sources / gem.name
        (work / "lib").mkdir(parents=True)
        (work / "lib" / f"{gem.name}.rb").write_text(
            f"module {gem.name.title().replace('_', '')}\n"
            f"  DATA = {rb(os.urandom(512).hex())}\nend\n"
        )
        dependency = (
            f"  s.add_runtime_dependency {rb(gem.depends_on)}, '~> 1.0'\n" if gem.depends_on else ""
        )
        (work / f"{gem.name}.gemspec").write_text(
            "Gem::Specification.new do |s|\n"
            f"  s.name = {rb(gem.name)}\n  s.version = {rb(VERSION)}\n"
            "  s.summary = 'A gem for the benchmark'\n  s.authors = ['bench']\n"
            f"  s.license = 'MIT'\n  s.files = ['lib/{gem.name}.rb']\n{dependency}end\n"
        )
        script.append(
            f"Dir.chdir({rb(str(work))}) {{ Gem::Package.build("
            f"Gem::Specification.load({rb(gem.name + '.gemspec')})) }}"
        )
    done = subprocess.run(
        ["ruby", "-e", "\n".join(script)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"building the gems failed:\n{done.stdout}\n{done.stderr}")
    return {gem: (sources / gem.name / gem.file_name).read_bytes() for gem in gems}


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
    env.pop("RUBYOPT", None)
    env.pop("RUBYLIB", None)
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    return {**env, **values}


def world() -> dict[str, Any]:
    return user_with_token(OWNER, TOKEN, ("read:packages", "write:packages"))


def push(url: str, built: dict[Gem, bytes]) -> None:
    """What `gem push --key github --host URL` sends for each gem."""
    with httpx.Client(timeout=60) as http:
        for gem, data in built.items():
            response = http.post(
                f"{url}api/v1/gems",
                content=data,
                headers={
                    "Authorization": f"Bearer {TOKEN}",
                    "Content-Type": "application/octet-stream",
                },
            )
            if response.status_code != 200:
                raise SystemExit(f"push {gem.file_name}: {response.status_code} {response.text}")


def pushed(built: dict[Gem, bytes]) -> Callable[[str], str]:
    def publish(base: str) -> str:
        url = f"{base}/_registry/rubygems/{OWNER}/"
        push(url, built)
        return url

    return publish


def generated_index(root: Path, built: dict[Gem, bytes]) -> Callable[[Path, str], None]:
    """What nginx serves: `gem generate_index`'s tree for the same .gem files."""

    def fill(served: Path, _: str) -> None:
        index = served / OWNER
        (index / "gems").mkdir(parents=True)
        for gem, data in built.items():
            (index / "gems" / gem.file_name).write_bytes(data)
        generated = subprocess.run(
            ["gem", "generate_index", "--directory", str(index)],
            capture_output=True,
            text=True,
            env=clean_env(HOME=str(root / "generate-home")),
            check=False,
        )
        if generated.returncode != 0:
            raise SystemExit(f"gem generate_index failed:\n{generated.stdout}\n{generated.stderr}")

    return fill


def nginx(root: Path, built: dict[Gem, bytes]) -> AbstractContextManager[Side]:
    return nginx_side(
        root,
        user=OWNER,
        token=TOKEN,
        fill=generated_index(root, built),
        url=f"{OWNER}/",
        probe=f"{OWNER}/specs.4.8.gz",  # the check Bundler's requests pass
        missing=(
            "bench/rubygems_install.py: nginx is NOT installed, so there is nothing to compare "
            "against: apt-get install nginx"
        ),
    )


def gemfile(project: Path, gems: list[Gem]) -> None:
    project.mkdir(parents=True)
    lines = ["source ENV.fetch('BENCH_SOURCE')", ""]
    lines += [f"gem {rb(gem.name)}" for gem in gems]
    (project / "Gemfile").write_text("\n".join([*lines, ""]))


def bundle_install(project: Path, side: Side, gems: list[Gem]) -> float:
    """A cold `bundle install` from `side`: every gem downloaded, every index fetched."""
    state = project / "state"
    shutil.rmtree(state, ignore_errors=True)
    (project / "Gemfile.lock").unlink(missing_ok=True)
    env = clean_env(
        HOME=str(state / "home"),
        BUNDLE_GEMFILE=str(project / "Gemfile"),
        BUNDLE_PATH=str(state / "path"),
        BUNDLE_USER_HOME=str(state / "user-home"),
        BUNDLE_APP_CONFIG=str(state / "app-config"),
        BUNDLE_SILENCE_ROOT_WARNING="1",
        BUNDLE_DISABLE_VERSION_CHECK="1",
        # Bundler 2.3 finds credentials by the host, without the port (Settings#credentials_for).
        BUNDLE_127__0__0__1=f"{OWNER}:{TOKEN}",
        BENCH_SOURCE=side.url,
    )
    began = time.perf_counter()
    done = subprocess.run(
        ["bundle", "install"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"bundle install from {side.name} failed:\n{done.stdout}\n{done.stderr}")
    installed = {path.name for path in (state / "path").glob("ruby/*/gems/*")}
    missing = {f"{gem.name}-{VERSION}" for gem in gems} - installed
    if missing:
        raise SystemExit(f"{side.name}: bundle install did not install {sorted(missing)[:5]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--gems", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for tool in ("ruby", "gem", "bundle"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed: apt-get install ruby bundler")
    root = Path(tempfile.mkdtemp(prefix="packyard-rubygems-bench-"))
    try:
        gems = generate(args.gems)
        built = build(gems, root / "built")
        project = root / "project"
        gemfile(project, gems)
        with nginx(root, built) as theirs, packyard_side(root, world(), pushed(built)) as ours:
            measured = alternate(
                theirs, ours, args.rounds, lambda side: bundle_install(project, side, gems)
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    dependent = sum(1 for gem in gems if gem.depends_on)
    report(
        measured,
        f"cold `bundle install` of a Gemfile needing {args.gems} gems ({dependent} of them "
        "depend on another), Basic auth on both sides",
        "cold install",
        GOAL,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
