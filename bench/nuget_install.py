"""NuGet benchmark: `nuget install` of 30 generated packages (one, whose dependencies reach the
other 29) with cold caches, from Packyard and from the same packages written as a static NuGet
v3 feed served by Debian's nginx; both started here on loopback, both behind HTTP Basic
(nuget.exe sends every request without credentials, takes the 401 and retries: both sides pay
it), alternated over N rounds in the same run. Prints each round, the medians and the median
ratio (goal: Packyard within 1.2x of nginx).

    bench/run-nuget                  # installs nginx if missing, then runs this
    python bench/nuget_install.py --packages 30 --rounds 5

The packages are made by `nuget pack` (NuGet.exe 5.8 from npm nuget-exe, tests/js, under mono)
and pushed to Packyard as `nuget push` sends them (one multipart PUT each); the static feed is
what a v3 server holds, written once: the service index, one registration index per package
with its page inlined, and the flat container (index.json and the .nupkg). Each round's client
is a machine of its own (HOME, XDG dirs, NUGET_PACKAGES, the http-cache, TMPDIR), so nothing is
cached. Each round also times `nuget help` (mono starting nuget.exe, the same on both sides),
printed so the server's share can be read on its own; and the CPU time each server spent on
the install, which a busy machine disturbs far less than time.
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
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import httpx
from _support import Side, alternate, nginx_side, packyard_side, report, user_with_token

TOKEN = "ghp_bench_nuget_00000000000000000000000000"
OWNER = "bench"
VERSION = "1.0.0"
GOAL = 1.2
NUGET_EXE = (
    Path(__file__).parents[1] / "tests" / "js" / "node_modules" / "nuget-exe" / "nuget-5.8.0.exe"
)


@dataclass(frozen=True)
class Package:
    id: str
    dependencies: tuple[str, ...]
    nupkg: bytes = b""

    @property
    def lower(self) -> str:
        return self.id.lower()

    @property
    def file_name(self) -> str:
        return f"{self.lower}.{VERSION}.nupkg"


def graph(count: int) -> list[Package]:
    """Bench.P00 … : P(i) depends on P(2i+1) and P(2i+2), so P00 reaches every one."""
    return [
        Package(
            f"Bench.P{i:02d}", tuple(f"Bench.P{j:02d}" for j in (2 * i + 1, 2 * i + 2) if j < count)
        )
        for i in range(count)
    ]


def mono() -> str:
    found = shutil.which("mono")
    if found is None:
        raise SystemExit(
            "mono is not installed: scripts/test installs it (as root) with the assemblies "
            "nuget.exe needs"
        )
    if not NUGET_EXE.is_file():
        raise SystemExit(f"{NUGET_EXE} is missing: npm ci in tests/js (scripts/test does)")
    return found


def machine_env(root: Path) -> dict[str, str]:
    """nuget.exe on a machine of its own under `root`, every cache cold."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUGET_", "XDG_", "MONO_"))}
    dirs = {
        "HOME": "home",
        "XDG_CONFIG_HOME": "config",
        "XDG_DATA_HOME": "data",
        "XDG_CACHE_HOME": "cache",
        "NUGET_PACKAGES": "packages",
        "NUGET_HTTP_CACHE_PATH": "http-cache",
        "NUGET_PLUGINS_CACHE_PATH": "plugins-cache",
        "TMPDIR": "tmp",
    }
    for name, directory in dirs.items():
        (root / directory).mkdir(parents=True, exist_ok=True)
        env[name] = str(root / directory)
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def nuget(root: Path, *args: str, cwd: Path | None = None) -> float:
    command = [mono(), str(NUGET_EXE), *args, "-NonInteractive"]
    began = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd or root, env=machine_env(root), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"nuget {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def pack(root: Path, packages: list[Package]) -> list[Package]:
    """`nuget pack` of each (two at a time: mono starts in ~0.7 s)."""

    def one(package: Package) -> Package:
        directory = root / "pack" / package.id
        (directory / "content").mkdir(parents=True)
        (directory / "content" / f"{package.id}.txt").write_text(
            "".join(f"{package.id} line {n} {os.urandom(8).hex()}\n" for n in range(64))
        )
        dependencies = "".join(
            f"<dependency id={quoteattr(dep)} version={quoteattr(VERSION)} />"
            for dep in package.dependencies
        )
        (directory / f"{package.id}.nuspec").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>{package.id}</id>
    <version>{VERSION}</version>
    <authors>bench</authors>
    <description>A package of Packyard's NuGet benchmark</description>
    <repository type="git" url="https://github.com/{OWNER}/packages" />
    <dependencies>{dependencies}</dependencies>
  </metadata>
  <files><file src="content/*.txt" target="content" /></files>
