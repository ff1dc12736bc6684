"""The real `mvn` against a live Packyard: projects rendered from tests/protocols/maven/.

Maven Central is unreachable from the test machines, so every plugin comes from the
machine's `~/.m2/repository` (the pinned versions in maven/plugins.xml). Each run gets a
local repository of its own — cold for what Packyard serves, parallel-safe — made as a
hard-link copy of `~/.m2/repository`: directories are copied (what Maven adds lands in the
copy only), files are linked (about 0.3 s for ~3,000 files). Maven 3.8.7's resolver (1.6)
has neither a split nor a chained local repository, which would have made this cheaper.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from tests.requirements import MAVEN, MAVEN_PLUGINS

TEMPLATES = Path(__file__).parent / "maven"
M2_REPOSITORY = Path.home() / ".m2" / "repository"
MVN_TIMEOUT = 300
# Short-lived JVMs: stopping at the C1 compiler halves the CPU time of a run (~4 s, not ~9 s).
MAVEN_OPTS = "-XX:TieredStopAtLevel=1"
# And Maven's own classes from a class-data archive (AppCDS) instead of parsed and verified
# at every start: a quarter less CPU per run again (~1.65 s, not ~2.2 s, for a small build).
# The first run of this process (this xdist worker) dumps the archive at its exit, the others
# map it; a JVM that cannot use an archive runs without it. The JVM's CDS warnings (classes
# it skips) are silenced: they would be mixed into the output the tests read.
_CDS_LOG = "-Xlog:cds=off,cds+dynamic=off"


@functools.cache
def _cds_archive() -> Path:
    directory = tempfile.mkdtemp(prefix="mvn-cds-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return Path(directory) / "maven.jsa"


def maven_opts() -> str:
    archive = _cds_archive()
    if archive.is_file():
        return f"{MAVEN_OPTS} -XX:SharedArchiveFile={archive} {_CDS_LOG}"
    return f"{MAVEN_OPTS} -XX:ArchiveClassesAtExit={archive} {_CDS_LOG}"


def render(template: str, destination: Path, values: dict[str, str]) -> Path:
    """Copy the template project `template` to `destination`, filling in each @@NAME@@."""
    source = TEMPLATES / template
    plugins = (TEMPLATES / "plugins.xml").read_text()
    for path in source.rglob("*"):
        if path.is_dir():
            continue
        text = path.read_text().replace("@@PLUGINS@@", plugins.rstrip("\n"))
        for name, value in values.items():
            text = text.replace(f"@@{name}@@", value)
        assert "@@" not in text, f"{path}: a placeholder was left unfilled"
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return destination


@functools.cache
def missing_plugins() -> list[str]:
    """The jars maven/plugins.xml pins (plugins and a plugin dependency) that ~/.m2 lacks."""
    coordinates = re.findall(
        r"<groupId>([^<]+)</groupId>\s*"
        r"<artifactId>([^<]+)</artifactId>\s*"
        r"<version>([^<]+)</version>",
        (TEMPLATES / "plugins.xml").read_text(),
    )
    assert len(coordinates) >= 8, coordinates
    return [
        f"{artifact}:{version}"
        for group, artifact, version in coordinates
        if not M2_REPOSITORY.joinpath(
            *group.split("."), artifact, version, f"{artifact}-{version}.jar"
        ).is_file()
    ]


def local_repository(destination: Path) -> Path:
    """A local repository holding the machine's plugins and nothing from Packyard."""
    absent = missing_plugins()
    if absent:
        MAVEN_PLUGINS.missing(f"{M2_REPOSITORY} lacks {', '.join(absent)}")
    linked = subprocess.run(
        ["cp", "-al", str(M2_REPOSITORY), str(destination)], capture_output=True, check=False
    )
    if linked.returncode != 0:  # another file system: copy (slower, same result)
        shutil.rmtree(destination, ignore_errors=True)
        shutil.copytree(M2_REPOSITORY, destination)
    # Whatever a build on this machine installed under com/example is not Packyard's.
    shutil.rmtree(destination / "com" / "example", ignore_errors=True)
    return destination


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and "BUILD SUCCESS" in self.output


@dataclass(frozen=True)
class Maven:
    """`mvn -B` as one user: a settings.xml with their token and a fresh local repository."""

    directory: Path
    settings: Path
    repository: Path

    @classmethod
    def for_token(cls, directory: Path, username: str, token: str) -> Maven:
        MAVEN.command("mvn")  # before the plugins: without mvn they are not the first lack
        directory.mkdir(parents=True, exist_ok=True)
        repository = local_repository(directory / "m2")
        settings = directory / "settings.xml"
        text = (TEMPLATES / "settings.xml").read_text()
        for name, value in (
            ("LOCAL_REPOSITORY", str(repository)),
            ("USERNAME", username),
            ("TOKEN", token),
        ):
            text = text.replace(f"@@{name}@@", escape(value))
        settings.write_text(text)
        return cls(directory, settings, repository)

    def run(self, project: Path, *goals: str) -> Run:
        mvn = MAVEN.command("mvn")
        env = {**os.environ, "MAVEN_OPTS": maven_opts()}
        env.pop("MAVEN_ARGS", None)
        started = time.monotonic()
        done = subprocess.run(
            [mvn, "-B", "-ntp", "-Dstyle.color=never", "-s", str(self.settings), *goals],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=MVN_TIMEOUT,
            check=False,
        )
        return Run(done.returncode, done.stdout + done.stderr, time.monotonic() - started)
