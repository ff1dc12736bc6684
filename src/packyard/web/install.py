"""How to install a package, per type: the snippet a package page shows (pure).

The registries' paths are written out here, not imported: the web layer does not import the
registries (a test holds them equal to the registries' own prefixes).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from packyard.domain.types import Package, PackageType, Repository, Version

NPM_PATH = "/_registry/npm"
MAVEN_PATH = "/_registry/maven"
RUBYGEMS_PATH = "/_registry/rubygems"
NUGET_PATH = "/_registry/nuget"


@dataclass(frozen=True, slots=True)
class Snippet:
    label: str
    text: str


def _reference(versions: list[Version]) -> str:
    """`:latest` when a version carries it, else the newest tag, else the newest digest."""
    for version in versions:
        if "latest" in version.tags:
            return ":latest"
    for version in versions:
        if version.tags:
            return f":{version.tags[0]}"
    return f"@{versions[0].name}" if versions else ":latest"


def _last_dot(name: str) -> tuple[str, str]:
    group, _, artifact = name.rpartition(".")
    return group, artifact


def install_snippets(
    package: Package,
    repository: Repository | None,
    versions: list[Version],
    base_url: str,
    docker_port: int | None,
    coordinates: tuple[str, str] | None = None,
) -> list[Snippet]:
    """What to run (or write) to use `package`, newest version first in `versions`;
    `coordinates` as the format names it (`Format.coordinates`), if it keeps them."""
    base = base_url.rstrip("/")
    host = urlsplit(base).netloc
    owner = package.owner.login
    name = package.name
    newest = versions[0].name if versions else None
    match package.package_type:
        case PackageType.CONTAINER:
            return [Snippet("Pull", f"docker pull {host}/{owner}/{name}{_reference(versions)}")]
        case PackageType.DOCKER:
            hostname = urlsplit(base).hostname or host
            docker_host = f"{hostname}:{docker_port}" if docker_port else host
            repo = repository.name if repository else "REPOSITORY"
            image = f"{docker_host}/{owner}/{repo}/{name}{_reference(versions)}"
            return [Snippet("Pull", f"docker pull {image}")]
        case PackageType.NPM:
            pinned = f"@{newest}" if newest else ""
            return [
                Snippet(".npmrc", f"@{owner}:registry={base}{NPM_PATH}/"),
                Snippet("Install", f"npm install @{owner}/{name}{pinned}"),
            ]
        case PackageType.MAVEN:
            # GitHub names a Maven package `groupId.artifactId`, and either may hold dots:
            # the registry's own coordinates say which; without them (a package seeded with
            # no deploy), the last dot is the likeliest divide.
            group, artifact = coordinates or _last_dot(name)
            repo = repository.name if repository else "*"
            return [
                Snippet("Repository", f"{base}{MAVEN_PATH}/{owner}/{repo}"),
                Snippet(
                    "pom.xml",
                    "<dependency>\n"
                    f"  <groupId>{group}</groupId>\n"
                    f"  <artifactId>{artifact}</artifactId>\n"
                    f"  <version>{newest or 'VERSION'}</version>\n"
                    "</dependency>",
                ),
            ]
        case PackageType.RUBYGEMS:
            pinned = f" --version {newest}" if newest else ""
            source = f"{base}{RUBYGEMS_PATH}/{owner}/"
            return [Snippet("Install", f'gem install {name}{pinned} --source "{source}"')]
        case PackageType.NUGET:
            pinned = f" --version {newest}" if newest else ""
            source = f"{base}{NUGET_PATH}/{owner}/index.json"
            return [
                Snippet("Source", f"dotnet nuget add source {source} --name packyard"),
                Snippet("Install", f"dotnet add package {name}{pinned}"),
            ]
    return []  # pragma: no cover - every type is matched above
