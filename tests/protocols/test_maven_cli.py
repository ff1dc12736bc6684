"""The real `mvn` (the machine's Maven 3.8.7) deploys to and resolves from a running Packyard.

mona publishes com.example:hello from her private repository mona/lib, as a release
(1.0.0) and as a SNAPSHOT deployed twice (two timestamped builds of 1.1.0-SNAPSHOT, whose
classes differ: build N has a method `buildN()`). Consumers compile against it, each with
a cold local repository of its own, so every artifact comes from Packyard. The three
deploys are done once per module (per xdist worker) and shared; each test checks one
thing, and the one that deletes the release restores it.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.protocols import clients_support
from tests.protocols.conftest import LiveServer
from tests.protocols.maven_support import TEMPLATES, Maven, Run, render

# One worker runs the module: its deploys are set up once (`--dist loadgroup`, scripts/test).
pytestmark = pytest.mark.xdist_group("maven")

WORLD = TEMPLATES / "world.yaml"
MONA = "ghp_mona_full_00000000000000000000000000"
MONA_REPO_ONLY = "ghp_mona_repo_only_000000000000000000000"  # no read:packages
RICK_READ = "ghp_rick_read_00000000000000000000000000"  # read collaborator, no write:packages
RICK_NO_REPO = "ghp_rick_no_repo_00000000000000000000000"  # read:packages only, no repo
STAN = "ghp_stan_full_00000000000000000000000000"  # every scope, no access to mona/lib

RELEASE = "1.0.0"
SNAPSHOT = "1.1.0-SNAPSHOT"
PACKAGE = "com.example.hello"
HELLO = Path("com/example/hello")
LAST_VERSION = (
    "You cannot delete the last version of a package. You must delete the package instead."
)


def registry(server: LiveServer) -> str:
    return f"{server.url}/_registry/maven/mona/lib"


def rest(server: LiveServer, token: str = MONA) -> httpx.Client:
    return clients_support.rest(server, token)


def version_ids(server: LiveServer, package: str = PACKAGE) -> dict[str, int]:
    return clients_support.version_ids(server, MONA, "maven", package)


def deploy(
    server: LiveServer,
    directory: Path,
    version: str,
    mark: str,
    *,
    token: str = MONA,
    artifact: str = "hello",
) -> tuple[Run, Path]:
    """`mvn deploy` of com.example:`artifact`:`version` (its class has a method `mark()`)."""
    maven = Maven.for_token(directory / "maven", "mona", token)
    project = render(
        "publisher",
        directory / "project",
        {"ARTIFACT": artifact, "VERSION": version, "URL": registry(server), "MARK": mark},
    )
    return maven.run(project, "deploy"), project


@dataclass(frozen=True)
class Consumed:
    run: Run
    local: Path  # the consumer's local repository

    def files(self, version: str) -> list[str]:
        directory = self.local / HELLO / version
        return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def consume(
    server: LiveServer,
    directory: Path,
    version: str,
    call: str,
    *,
    token: str = MONA,
    username: str = "mona",
    artifact: str = "hello",
    snapshots: bool = True,
) -> Consumed:
    """`mvn compile` of a project depending on com.example:`artifact`:`version` that calls
    `Hello.call()`, with a cold local repository."""
    maven = Maven.for_token(directory / "maven", username, token)
    project = render(
        "consumer",
        directory / "project",
        {
            "ARTIFACT": artifact,
            "VERSION": version,
            "URL": registry(server),
            "CALL": call,
            "SNAPSHOTS": "true" if snapshots else "false",
        },
    )
    return Consumed(maven.run(project, "compile"), maven.repository)


@dataclass(frozen=True)
class Deployed:
    server: LiveServer
    release_jar: bytes
    build_jars: tuple[bytes, bytes]  # builds 1 and 2 of the SNAPSHOT, as built


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> LiveServer:
    clients_support.seed(live_server, WORLD)
    return live_server


@pytest.fixture(scope="module")
def deployed(world: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """The release and two SNAPSHOT builds, each deployed from a fresh machine (a cold
    local repository: build 2's number can only come from Packyard's metadata)."""
    base = tmp_path_factory.mktemp("maven-deploys")
    jars = []
    for version, mark in ((RELEASE, "release"), (SNAPSHOT, "build1"), (SNAPSHOT, "build2")):
        run, project = deploy(world, base / mark, version, mark)
        assert run.ok, run.output
        jars.append((project / "target" / f"hello-{version}.jar").read_bytes())
    return Deployed(world, jars[0], (jars[1], jars[2]))


@pytest.fixture(scope="module")
def release_consumed(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Consumed:
    consumed = consume(deployed.server, tmp_path_factory.mktemp("consumer"), RELEASE, "release")
    assert consumed.run.ok, consumed.run.output
    return consumed


def failure(run: Run) -> str:
    """The line saying why a build failed (Maven's first [ERROR] line)."""
    assert not run.ok, run.output
    errors = [line for line in run.output.splitlines() if line.startswith("[ERROR]")]
    assert errors, run.output
    return errors[0]


def test_deploys_are_two_versions_and_the_snapshot_has_two_builds(deployed: Deployed) -> None:
    ids = version_ids(deployed.server)
    assert sorted(ids) == [RELEASE, SNAPSHOT]
    with rest(deployed.server) as api:
        package = api.get(f"/user/packages/maven/{PACKAGE}").json()
        builds = api.get(
            f"/_packyard/user/packages/maven/{PACKAGE}/versions/{ids[SNAPSHOT]}/builds"
        )
    assert package["repository"]["full_name"] == "mona/lib"
    assert builds.status_code == 200, builds.text
    assert [build["build_number"] for build in builds.json()] == [2, 1]
    newest = builds.json()[0]
    assert f"hello-1.1.0-{newest['name']}.jar" in [file["name"] for file in newest["files"]]


def test_a_consumer_compiles_against_the_release(
    deployed: Deployed, release_consumed: Consumed
) -> None:
    jar = release_consumed.local / HELLO / RELEASE / "hello-1.0.0.jar"
    assert jar.read_bytes() == deployed.release_jar
    sha1 = (jar.parent / "hello-1.0.0.jar.sha1").read_text().split()[0]
    assert sha1 == hashlib.sha1(deployed.release_jar).hexdigest()


@pytest.mark.parametrize(
    ("snapshots", "call"),
    [(True, "build2"), (False, "release")],
    ids=["snapshots-enabled-picks-the-newest-build", "releases-only-picks-the-release"],
)
def test_a_consumer_compiles_against_a_version_range(
    deployed: Deployed, tmp_path: Path, snapshots: bool, call: str
) -> None:
    # Maven orders 1.1.0-SNAPSHOT inside [1.0,2.0): from a repository with snapshots
    # enabled the range takes it (its newest build); releases only, it takes 1.0.0.
    consumed = consume(deployed.server, tmp_path, "[1.0,2.0)", call, snapshots=snapshots)
    assert consumed.run.ok, consumed.run.output
    if snapshots:
        assert re.fullmatch(r"hello-1\.1\.0-\d{8}\.\d{6}-2\.jar", newest_jar(consumed))
    else:
        assert "hello-1.0.0.jar" in consumed.files(RELEASE)
        assert not any(name.endswith(".jar") for name in consumed.files(SNAPSHOT))


def newest_jar(consumed: Consumed) -> str:
    """The one timestamped SNAPSHOT jar the consumer downloaded."""
    jars = [
        name
        for name in consumed.files(SNAPSHOT)
        if name.endswith(".jar") and name != "hello-1.1.0-SNAPSHOT.jar"
    ]
    assert len(jars) == 1, consumed.files(SNAPSHOT)
    return jars[0]


def test_a_consumer_compiles_against_the_snapshot_s_newest_build(
    deployed: Deployed, tmp_path: Path
) -> None:
    # It calls build2(), which only the second build's class has.
    consumed = consume(deployed.server, tmp_path, SNAPSHOT, "build2")
    assert consumed.run.ok, consumed.run.output
    jar = consumed.local / HELLO / SNAPSHOT / newest_jar(consumed)
    assert jar.name.endswith("-2.jar")
    assert jar.read_bytes() == deployed.build_jars[1]


def test_a_second_deploy_of_the_release_fails_with_maven_printing_the_409(
    deployed: Deployed, tmp_path: Path
) -> None:
    # Maven 3.8.7 (its wagon transport) prints the status line, not the body.
    run, _ = deploy(deployed.server, tmp_path, RELEASE, "again")
    assert "status: 409 Conflict" in failure(run), run.output
    served = httpx.get(
        f"{registry(deployed.server)}/{HELLO}/{RELEASE}/hello-1.0.0.jar", auth=("mona", MONA)
    )
    assert served.status_code == 200
    assert served.content == deployed.release_jar  # the first deploy's jar, untouched


@pytest.mark.parametrize(
    ("username", "token"),
    [
        ("stan", STAN),
        ("mona", MONA_REPO_ONLY),
    ],
    ids=["a-stranger", "a-token-without-read-packages"],
)
def test_without_read_access_resolving_fails_as_for_a_coordinate_that_does_not_exist(
    deployed: Deployed, tmp_path: Path, username: str, token: str
) -> None:
    existing = consume(
        deployed.server, tmp_path / "hello", RELEASE, "release", token=token, username=username
    )
    missing = consume(
        deployed.server,
        tmp_path / "absent",
        RELEASE,
        "release",
        token=token,
        username=username,
        artifact="absent",
    )
    said = failure(existing.run)
    assert "com.example:hello:jar:1.0.0" in said, said
    assert said == failure(missing.run).replace("absent", "hello")
    assert not any(name.endswith(".jar") for name in existing.files(RELEASE))
    # On the wire too: the same status and body for what exists and what does not.
    answers = [
        httpx.get(f"{registry(deployed.server)}/{path}", auth=(username, token))
        for path in (
            f"{HELLO}/{RELEASE}/hello-1.0.0.pom",
            f"{HELLO}/9.9.9/hello-9.9.9.pom",
            "com/example/absent/1.0.0/absent-1.0.0.pom",
        )
    ]
    assert answers[0].status_code in (401, 403, 404)
    normalized = {
        (a.status_code, a.text.replace("absent", "hello").replace("9.9.9", RELEASE))
        for a in answers
    }
    assert len(normalized) == 1, [(a.request.url, a.status_code, a.text) for a in answers]


def test_a_reader_whose_token_lacks_repo_is_told_which_scope_is_missing(
    deployed: Deployed,
) -> None:
    """rick reads mona/lib, so he may know what it holds: for a private repository his
    token also needs `repo` (as GitHub's REST API asks), and the 403 says so."""
    answer = httpx.get(
        f"{registry(deployed.server)}/{HELLO}/{RELEASE}/hello-1.0.0.pom",
        auth=("rick", RICK_NO_REPO),
    )
    assert (answer.status_code, answer.text) == (403, "the token lacks repo\n")


def test_a_read_only_token_cannot_deploy(deployed: Deployed, tmp_path: Path) -> None:
    reader = httpx.get(
        f"{registry(deployed.server)}/{HELLO}/{RELEASE}/hello-1.0.0.pom", auth=("rick", RICK_READ)
    )
    assert reader.status_code == 200  # rick reads mona/lib's packages...
    run, _ = deploy(deployed.server, tmp_path, "2.0.0", "rick", token=RICK_READ)
    assert "status: 403 Forbidden" in failure(run), run.output
    assert "2.0.0" not in version_ids(deployed.server)  # ...and deploys nothing


@pytest.fixture
def release_deleted(deployed: Deployed) -> Iterator[int]:
    """The release's version id, deleted through REST; restored afterwards if a test did not."""
    version_id = version_ids(deployed.server)[RELEASE]
    with clients_support.deleted(deployed.server, MONA, "maven", PACKAGE, version_id):
        yield version_id


def test_a_deleted_release_stops_resolving_and_a_restored_one_resolves_with_the_same_sha1(
    deployed: Deployed, release_consumed: Consumed, release_deleted: int, tmp_path: Path
) -> None:
    sha1 = "hello-1.0.0.jar.sha1"
    before = (release_consumed.local / HELLO / RELEASE / sha1).read_text()
    gone = consume(deployed.server, tmp_path / "deleted", RELEASE, "release")
    assert "Could not find artifact com.example:hello:jar:1.0.0" in failure(gone.run)

    with rest(deployed.server) as api:
        restored = api.post(f"/user/packages/maven/{PACKAGE}/versions/{release_deleted}/restore")
    assert restored.status_code == 204, restored.text
    back = consume(deployed.server, tmp_path / "restored", RELEASE, "release")
    assert back.run.ok, back.run.output
    assert (back.local / HELLO / RELEASE / sha1).read_text() == before


def test_the_last_version_of_a_maven_package_cannot_be_deleted(
    world: LiveServer, tmp_path: Path
) -> None:
    run, _ = deploy(world, tmp_path, "1.0.0", "solo", artifact="solo")
    assert run.ok, run.output
    ids = version_ids(world, "com.example.solo")
    assert list(ids) == ["1.0.0"]
    with rest(world) as api:
        refused = api.delete(f"/user/packages/maven/com.example.solo/versions/{ids['1.0.0']}")
    assert refused.status_code == 400, refused.text
    assert refused.json()["message"] == LAST_VERSION
    assert version_ids(world, "com.example.solo") == ids


def test_prune_keeping_one_snapshot_build_leaves_the_build_mvn_resolves(
    deployed: Deployed, tmp_path: Path
) -> None:
    """`packyard prune --keep-snapshot-builds 1` deletes build 1, never the version; mvn
    still resolves the SNAPSHOT (build 2); undo brings build 1 back."""
    server = deployed.server
    env = {**server.env, "PACKYARD_TOKEN": MONA, "GITHUB_API_URL": server.api}
    env["PACKYARD_STATE_DIR"] = str(tmp_path / "state")
    env.pop("GITHUB_TOKEN", None)

    def prune(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "packyard.cli.main", "prune", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    selection = ("--package-type", "maven", "--package", PACKAGE)
    done = prune(*selection, "--keep-snapshot-builds", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        assert sorted(version_ids(server)) == [RELEASE, SNAPSHOT]  # no version went
        consumed = consume(server, tmp_path / "consumer", SNAPSHOT, "build2")
        assert consumed.run.ok, consumed.run.output
        assert newest_jar(consumed).endswith("-2.jar")
        snapshot_id = version_ids(server)[SNAPSHOT]
        deleted = httpx.get(
            f"{server.api}/_packyard/user/packages/maven/{PACKAGE}/versions/{snapshot_id}/builds",
            params={"state": "deleted"},
            headers={"Authorization": f"Bearer {MONA}"},
        ).json()
        assert [b["build_number"] for b in deleted] == [1]
        jar = f"{HELLO}/{SNAPSHOT}/hello-1.1.0-{deleted[0]['name']}.jar"
        assert httpx.get(f"{registry(server)}/{jar}", auth=("mona", MONA)).status_code == 404
    finally:
        undone = prune("undo", "--last")
        assert undone.returncode == 0 and "1 restored" in undone.stdout, undone.stdout
