"""The real NuGet client — NuGet.exe 5.8 (npm `nuget-exe`, in tests/js) under Debian's mono.

There is no dotnet SDK for Debian 12 and nuget.org is unreachable from the test machines, so
every package is made here: a .nuspec and one content file written from a `NuSpec`, then
`nuget pack`. Each client runs as a machine of its own, so tests run in parallel and nothing
leaks between them or from the host:

    root/                      one `NuGetMachine`
      nuget.config             the source `github` and its packageSourceCredentials
      home/                    HOME (mono's ~/.mono, NuGet's ~/.nuget/plugins)
      config/                  XDG_CONFIG_HOME: NuGet's user-wide NuGet/NuGet.Config
      data/, cache/            XDG_DATA_HOME, XDG_CACHE_HOME
      packages/                NUGET_PACKAGES: the global packages folder
      http-cache/              NUGET_HTTP_CACHE_PATH: the service index, registrations, .nupkgs
      plugins-cache/           NUGET_PLUGINS_CACHE_PATH
      tmp/                     TMPDIR: NuGetScratch (its locks, temporary files)

Under mono NuGet.exe reads XDG_CONFIG_HOME and TMPDIR (Environment.SpecialFolder and
Path.GetTempPath go through them), and NUGET_PACKAGES, NUGET_HTTP_CACHE_PATH and
NUGET_PLUGINS_CACHE_PATH; everything else it writes lives under HOME. The http-cache keeps
the service index and every registration for 30 minutes: a machine of its own per install
is what makes an install ask the server again.

nuget.exe sends each request without credentials first, takes the 401's `WWW-Authenticate:
Basic` and retries with the source's credentials; a push sends `X-NuGet-ApiKey` as well.

What NuGet.exe 5.8 reads of a v3 service index: `RegistrationsBaseUrl` as `/3.4.0`,
`/3.0.0-beta` or `/Versioned` only (with `/3.6.0` alone, `install` fails with "Value cannot be
null. Parameter name: baseUrl"), `PackageBaseAddress/3.0.0`, `PackagePublish/2.0.0`, and
`SearchQueryService` for `nuget search`. Its `list` needs a `LegacyGallery` (a v2 OData feed)
and otherwise says "does not support listing packages", so the tests search.
"""

from __future__ import annotations

import functools
import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from tests.protocols import clients_support
from tests.protocols.clients_support import Run, timed
from tests.requirements import MONO, NUGET_EXE

TEMPLATES = Path(__file__).parent / "nuget"
NUGET_EXE_PATH = Path(__file__).parents[1] / "js" / "node_modules" / "nuget-exe" / "nuget-5.8.0.exe"
NUGET_TIMEOUT = 180
SOURCE = "github"  # the key GitHub's docs give the source in nuget.config
# Inherited variables that would point NuGet or mono at the host's caches, config or keys.
_DROPPED_PREFIXES = ("NUGET_", "XDG_", "MONO_", "DOTNET_")


@functools.cache
def _start_failure(mono: str) -> str | None:
    """Why nuget.exe cannot start under this mono (a missing assembly), or None."""
    done = subprocess.run(
        [mono, str(NUGET_EXE_PATH), "help"],
        capture_output=True,
        text=True,
        timeout=NUGET_TIMEOUT,
        check=False,
        env=clean_env(),
    )
    if done.returncode == 0 and "NuGet Version: 5.8" in done.stdout:
        return None
    lines = (done.stdout + done.stderr).strip().splitlines()
    said = next((line for line in lines if "Could not load" in line), lines[0] if lines else "")
    return f"exit {done.returncode}: {said.strip()}"


def nuget_command() -> list[str]:
    """`mono nuget.exe`, or the requirement that is missing."""
    mono = MONO.command("mono")
    if not NUGET_EXE_PATH.is_file():
        NUGET_EXE.missing(f"{NUGET_EXE_PATH} is not installed")
    failure = _start_failure(mono)
    if failure is not None:
        MONO.missing(f"nuget.exe does not start under mono ({failure})")
    return [mono, str(NUGET_EXE_PATH)]


def clean_env(**values: str) -> dict[str, str]:
    """The host's environment without its NuGet, mono and XDG settings, plus `values`."""
    return clients_support.clean_env(_DROPPED_PREFIXES, **values)


@dataclass(frozen=True)
class NuSpec:
    """One package to pack: a content file `content/ID.txt` saying `says`."""

    id: str
    version: str
    repository: str | None = None  # https://github.com/OWNER/REPO, the <repository> element
    dependencies: tuple[tuple[str, str], ...] = ()  # (id, version range)
    description: str = "A package made by Packyard's tests"

    @property
    def says(self) -> str:
        return f"{self.id} {self.version}"

    @property
    def file_name(self) -> str:
        """What `nuget pack` names it (and the flat container, lowercased)."""
        return f"{self.id}.{self.version}.nupkg"

    def nuspec(self) -> str:
        text = (TEMPLATES / "package.nuspec").read_text()
        repository = (
            f'<repository type="git" url={quoteattr(self.repository)} />' if self.repository else ""
        )
        dependencies = "".join(
            f"<dependency id={quoteattr(dep)} version={quoteattr(rng)} />"
            for dep, rng in self.dependencies
        )
        for name, value in (
            ("ID", escape(self.id)),
            ("VERSION", escape(self.version)),
            ("DESCRIPTION", escape(self.description)),
            ("REPOSITORY", repository),
            ("DEPENDENCIES", f"<dependencies>{dependencies}</dependencies>"),
        ):
            text = text.replace(f"@@{name}@@", value)
        assert "@@" not in text, "a placeholder was left unfilled"
        return text


