"""constraints.txt pins the stack: every dependency pyproject.toml names is in it, and the
environment the suite runs in holds exactly the versions it names (scripts/test installs
through it), so two fresh machines run the same packages."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            found[_canonical(name)] = version
    return found


def test_every_dependency_is_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    names = {
        _canonical(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]) for requirement in named
    }
    assert names - pins().keys() == set()


def test_the_suite_runs_on_the_pinned_versions() -> None:
    installed = {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differing = {
        name: (version, installed[name])
        for name, version in pins().items()
        if name in installed and installed[name] != version
    }
    assert differing == {}, "run scripts/test (it installs through constraints.txt)"
