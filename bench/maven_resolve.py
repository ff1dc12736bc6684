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
import base64
import hashlib
import io
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _support import free_port, packyard_server, seeded_data_dir, wait

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


@dataclass
class Side:
    name: str
    url: str
    pids: set[int]  # the server's processes, for the CPU time they spend serving a resolve


def children(pid: int) -> set[int]:
    """Processes whose parent is `pid` (Linux's /proc; empty elsewhere)."""
    found = set()
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(entry.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.add(int(entry.parent.name))
    return found


def cpu_seconds(pids: set[int]) -> float:
    """User and system CPU time the processes have used so far (Linux's /proc)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def world() -> dict[str, Any]:
    return {
        "users": [{"login": OWNER}],
        "repositories": [{"owner": OWNER, "name": REPOSITORY, "visibility": "private"}],
        "tokens": [
            {
                "user": OWNER,
                "token": TOKEN,
                "kind": "classic",
                "scopes": ["read:packages", "write:packages", "repo"],
            }
        ],
    }


@contextmanager
def packyard(root: Path, artifacts: list[Artifact]) -> Iterator[Side]:
    data = root / "packyard"
    seeded_data_dir(data, world())
    before = children(os.getpid())
    with packyard_server(data) as base:
        url = f"{base}/_registry/maven/{OWNER}/{REPOSITORY}"
        deploy(url, TOKEN, artifacts)
        yield Side("packyard", url, children(os.getpid()) - before)


def nginx_version(binary: str) -> str:
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return done.stderr.strip().rsplit("/", 1)[-1] or "?"


@contextmanager
def nginx(root: Path, artifacts: list[Artifact]) -> Iterator[Side]:
    """Debian's nginx in the foreground, one worker (as Packyard runs one), its own config."""
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        raise SystemExit(
            "bench/maven_resolve.py: nginx is NOT installed, so there is nothing to compare "
            "against: apt-get install nginx (bench/run-maven does, when run as root)"
        )
    prefix = root / "nginx"
    served = prefix / "html"
    write_static(served / OWNER / REPOSITORY, artifacts)
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / temp).mkdir(parents=True, exist_ok=True)
    sha = base64.b64encode(hashlib.sha1(TOKEN.encode()).digest()).decode()
    (prefix / "htpasswd").write_text(f"{OWNER}:{{SHA}}{sha}\n")
    port = free_port()
    # As root, nginx's workers would switch to `nobody` and could not read a 0700 temp dir.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(f"""
{user}
daemon off;
master_process on;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} error;
events {{ worker_connections 1024; }}
http {{
  types {{ application/java-archive jar; text/xml xml pom; text/plain sha1 md5; }}
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  client_body_temp_path {prefix / "client_body"};
  proxy_temp_path {prefix / "proxy"};
  fastcgi_temp_path {prefix / "fastcgi"};
  uwsgi_temp_path {prefix / "uwsgi"};
  scgi_temp_path {prefix / "scgi"};
  server {{
    listen 127.0.0.1:{port};
    root {served};
    auth_basic "bench";
    auth_basic_user_file {prefix / "htpasswd"};
  }}
}}
""")
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", "nginx.conf"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait(base + "/")
        except RuntimeError:
            process.kill()
            _, err = process.communicate()
            raise SystemExit(f"nginx did not start: {err.decode()}") from None
        probe = httpx.get(f"{base}/{OWNER}/{REPOSITORY}/{artifacts[0].file('pom')}")
        assert probe.status_code == 401, probe.status_code  # the challenge Maven will meet
        pids = {process.pid, *children(process.pid)}
        yield Side(f"nginx {nginx_version(binary)}", f"{base}/{OWNER}/{REPOSITORY}", pids)
    finally:
        process.terminate()
        process.wait(timeout=10)


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
    # side name → "cold" / "warm" / "cpu" → one figure a round
    results: dict[str, dict[str, list[float]]] = {}
    ratios: list[float] = []
    try:
        artifacts = generate(args.dependencies)
        local = local_repository(root, args.m2)
        project = root / "consumer"
        consumer(project, artifacts)
        with nginx(root, artifacts) as theirs, packyard(root, artifacts) as ours:
            # One untimed build from each first: the OS's caches, SQLite's pages and Python's
            # lazy imports warm for both, whichever side a round starts with.
            for side in (theirs, ours):
                resolve_cold(project, local, side, artifacts)
                results[side.name] = {"cold": [], "warm": [], "cpu": []}
            print(f"\n{'round':>5} {theirs.name:>14} {'packyard':>10} {'ratio':>7}")
            for round_ in range(args.rounds):
                for side in (theirs, ours) if round_ % 2 == 0 else (ours, theirs):
                    figures = results[side.name]
                    cpu = cpu_seconds(side.pids)
                    figures["cold"].append(resolve_cold(project, local, side, artifacts))
                    figures["cpu"].append(cpu_seconds(side.pids) - cpu)
                    figures["warm"].append(mvn(project, local, side.url))
                mine, its = results[ours.name]["cold"][-1], results[theirs.name]["cold"][-1]
                ratios.append(mine / its)
                print(f"{round_ + 1:5} {its:12.2f} s {mine:8.2f} s {mine / its:6.2f}x", flush=True)
            name = theirs.name
    finally:
        shutil.rmtree(root, ignore_errors=True)
    theirs_times, ours_times = results[name]["cold"], results["packyard"]["cold"]
    warm_times = [
        min(pair) for pair in zip(results[name]["warm"], results["packyard"]["warm"], strict=True)
    ]
    print(
        f"\ncold `mvn compile` of a consumer with {args.dependencies} dependencies, Basic auth "
        f"on both sides ({args.rounds} rounds)"
    )
    print(f"  {'':28} {'median':>8} {'best':>8}")
    for label, times in (
        (name, theirs_times),
        ("packyard", ours_times),
        ("warm build (no downloads)", warm_times),
    ):
        print(f"  {label:28} {statistics.median(times):6.2f} s {min(times):6.2f} s")
    print(
        "  server CPU per cold resolve: "
        + ", ".join(f"{side} {statistics.median(results[side]['cpu']):.2f} s" for side in results)
    )
    # On a busy machine a round can stall either side; the best rounds are the least disturbed.
    best = min(ours_times) / min(theirs_times)
    downloads = ""
    if min(theirs_times) > min(warm_times):
        share = (min(ours_times) - min(warm_times)) / (min(theirs_times) - min(warm_times))
        downloads = f"; the downloads alone (less the warm build): {share:.2f}x"
    print(f"  best against best: {best:.2f}x{downloads}")
    ratio = statistics.median(ratios)
    print(f"  ratio (median of the rounds): {ratio:6.2f}x the time (goal: <= {GOAL:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
