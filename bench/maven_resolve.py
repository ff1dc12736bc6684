"""Maven benchmark: `mvn compile` of a consumer with 100 generated dependencies, each time with
a cold local repository for them, resolving from Packyard and from the same files served by
Debian's nginx as a static Maven layout; both started here on loopback, both behind HTTP Basic
(Maven sends every GET without credentials, takes the 401 and retries: both sides pay it),
alternated over N rounds in the same run. Prints each round and the median ratio (goal:
Packyard within 1.2x of nginx).

    bench/run-maven                  # installs nginx if missing, then runs this
    python bench/maven_resolve.py --dependencies 100 --rounds 5

The dependencies are published to Packyard as `mvn deploy` sends them (pom, jar, their .sha1
and .md5, then maven-metadata.xml); nginx serves the same bytes with their .sha1/.md5 files.
Plugins resolve from a private copy of ~/.m2/repository (Maven Central is not reachable here).
Each round also times the same build warm (nothing to download): the part of Maven's time that
is the same on both sides, printed so the downloads' share can be read on its own; and the CPU
time each server spent on the cold resolve, which a busy machine disturbs far less than time.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _support import Side, alternate, nginx_side, packyard_side, report, user_with_token

TOKEN = "ghp_bench_maven_00000000000000000000000000"
OWNER, REPOSITORY = "bench", "packages"
GROUP, VERSION = "com.example.bench", "1.0.0"
SERVER_ID = "bench"
GOAL = 1.2

# Maven 3.8.7's default plugin versions are not in ~/.m2 and Maven Central is unreachable: pin
# the cached ones (see /work/shared/spec/registries-wire.md, section 3).
PLUGINS = {
    "maven-clean-plugin": "3.3.2",
    "maven-resources-plugin": "3.3.1",
    "maven-compiler-plugin": "3.13.0",
    "maven-surefire-plugin": "3.5.4",
    "maven-jar-plugin": "3.4.1",
    "maven-install-plugin": "3.1.2",
    "maven-deploy-plugin": "3.1.2",
}


@dataclass(frozen=True)
class Artifact:
    artifact_id: str
    pom: bytes
    jar: bytes

    @property
    def directory(self) -> str:
        return f"{GROUP.replace('.', '/')}/{self.artifact_id}"

    def file(self, extension: str) -> str:
        return f"{self.directory}/{VERSION}/{self.artifact_id}-{VERSION}.{extension}"

    def metadata(self) -> bytes:
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>{GROUP}</groupId>
  <artifactId>{self.artifact_id}</artifactId>
  <versioning>
    <latest>{VERSION}</latest>
    <release>{VERSION}</release>
    <versions>
      <version>{VERSION}</version>
    </versions>
    <lastUpdated>20261130101500</lastUpdated>
  </versioning>
</metadata>
""".encode()


def checksums(data: bytes) -> dict[str, bytes]:
    return {
        "sha1": hashlib.sha1(data).hexdigest().encode(),
        "md5": hashlib.md5(data).hexdigest().encode(),
    }


def jar_for(artifact_id: str, index: int) -> bytes:
    """A small, real jar: a manifest and one resource, with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as jar:
        stamp = (2026, 11, 30, 10, 15, 0)
        jar.writestr(
            zipfile.ZipInfo("META-INF/MANIFEST.MF", stamp),
            "Manifest-Version: 1.0\r\nCreated-By: packyard bench\r\n\r\n",
        )
        body = "".join(f"{artifact_id} line {line} {os.urandom(8).hex()}\n" for line in range(64))
        jar.writestr(zipfile.ZipInfo(f"bench/{artifact_id}/data-{index}.txt", stamp), body)
    return buffer.getvalue()


def generate(count: int) -> list[Artifact]:
    artifacts = []
    for i in range(count):
        artifact_id = f"dep-{i:03d}"
        pom = f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{GROUP}</groupId>
  <artifactId>{artifact_id}</artifactId>
  <version>{VERSION}</version>
  <packaging>jar</packaging>
</project>
""".encode()
        artifacts.append(Artifact(artifact_id, pom, jar_for(artifact_id, i)))
    return artifacts


def write_static(root: Path, artifacts: list[Artifact]) -> None:
    """The Maven 2 layout a repository manager would hold, checksums beside every file."""
    for artifact in artifacts:
        files = {
            artifact.file("pom"): artifact.pom,
            artifact.file("jar"): artifact.jar,
            f"{artifact.directory}/maven-metadata.xml": artifact.metadata(),
        }
        for path, data in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            for algorithm, digest in checksums(data).items():
                target.with_name(f"{target.name}.{algorithm}").write_bytes(digest)


def deploy(url: str, token: str, artifacts: list[Artifact]) -> None:
    """What `mvn deploy` sends for each artifact, in its order, Basic auth pre-emptively."""
    with httpx.Client(auth=(OWNER, token), timeout=60) as http:

        def put(path: str, data: bytes) -> None:
            response = http.put(f"{url}/{path}", content=data)
            if response.status_code not in (200, 201):
                raise SystemExit(f"PUT {path}: {response.status_code} {response.text}")

        for artifact in artifacts:
            for extension, data in (("pom", artifact.pom), ("jar", artifact.jar)):
                put(artifact.file(extension), data)
                for algorithm, digest in checksums(data).items():
                    put(f"{artifact.file(extension)}.{algorithm}", digest)
            metadata = f"{artifact.directory}/maven-metadata.xml"
            http.get(f"{url}/{metadata}")  # 404 on a first deploy; Maven merges what it finds
            put(metadata, artifact.metadata())
            for algorithm, digest in checksums(artifact.metadata()).items():
                put(f"{metadata}.{algorithm}", digest)


