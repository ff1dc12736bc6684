"""The real `gem` and `bundle` (the machine's RubyGems 3.3 and Bundler 2.3) against a registry.

rubygems.org is unreachable from the test machines, so every gem is made here: a gemspec and
one `lib/NAME.rb` written from a `GemSource`, then `gem build`. Each client runs as a machine
of its own, so tests run in parallel and nothing leaks between them or from the host:

    root/                      one `GemMachine` (or one `Bundle` project)
      home/                    HOME: ~/.gem/credentials (0600), ~/.gemrc, RubyGems' caches
      gems/                    GEM_HOME = GEM_PATH = `gem install --install-dir`
        cache/NAME-V.gem       the file as downloaded: its sha256 is the pushed file's
      bundle/                  BUNDLE_PATH, BUNDLE_USER_HOME (the compact index's cache),
                               BUNDLE_APP_CONFIG (`bundle config set --local`)

Whatever the host's environment says about RubyGems, Bundler, Ruby or XDG directories is
dropped first (a developer's BUNDLE_PATH or GEM_HOST_API_KEY would otherwise win).

Bundler 2.3.15 looks credentials up by the source's full URL or by its host *without* the
port (`Settings#credentials_for`: `self[uri.to_s] || self[uri.host]`): `bundle config set
--local 127.0.0.1:PORT user:token` is stored and never read. So a project's credentials are
set for its source URL (`bundle config set --local http://127.0.0.1:PORT/…/ user:token`), or
as `BUNDLE_127__0__0__1=user:token`, which covers every port of that host.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.protocols import clients_support
from tests.protocols.clients_support import Run, timed
from tests.requirements import BUNDLER, RUBY

TEMPLATES = Path(__file__).parent / "rubygems"
GEM_TIMEOUT = 120
# Inherited variables that would point a client at the host's gems, config or keys.
_DROPPED_PREFIXES = ("GEM_", "BUNDLE_", "BUNDLER_", "RUBYGEMS_", "XDG_")
_DROPPED = {"RUBYOPT", "RUBYLIB", "RUBY_ROOT", "RUBY_ENGINE", "RUBY_VERSION"}


def clean_env(**values: str) -> dict[str, str]:
    """The host's environment without its Ruby settings, plus `values`."""
    return clients_support.clean_env(_DROPPED_PREFIXES, _DROPPED, **values)


def rb(text: str) -> str:
    """`text` as a Ruby string literal (JSON's, with Ruby's interpolation escaped)."""
    return json.dumps(text).replace("#", "\\#")


def module_name(gem: str) -> str:
    """`pky_hello` → `PkyHello`: the module a gem's lib defines."""
    return "".join(part.capitalize() for part in re.split(r"[_-]", gem))


@dataclass(frozen=True)
class GemSource:
    """One gem to build: `NAME.say` answers "NAME VERSION PLATFORM", then its dependencies'."""

    name: str
    version: str
    platform: str = "ruby"
    dependencies: tuple[tuple[str, str], ...] = ()  # (name, requirement)
    github_repo: str | None = None
    summary: str = "A gem made by Packyard's tests"
    license: str = "MIT"

    @property
    def full_name(self) -> str:
        """What RubyGems calls it: NAME-VERSION, then -PLATFORM unless it is `ruby`."""
        suffix = "" if self.platform == "ruby" else f"-{self.platform}"
        return f"{self.name}-{self.version}{suffix}"

    @property
    def file_name(self) -> str:
        return f"{self.full_name}.gem"

    @property
    def says(self) -> str:
        """What `require NAME; puts Module.say` prints before its dependencies' answers."""
        return f"{self.name} {self.version} {self.platform}"

    def gemspec(self) -> str:
        lines = [
            "Gem::Specification.new do |s|",
            f"  s.name = {rb(self.name)}",
            f"  s.version = {rb(self.version)}",
            f"  s.platform = {rb(self.platform)}",
            f"  s.summary = {rb(self.summary)}",
            f"  s.description = {rb(self.summary)}",
            '  s.authors = ["Packyard tests"]',
            '  s.homepage = "https://example.com/packyard"',
            f"  s.license = {rb(self.license)}",
            f'  s.files = ["lib/{self.name}.rb"]',
            *(f"  s.add_runtime_dependency {rb(d)}, {rb(r)}" for d, r in self.dependencies),
        ]
        if self.github_repo is not None:
            lines.append(f'  s.metadata = {{ "github_repo" => {rb(self.github_repo)} }}')
        return "\n".join([*lines, "end", ""])

    def library(self) -> str:
        """`say` answers its own line and each dependency's, " + "-joined: which versions
        were loaded shows in what it prints."""
        requires = "".join(f"require {rb(d)}\n" for d, _ in self.dependencies)
        parts = ", ".join([rb(self.says), *(f"{module_name(d)}.say" for d, _ in self.dependencies)])
        return (
            f"{requires}module {module_name(self.name)}\n"
            f'  def self.say\n    [{parts}].join(" + ")\n  end\nend\n'
        )

    def write(self, directory: Path) -> Path:
        """The gem's sources in `directory`; returns its gemspec."""
        (directory / "lib").mkdir(parents=True, exist_ok=True)
        (directory / "lib" / f"{self.name}.rb").write_text(self.library())
        gemspec = directory / f"{self.name}.gemspec"
        gemspec.write_text(self.gemspec())
        return gemspec