</package>
""")
        # A machine each: two first runs at once would both write the user's NuGet.Config.
        machine = directory / "machine"
        nuget(machine, "pack", f"{package.id}.nuspec", "-OutputDirectory", ".", cwd=directory)
        data = (directory / f"{package.id}.{VERSION}.nupkg").read_bytes()
        return Package(package.id, package.dependencies, data)

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, packages))


def write_static(root: Path, base: str, packages: list[Package]) -> None:
    """The files of a NuGet v3 feed at `base`: service index, registrations, flat container."""
    registration = f"{base}/registration"
    flat = f"{base}/flat"
    index = {
        "version": "3.0.0",
        "resources": [
            {"@id": f"{flat}/", "@type": "PackageBaseAddress/3.0.0"},
            *(
                {"@id": f"{registration}/", "@type": f"RegistrationsBaseUrl{version}"}
                for version in ("", "/3.0.0-beta", "/3.0.0-rc", "/3.4.0", "/3.6.0")
            ),
        ],
    }
    files: dict[str, bytes] = {"index.json": json.dumps(index).encode()}
    for package in packages:
        content = f"{flat}/{package.lower}/{VERSION}/{package.file_name}"
        registration_index = f"{registration}/{package.lower}/index.json"
        entry = {
            "@id": f"{registration}/{package.lower}/{VERSION}.json",
            "catalogEntry": {
                "@id": f"{registration}/{package.lower}/{VERSION}.json#catalog",
                "id": package.id,
                "version": VERSION,
                "listed": True,
                "packageContent": content,
                "dependencyGroups": [
                    {
                        "dependencies": [
                            {
                                "id": dep,
                                "range": f"[{VERSION}, )",
                                "registration": f"{registration}/{dep.lower()}/index.json",
                            }
                            for dep in package.dependencies
                        ]
                    }
                ],
            },
            "packageContent": content,
            "registration": registration_index,
        }
        files[f"registration/{package.lower}/index.json"] = json.dumps(
            {
                "count": 1,
                "items": [
                    {
                        "@id": f"{registration_index}#page/{VERSION}/{VERSION}",
                        "count": 1,
                        "lower": VERSION,
                        "upper": VERSION,
                        "items": [entry],
                    }
                ],
            }
        ).encode()
        files[f"flat/{package.lower}/index.json"] = json.dumps({"versions": [VERSION]}).encode()
        files[f"flat/{package.lower}/{VERSION}/{package.file_name}"] = package.nupkg
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def push(base: str, packages: list[Package]) -> None:
    """What `nuget push` sends: a multipart PUT to the PackagePublish resource, Basic and the
    API key (here pre-emptively)."""
    with httpx.Client(auth=(OWNER, TOKEN), headers={"X-NuGet-ApiKey": TOKEN}, timeout=60) as http:
        publish = next(
            resource["@id"]
            for resource in http.get(f"{base}/index.json").raise_for_status().json()["resources"]
            if resource["@type"].startswith("PackagePublish")
        )
        for package in packages:
            response = http.put(publish, files={"package": ("package.nupkg", package.nupkg)})
            if response.status_code not in (200, 201, 202):
                raise SystemExit(f"push {package.id}: {response.status_code} {response.text}")


def world() -> dict[str, Any]:
    return user_with_token(
        OWNER, TOKEN, ("read:packages", "write:packages", "repo"), private_repository="packages"
    )


def pushed(packages: list[Package]) -> Callable[[str], str]:
    def publish(base: str) -> str:
        feed = f"{base}/_registry/nuget/{OWNER}"
        push(feed, packages)
        return f"{feed}/index.json"

    return publish


def nginx(root: Path, packages: list[Package]) -> AbstractContextManager[Side]:
    return nginx_side(
        root,
        user=OWNER,
        token=TOKEN,
        fill=lambda served, base: write_static(served / OWNER, f"{base}/{OWNER}", packages),
        url=f"{OWNER}/index.json",
        probe=f"{OWNER}/index.json",  # the challenge nuget.exe will meet
        types="application/json json; application/octet-stream nupkg;",
        missing=(
            "bench/nuget_install.py: nginx is NOT installed, so there is nothing to compare "
            "against: apt-get install nginx (bench/run-nuget does, when run as root)"
        ),
    )


def config(directory: Path, source: str) -> Path:
    """GitHub's nuget.config: the source and its packageSourceCredentials."""
    path = directory / "nuget.config"
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /><add key="bench" value={quoteattr(source)} /></packageSources>
  <packageSourceCredentials>
    <bench>
      <add key="Username" value="{OWNER}" />
      <add key="ClearTextPassword" value="{TOKEN}" />
    </bench>
  </packageSourceCredentials>
</configuration>
""")
    return path


def install_cold(root: Path, side: Side, packages: list[Package]) -> float:
    machine = root / "machine"
    shutil.rmtree(machine, ignore_errors=True)
    settings = config(machine, side.url)
    out = machine / "out"
    elapsed = nuget(
        machine,
        "install",
        packages[0].id,
        "-Version",
        VERSION,
        "-Source",
        "bench",
        "-ConfigFile",
        str(settings),
        "-OutputDirectory",
        str(out),
    )
    for package in packages:  # every package arrived, byte for byte
        got = out / f"{package.id}.{VERSION}" / f"{package.id}.{VERSION}.nupkg"
        if not got.is_file() or got.read_bytes() != package.nupkg:
            raise SystemExit(f"{side.name}: {got} is missing or differs from what was pushed")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    mono()
    root = Path(tempfile.mkdtemp(prefix="packyard-nuget-bench-"))
    starts: list[float] = []  # `nuget help`, once a round

    def start() -> None:
        shutil.rmtree(root / "idle", ignore_errors=True)
        starts.append(nuget(root / "idle", "help"))

    try:
        packages = pack(root, graph(args.packages))
        with (
            nginx(root, packages) as theirs,
            packyard_side(root, world(), pushed(packages)) as ours,
        ):
            measured = alternate(
                theirs,
                ours,
                args.rounds,
                lambda side: install_cold(root, side, packages),
                each_round=start,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report(
        measured,
        f"cold `nuget install` of {args.packages} packages (one and its dependencies), "
        "Basic auth on both sides",
        "cold install",
        GOAL,
        constant=("nuget.exe start (help)", "less nuget.exe's start", starts),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