def world() -> dict[str, Any]:
    return user_with_token(
        OWNER, TOKEN, ("read:packages", "write:packages", "repo"), private_repository=REPOSITORY
    )


def deployed(artifacts: list[Artifact]) -> Callable[[str], str]:
    def publish(base: str) -> str:
        url = f"{base}/_registry/maven/{OWNER}/{REPOSITORY}"
        deploy(url, TOKEN, artifacts)
        return url

    return publish


def nginx(root: Path, artifacts: list[Artifact]) -> AbstractContextManager[Side]:
    return nginx_side(
        root,
        user=OWNER,
        token=TOKEN,
        fill=lambda served, _: write_static(served / OWNER / REPOSITORY, artifacts),
        url=f"{OWNER}/{REPOSITORY}",
        probe=f"{OWNER}/{REPOSITORY}/{artifacts[0].file('pom')}",  # the challenge Maven will meet
        types="application/java-archive jar; text/xml xml pom; text/plain sha1 md5;",
        missing=(
            "bench/maven_resolve.py: nginx is NOT installed, so there is nothing to compare "
            "against: apt-get install nginx (bench/run-maven does, when run as root)"
        ),
    )


def consumer(project: Path, artifacts: list[Artifact]) -> None:
    """A jar project that depends on every artifact, resolving from `${bench.url}`.

    It has no sources: `compile` resolves the compile classpath all the same (the compiler
    plugin requires it) and javac's time, the same on both sides, stays out of the figure.
    """
    pins = "\n".join(
        f"""      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>{name}</artifactId>
        <version>{version}</version>{
            '''
        <dependencies>
          <dependency>
            <groupId>org.codehaus.plexus</groupId>
            <artifactId>plexus-utils</artifactId>
            <version>3.5.1</version>
          </dependency>
        </dependencies>'''
            if name == "maven-surefire-plugin"
            else ""
        }
      </plugin>"""
        for name, version in PLUGINS.items()
    )
    dependencies = "\n".join(
        f"""    <dependency>
      <groupId>{GROUP}</groupId>
      <artifactId>{artifact.artifact_id}</artifactId>
      <version>{VERSION}</version>
    </dependency>"""
        for artifact in artifacts
    )
    project.mkdir(parents=True)
    (project / "pom.xml").write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example.consumer</groupId>
  <artifactId>consumer</artifactId>
  <version>1.0.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <repositories>
    <repository>
      <id>{SERVER_ID}</id>
      <url>${{bench.url}}</url>
    </repository>
  </repositories>
  <dependencies>
{dependencies}
  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
{pins}
      </plugins>
    </pluginManagement>
  </build>
</project>
""")
    (project / "settings.xml").write_text(f"""<settings>
  <servers>
    <server>
      <id>{SERVER_ID}</id>
      <username>{OWNER}</username>
      <password>{TOKEN}</password>
    </server>
  </servers>
</settings>
""")


def local_repository(root: Path, m2: Path) -> Path:
    """A private copy of the machine's local repository, for its plugins; ~/.m2 stays untouched."""
    local = root / "m2-repository"
    if not m2.is_dir():
        raise SystemExit(f"{m2} does not exist: Maven's plugins cannot be resolved offline")
    subprocess.run(["cp", "-a", f"{m2}/.", str(local)], check=True)
    shutil.rmtree(local / GROUP.replace(".", "/"), ignore_errors=True)
    return local


def mvn(project: Path, local: Path, url: str) -> float:
    shutil.rmtree(project / "target", ignore_errors=True)
    command = [
        "mvn",
        "-B",
        "-q",
        "-s",
        str(project / "settings.xml"),
        f"-Dmaven.repo.local={local}",
        f"-Dbench.url={url}",
        "compile",
    ]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"mvn compile against {url} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def resolve_cold(project: Path, local: Path, side: Side, artifacts: list[Artifact]) -> float:
    shutil.rmtree(local / GROUP.replace(".", "/"), ignore_errors=True)
    elapsed = mvn(project, local, side.url)
    for artifact in artifacts:  # every jar arrived, byte for byte
        if (local / artifact.file("jar")).read_bytes() != artifact.jar:
            raise SystemExit(f"{side.name}: {artifact.file('jar')} differs from what was published")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dependencies", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--m2", type=Path, default=Path.home() / ".m2" / "repository")
    args = parser.parse_args()
    if shutil.which("mvn") is None:
        raise SystemExit("mvn is not installed: apt-get install maven")
    root = Path(tempfile.mkdtemp(prefix="packyard-maven-bench-"))
    try:
        artifacts = generate(args.dependencies)
        local = local_repository(root, args.m2)
        project = root / "consumer"
        consumer(project, artifacts)
        with (
            nginx(root, artifacts) as theirs,
            packyard_side(root, world(), deployed(artifacts)) as ours,
        ):
            measured = alternate(
                theirs,
                ours,
                args.rounds,
                lambda side: resolve_cold(project, local, side, artifacts),
                # The same build warm (nothing to download), right after the cold one.
                also={"warm": lambda side: mvn(project, local, side.url)},
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    theirs_warm, ours_warm = (
        measured.figures[side]["warm"] for side in (measured.theirs, measured.ours)
    )
    report(
        measured,
        f"cold `mvn compile` of a consumer with {args.dependencies} dependencies, Basic auth "
        "on both sides",
        "cold resolve",
        GOAL,
        constant=(
            "warm build (no downloads)",
            "the downloads alone (less the warm build)",
            [min(pair) for pair in zip(theirs_warm, ours_warm, strict=True)],
        ),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