@dataclass(frozen=True)
class Built:
    source: GemSource
    path: Path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def build(sources: Iterable[GemSource], directory: Path) -> dict[GemSource, Built]:
    """`gem build` each source (~0.2 s each) into `directory`/NAME-V[-PLATFORM].gem."""
    gem = RUBY.command("gem")
    built = {}
    for source in sources:
        work = directory / "src" / source.full_name
        gemspec = source.write(work)
        output = directory / source.file_name
        done = subprocess.run(
            [gem, "build", gemspec.name, "--output", str(output)],
            cwd=work,
            env=clean_env(HOME=str(work)),
            capture_output=True,
            text=True,
            timeout=GEM_TIMEOUT,
            check=False,
        )
        assert done.returncode == 0 and output.is_file(), done.stdout + done.stderr
        built[source] = Built(source, output)
    return built


def run(command: list[str], env: Mapping[str, str], cwd: Path | None = None) -> Run:
    # stdin is /dev/null: a prompt (sign in, OTP) fails rather than hangs.
    return timed(command, env, cwd, GEM_TIMEOUT, stdin=subprocess.DEVNULL)


@dataclass(frozen=True)
class GemMachine:
    """`gem` as one user on a machine of their own: a HOME and a GEM_HOME nobody else uses."""

    root: Path

    @classmethod
    def at(cls, root: Path, credentials: str | None = None) -> GemMachine:
        """A fresh machine; `credentials` is the `:github:` key's value ("Bearer TOKEN")."""
        machine = cls(root)
        machine.home.mkdir(parents=True, exist_ok=True)
        machine.gem_home.mkdir(parents=True, exist_ok=True)
        if credentials is not None:
            machine.set_credentials(credentials)
        return machine

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def gem_home(self) -> Path:
        return self.root / "gems"

    def set_credentials(self, value: str) -> Path:
        """~/.gem/credentials as GitHub's docs write it; `gem` refuses one others may read."""
        path = self.home / ".gem" / "credentials"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n:github: {value}\n")
        path.chmod(0o600)
        return path

    @property
    def env(self) -> dict[str, str]:
        return clean_env(
            HOME=str(self.home), GEM_HOME=str(self.gem_home), GEM_PATH=str(self.gem_home)
        )

    def gem(self, *args: str) -> Run:
        return run([RUBY.command("gem"), *args], self.env, cwd=self.root)

    def push(self, host: str, gem_file: Path) -> Run:
        return self.gem("push", "--key", "github", "--host", host, str(gem_file))

    def yank(self, host: str, name: str, version: str) -> Run:
        # `gem yank` prints the answer's body and exits 0 whatever the status (RubyGems 3.3).
        return self.gem("yank", "--key", "github", "--host", host, name, "-v", version)

    def install(self, source: str, name: str, *options: str, version: str | None = None) -> Run:
        """`gem install` from `source` only (credentials go in its URL, user:token@)."""
        pinned = ("-v", version) if version is not None else ()
        return self.gem(
            "install",
            "--clear-sources",
            "--source",
            source,
            "--install-dir",
            str(self.gem_home),
            "--no-document",
            name,
            *pinned,
            *options,
        )

    def cached(self, source: GemSource) -> Path:
        """Where `gem install` keeps the .gem it downloaded."""
        return self.gem_home / "cache" / source.file_name

    def ruby(self, code: str) -> Run:
        return run([RUBY.command("ruby"), "-e", code], self.env, cwd=self.root)

    def says(self, name: str) -> Run:
        """`require NAME` through RubyGems (activating the installed spec), then `say`."""
        return self.ruby(f"require {rb(name)}; puts {module_name(name)}.say")


@dataclass(frozen=True)
class Bundle:
    """A project with a Gemfile and Bundler's state of its own."""

    directory: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def project(
        cls,
        directory: Path,
        source: str,
        gems: Mapping[str, str | None],
        extra_env: Mapping[str, str] | None = None,
    ) -> Bundle:
        """A Gemfile whose one `source` is `source`, depending on each gem (name → requirement)."""
        directory.mkdir(parents=True, exist_ok=True)
        lines = [f"source {rb(source)}", ""]
        for name, requirement in gems.items():
            lines.append(f"gem {rb(name)}" + (f", {rb(requirement)}" if requirement else ""))
        (directory / "Gemfile").write_text("\n".join([*lines, ""]))
        return cls(directory, dict(extra_env or {}))

    @property
    def state(self) -> Path:
        return self.directory / ".bundle-state"

    @property
    def path(self) -> Path:
        return self.state / "path"

    @property
    def env(self) -> dict[str, str]:
        return clean_env(
            HOME=str(self.state / "home"),
            BUNDLE_GEMFILE=str(self.directory / "Gemfile"),
            BUNDLE_PATH=str(self.path),
            BUNDLE_USER_HOME=str(self.state / "user-home"),
            BUNDLE_APP_CONFIG=str(self.state / "app-config"),
            BUNDLE_SILENCE_ROOT_WARNING="1",
            BUNDLE_DISABLE_VERSION_CHECK="1",
            **self.extra_env,
        )

    def bundle(self, *args: str) -> Run:
        return run([BUNDLER.command("bundle"), *args], self.env, cwd=self.directory)

    def configure_credentials(self, source: str, user_token: str) -> Run:
        """`bundle config set --local` for the source's URL (see the module's docstring)."""
        return self.bundle("config", "set", "--local", source, user_token)

    def install(self) -> Run:
        return self.bundle("install")

    def says(self, name: str) -> Run:
        return self.bundle(
            "exec", "ruby", "-e", f"require {rb(name)}; puts {module_name(name)}.say"
        )

    def lockfile(self) -> str:
        return (self.directory / "Gemfile.lock").read_text()