@dataclass(frozen=True)
class Packed:
    spec: NuSpec
    path: Path

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()

    @property
    def sha512(self) -> str:
        return hashlib.sha512(self.data).hexdigest()


@dataclass(frozen=True)
class NuGetMachine:
    """nuget.exe as one user on a machine of their own: a nuget.config naming the source
    `github` with their credentials, and caches that start cold."""

    root: Path

    @classmethod
    def at(
        cls, root: Path, source: str | None = None, username: str = "", token: str = ""
    ) -> NuGetMachine:
        """A machine in `root`; `source` is the feed's index.json (None for `pack` only)."""
        machine = cls(root)
        for directory in machine._directories():
            directory.mkdir(parents=True, exist_ok=True)
        text = (TEMPLATES / "nuget.config").read_text()
        for name, value in (
            ("SOURCE", quoteattr(source or "http://127.0.0.1:9/unused/index.json")),
            ("USERNAME", quoteattr(username)),
            ("TOKEN", quoteattr(token)),
        ):
            text = text.replace(f"@@{name}@@", value)
        assert "@@" not in text, "a placeholder was left unfilled"
        machine.config.write_text(text)
        return machine

    @property
    def config(self) -> Path:
        return self.root / "nuget.config"

    @property
    def packages(self) -> Path:
        return self.root / "packages"

    @property
    def http_cache(self) -> Path:
        return self.root / "http-cache"

    def _directories(self) -> list[Path]:
        return [
            self.root / name
            for name in (
                "home",
                "config",
                "data",
                "cache",
                "packages",
                "http-cache",
                "plugins-cache",
                "tmp",
            )
        ]

    def env(self) -> dict[str, str]:
        return clean_env(
            HOME=str(self.root / "home"),
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_DATA_HOME=str(self.root / "data"),
            XDG_CACHE_HOME=str(self.root / "cache"),
            NUGET_PACKAGES=str(self.packages),
            NUGET_HTTP_CACHE_PATH=str(self.http_cache),
            NUGET_PLUGINS_CACHE_PATH=str(self.root / "plugins-cache"),
            TMPDIR=str(self.root / "tmp"),
        )

    def run(self, *args: str, cwd: Path | None = None) -> Run:
        command = [*nuget_command(), *args, "-NonInteractive"]
        return timed(command, self.env(), cwd or self.root, NUGET_TIMEOUT)

    def pack(self, spec: NuSpec, directory: Path) -> Packed:
        """`nuget pack` of `spec` in `directory`; the .nupkg lands there too."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "content").mkdir(exist_ok=True)
        (directory / "content" / f"{spec.id}.txt").write_text(spec.says + "\n")
        nuspec = directory / f"{spec.id}.nuspec"
        nuspec.write_text(spec.nuspec())
        packed = self.run("pack", str(nuspec), "-OutputDirectory", str(directory), cwd=directory)
        assert packed.ok, packed.output
        path = directory / spec.file_name
        assert path.is_file(), packed.output
        return Packed(spec, path)

    def _with_source(self, *args: str) -> Run:
        return self.run(*args, "-Source", SOURCE, "-ConfigFile", str(self.config))

    def push(self, nupkg: Path, api_key: str = "anything") -> Run:
        return self._with_source("push", str(nupkg), "-ApiKey", api_key)

    def delete(self, package_id: str, version: str, api_key: str = "anything") -> Run:
        return self._with_source("delete", package_id, version, "-ApiKey", api_key)

    def install(self, package_id: str, version: str, output: Path) -> Run:
        return self._with_source(
            "install", package_id, "-Version", version, "-OutputDirectory", str(output)
        )

    def search(self, term: str, *, prerelease: bool = False) -> Run:
        """`nuget search` (the SearchQueryService). It takes no -ConfigFile: the source
        `github` comes from the nuget.config in the working directory, the machine's root."""
        flags = ["-PreRelease"] if prerelease else []
        return self.run("search", term, "-Source", SOURCE, *flags, "-Take", "100")


def installed(output: Path, package_id: str, version: str) -> Path:
    """The .nupkg `nuget install` left in `output` (ID.VERSION/ID.VERSION.nupkg)."""
    return output / f"{package_id}.{version}" / f"{package_id}.{version}.nupkg"


def found(run: Run) -> list[tuple[str, str]]:
    """(id, version) of each package `nuget search` printed (`> ID | VERSION | Downloads: N`)."""
    assert run.ok, run.output
    return [
        (match["id"], match["version"])
        for match in re.finditer(r"^> (?P<id>\S+) \| (?P<version>\S+) \|", run.output, re.M)
    ]
