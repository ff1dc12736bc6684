"""Debian's Gradle (4.4.1, on Java 17) publishes to and resolves from a running Packyard.

Gradle's `maven-publish` plugin cannot publish anywhere with Debian's package, not even to a
`file://` repository: Debian replaced the wagon bridge it deploys through with a stub, so every
`publish` fails before a request is sent with `Failed to deploy artifacts/metadata: Cannot
access URL with type default using the available connector factories:
BasicRepositoryConnectorFactory` (caused by `NoTransporterException: No transporter factories
registered`). What Debian's Gradle can do is the older `maven` plugin's `uploadArchives`,
given Maven's own transport jars (Debian's `maven` package ships them in /usr/share/maven/lib)
as its `deployerJars`: that is what publishes here. Resolving goes through Gradle's own HTTP
stack (not Maven's), online — `--offline` would refuse any remote repository — which on this
machine reaches nothing but Packyard on loopback.
"""

from __future__ import annotations

import subprocess
import textwrap
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer
from tests.requirements import GRADLE

MAVEN_LIB = Path("/usr/share/maven/lib")
DEPLOYER_JARS = (
    "maven-resolver-transport-wagon.jar",
    "wagon-http-shaded.jar",
    "wagon-provider-api.jar",
)
GROUP = "com.example.gradle"
TIMEOUT = 300

# Every Gradle run starts a JVM without a daemon (~25 s): the module keeps to one worker
# (`--dist loadgroup`, scripts/test), beside the rest of the suite.
pytestmark = pytest.mark.xdist_group("gradle")


@pytest.fixture(autouse=True)
def _one_engine(backend: str) -> None:
    if backend != "sqlite":
        # A design decision, not something missing: Gradle's wire is the same whatever
        # database Packyard runs on, and the mvn suite covers both engines.
        pytest.skip("Gradle runs against the SQLite server only")


def gradle(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = GRADLE.command("gradle")
    return subprocess.run(
        [binary, "--no-daemon", "--gradle-user-home", str(project / ".gradle-home"), *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def deployer_jars() -> str:
    jars = [MAVEN_LIB / name for name in DEPLOYER_JARS]
    absent = [str(jar) for jar in jars if not jar.exists()]
    if absent:
        GRADLE.missing(f"Maven's transport jars are missing: {', '.join(absent)}")
    return ", ".join(f"'{jar}'" for jar in jars)


def publisher(directory: Path, url: str, name: str, version: str, greeting: str) -> Path:
    source = directory / "src" / "main" / "java" / "com" / "example" / "gradle"
    source.mkdir(parents=True)
    (source / "Hello.java").write_text(
        "package com.example.gradle;\n\npublic class Hello {\n"
        f'    public static String greeting() {{ return "{greeting}"; }}\n}}\n'
    )
    (directory / "settings.gradle").write_text(f"rootProject.name = '{name}'\n")
    login = f"authentication(userName: 'alice', password: '{ALICE}')"
    (directory / "build.gradle").write_text(
        textwrap.dedent(f"""
        apply plugin: 'java'
        apply plugin: 'maven'
        group = '{GROUP}'
        version = '{version}'
        configurations {{ deployerJars }}
        dependencies {{ deployerJars files({deployer_jars()}) }}
        uploadArchives {{
            repositories {{
                mavenDeployer {{
                    configuration = configurations.deployerJars
                    repository(url: '{url}') {{ {login} }}
                    snapshotRepository(url: '{url}') {{ {login} }}
                }}
            }}
        }}
        """)
    )
    return directory


def consumer(directory: Path, url: str, token: str, dependency: str) -> Path:
    """A project that compiles against `dependency` and copies what it resolved to deps/."""
    source = directory / "src" / "main" / "java" / "app"
    source.mkdir(parents=True)
    (source / "App.java").write_text(
        "package app;\n\npublic class App {\n"
        "    public static String hello() { return com.example.gradle.Hello.greeting(); }\n}\n"
    )
    (directory / "settings.gradle").write_text("rootProject.name = 'consumer'\n")
    (directory / "build.gradle").write_text(
        textwrap.dedent(f"""
        apply plugin: 'java'
        repositories {{
            maven {{
                url '{url}'
                credentials {{ username 'alice'; password '{token}' }}
            }}
        }}
        dependencies {{ compile '{dependency}' }}
        task copyDeps(type: Copy) {{ from configurations.compile; into 'deps' }}
        compileJava.finalizedBy copyDeps
        """)
    )
    return directory


def greeting_in(jar: Path) -> bytes:
    with zipfile.ZipFile(jar) as archive:
        return archive.read("com/example/gradle/Hello.class")


def test_upload_archives_then_a_gradle_build_resolves_it(
    live_server: LiveServer, tmp_path: Path
) -> None:
    url = f"{live_server.url}/_registry/maven/alice/tools"
    project = publisher(tmp_path / "pub", url, "ghello", "1.0.0", "hello from gradle")
    uploaded = gradle(project, "--offline", "uploadArchives")
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr

    # The same package the REST API lists, named groupId.artifactId, linked to alice/tools.
    with httpx.Client(
        base_url=live_server.api, headers={"Authorization": f"Bearer {ALICE}"}
    ) as api:
        package = api.get(f"/users/alice/packages/maven/{GROUP}.ghello")
        versions = api.get(f"/users/alice/packages/maven/{GROUP}.ghello/versions").json()
    assert package.status_code == 200, package.text
    assert package.json()["repository"]["full_name"] == "alice/tools"
    assert [v["name"] for v in versions] == ["1.0.0"]

    # A clean Gradle home: Gradle fetches pom and jar from Packyard (401, then Basic).
    app = consumer(tmp_path / "app", url, ALICE, f"{GROUP}:ghello:1.0.0")
    built = gradle(app, "compileJava")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "ghello-1.0.0.jar" in built.stdout
    resolved = app / "deps" / "ghello-1.0.0.jar"
    assert resolved.read_bytes() == (project / "build" / "libs" / "ghello-1.0.0.jar").read_bytes()


def test_snapshot_uploads_resolve_to_the_newest_build(
    live_server: LiveServer, tmp_path: Path
) -> None:
    url = f"{live_server.url}/_registry/maven/alice/tools"
    for build, greeting in ((1, "first build"), (2, "second build")):
        project = publisher(tmp_path / f"pub-{build}", url, "gsnap", "1.1.0-SNAPSHOT", greeting)
        uploaded = gradle(project, "--offline", "uploadArchives")
        assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr

    metadata = httpx.get(
        f"{url}/com/example/gradle/gsnap/1.1.0-SNAPSHOT/maven-metadata.xml", auth=("alice", ALICE)
    )
    assert metadata.status_code == 200, metadata.text
    assert "<buildNumber>2</buildNumber>" in metadata.text

    app = consumer(tmp_path / "app", url, ALICE, f"{GROUP}:gsnap:1.1.0-SNAPSHOT")
    built = gradle(app, "compileJava")
    assert built.returncode == 0, built.stdout + built.stderr
    [resolved] = (app / "deps").glob("gsnap-1.1.0-*.jar")
    newest = tmp_path / "pub-2" / "build" / "libs" / "gsnap-1.1.0-SNAPSHOT.jar"
    assert greeting_in(resolved) == greeting_in(newest)
