"""Install snippets per type, and the registry paths they name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from packyard.domain.types import (
    Account,
    AccountType,
    Package,
    PackageType,
    Repository,
    Version,
    Visibility,
)
from packyard.registries.maven.app import PREFIX as MAVEN_PREFIX
from packyard.registries.npm.app import PREFIX as NPM_PREFIX
from packyard.registries.nuget.app import PREFIX as NUGET_PREFIX
from packyard.registries.rubygems.app import PREFIX as RUBYGEMS_PREFIX
from packyard.web import install
from packyard.web.install import install_snippets

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ALICE = Account(1, "alice", AccountType.USER)
TOOLS = Repository(1, ALICE, "tools", Visibility.PUBLIC)
BASE = "http://packages.example:8080"


def _package(package_type: PackageType, name: str) -> Package:
    return Package(1, ALICE, package_type, name, Visibility.PUBLIC, 1, True, NOW, NOW)


def _version(name: str, *tags: str) -> Version:
    return Version(1, 1, name, NOW, NOW, tags=tags)


def test_the_paths_are_the_registries() -> None:
    assert install.NPM_PATH == NPM_PREFIX
    assert install.MAVEN_PATH == MAVEN_PREFIX
    assert install.RUBYGEMS_PATH == RUBYGEMS_PREFIX
    assert install.NUGET_PATH == NUGET_PREFIX


@pytest.mark.parametrize(
    ("package_type", "name", "versions", "expected"),
    [
        (PackageType.CONTAINER, "tools/cli", [_version("sha256:1", "1.0", "latest")],
         ["docker pull packages.example:8080/alice/tools/cli:latest"]),
        (PackageType.CONTAINER, "cli", [_version("sha256:1"), _version("sha256:0", "0.9")],
         ["docker pull packages.example:8080/alice/cli:0.9"]),
        (PackageType.CONTAINER, "cli", [_version("sha256:1")],
         ["docker pull packages.example:8080/alice/cli@sha256:1"]),
        (PackageType.DOCKER, "hello", [_version("sha256:1", "v1")],
         ["docker pull packages.example:8081/alice/tools/hello:v1"]),
        (PackageType.NPM, "hello", [_version("1.1.0")],
         [f"@alice:registry={BASE}/_registry/npm/", "npm install @alice/hello@1.1.0"]),
        (PackageType.MAVEN, "com.example.app", [_version("1.0")],
         [f"{BASE}/_registry/maven/alice/tools",
          "<dependency>\n  <groupId>com.example</groupId>\n  <artifactId>app</artifactId>\n"
          "  <version>1.0</version>\n</dependency>"]),
        (PackageType.RUBYGEMS, "hello", [_version("1.0.0")],
         [f'gem install hello --version 1.0.0 --source "{BASE}/_registry/rubygems/alice/"']),
        (PackageType.NUGET, "Hello.World", [],
         [f"dotnet nuget add source {BASE}/_registry/nuget/alice/index.json --name packyard",
          "dotnet add package Hello.World"]),
    ],
)  # fmt: skip
def test_snippets(
    package_type: PackageType, name: str, versions: list[Version], expected: list[str]
) -> None:
    found = install_snippets(_package(package_type, name), TOOLS, versions, BASE, 8081)
    assert [s.text for s in found] == expected


def test_maven_takes_the_registrys_coordinates_over_the_last_dot() -> None:
    package = _package(PackageType.MAVEN, "com.example.hello.core")
    found = install_snippets(
        package, TOOLS, [_version("1.0")], BASE, None, ("com.example", "hello.core")
    )
    assert "<groupId>com.example</groupId>\n  <artifactId>hello.core</artifactId>" in found[1].text
