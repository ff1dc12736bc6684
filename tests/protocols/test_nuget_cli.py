"""The real NuGet client (NuGet.exe 5.8 under mono) pushes to and installs from a live Packyard.

mona packs Pky.Base 1.0.0 and Pky.Hello 1.0.0, 1.1.0 and 2.0.0-beta.1 (which depend on
Pky.Base), each with a `<repository>` element naming her private repository mona/lib, and
pushes them to http://HOST/_registry/nuget/mona/index.json with GitHub's nuget.config (the
source `github`, its packageSourceCredentials). Packing is done once per session and the
pushes once per module (per xdist worker: mono starts in ~0.7 s a command); each client runs
on a machine of its own with cold caches, each test checks one thing against the REST API's
view, and a test that deletes restores after itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.protocols import clients_support
from tests.protocols.clients_support import AccessLog, Run, serving_logged
from tests.protocols.conftest import LiveServer
from tests.protocols.nuget_support import (
    TEMPLATES,
    NuGetMachine,
    NuSpec,
    Packed,
    found,
    installed,
)

# One worker runs the module: its pushes are set up once (`--dist loadgroup`, scripts/test).
pytestmark = pytest.mark.xdist_group("nuget")

MONA = "ghp_mona_nuget_full_00000000000000000000"
MONA_READ = "ghp_mona_nuget_read_00000000000000000000"  # read:packages only
STAN = "ghp_stan_nuget_full_00000000000000000000"  # every scope, no access to mona's packages
OWNER = "mona"
PREFIX = f"/_registry/nuget/{OWNER}/"
REPOSITORY = "https://github.com/mona/lib"

BASE = NuSpec("Pky.Base", "1.0.0", REPOSITORY)
HELLO = tuple(
    NuSpec("Pky.Hello", version, REPOSITORY, (("Pky.Base", "1.0.0"),))
    for version in ("1.0.0", "1.1.0", "2.0.0-beta.1")
)
HELLO_10, HELLO_11, HELLO_BETA = HELLO
PUSHED = (BASE, *HELLO)
DENIED = NuSpec("Pky.Denied", "1.0.0", REPOSITORY)  # what a read-only token tries to push


def source(server: LiveServer) -> str:
    return f"{server.url}{PREFIX}index.json"


def machine(
    server: LiveServer, root: Path, token: str = MONA, username: str = OWNER
) -> NuGetMachine:
    return NuGetMachine.at(root, source(server), username, token)


def rest(server: LiveServer, token: str = MONA) -> httpx.Client:
    return clients_support.rest(server, token)


def version_ids(server: LiveServer, package: str, state: str = "active") -> dict[str, int]:
    return clients_support.version_ids(server, MONA, "nuget", package, state)


def downloads(server: LiveServer, package: str) -> dict[str, int]:
    with rest(server) as api:
        counted = api.get(
            f"/_packyard/user/packages/nuget/{package}/downloads", params={"since": "2000-01-01"}
        )
    assert counted.status_code == 200, counted.text
    return {version["name"]: version["downloads"] for version in counted.json()["versions"]}


@pytest.fixture(scope="session")
def packed(tmp_path_factory: pytest.TempPathFactory) -> dict[NuSpec, Packed]:
    """Every package the module pushes, packed once (`nuget pack`, ~1 s each)."""
    root = tmp_path_factory.mktemp("nuget-pack")
    packer = NuGetMachine.at(root / "machine")
    return {
        spec: packer.pack(spec, root / f"{spec.id}.{spec.version}") for spec in (*PUSHED, DENIED)
    }


@pytest.fixture(scope="module")
def world(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of the module's own, logging each request (what nuget.exe asked is seen)."""
    data = tmp_path_factory.mktemp("nuget-data")
    with serving_logged(live_database, data, TEMPLATES / "world.yaml") as server:
        yield server


@dataclass(frozen=True)
class Pushed:
    server: LiveServer
    packages: dict[NuSpec, Packed]
    said: dict[NuSpec, Run]  # what `nuget push` printed for each


@pytest.fixture(scope="module")
def pushed(
    world: LiveServer,
    packed: dict[NuSpec, Packed],
    tmp_path_factory: pytest.TempPathFactory,
) -> Pushed:
    mona = machine(world, tmp_path_factory.mktemp("mona"))
    said = {}
    for spec in PUSHED:
        pushing = mona.push(packed[spec].path)
        assert pushing.ok, pushing.output
        said[spec] = pushing
    return Pushed(world, packed, said)


@dataclass(frozen=True)
class Installed:
    run: Run
    output: Path  # nuget install's -OutputDirectory
    requests: list[str]  # `METHOD path-below-the-namespace STATUS`, in order


@pytest.fixture(scope="module")
def hello_installed(pushed: Pushed, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """`nuget install Pky.Hello -Version 1.1.0` on a fresh machine (and so Pky.Base)."""
    root = tmp_path_factory.mktemp("consumer")
    consumer = machine(pushed.server, root / "machine")
    log = AccessLog.of(pushed.server)
    run = consumer.install(HELLO_11.id, HELLO_11.version, root / "out")
    assert run.ok, run.output
    asked = [f"{r.method} {r.path} {r.status}" for r in log.requests(PREFIX)]
    return Installed(run, root / "out", asked)


def same_output(run: Run, root: Path, replacements: dict[str, str]) -> str:
    """What a failing nuget command printed, its machine's path and `replacements` masked."""
    text = run.error().replace(str(root), "ROOT")
    for old, new in replacements.items():
        text = re.sub(re.escape(old), new, text, flags=re.I)
    return text


def test_pushes_are_three_versions_linked_to_the_repository_in_the_nuspec(
    pushed: Pushed,
) -> None:
    assert sorted(version_ids(pushed.server, HELLO_10.id)) == sorted(s.version for s in HELLO)
    assert list(version_ids(pushed.server, BASE.id)) == [BASE.version]
    with rest(pushed.server) as api:
        package = api.get(f"/user/packages/nuget/{HELLO_10.id}")
    assert package.status_code == 200, package.text
    assert package.json()["repository"]["full_name"] == "mona/lib"
    assert package.json()["visibility"] == "private"
    assert package.json()["version_count"] == 3


def test_a_push_says_the_package_was_pushed(pushed: Pushed) -> None:
    said = pushed.said[HELLO_BETA].output
    assert "Your package was pushed." in said, said
    assert re.search(r"^\s+Created http://\S+ \d+ms$", said, re.M), said


def test_a_push_goes_to_the_owner_s_root_as_on_github(pushed: Pushed) -> None:
    # GitHub's PackagePublish resource is https://nuget.pkg.github.com/OWNER/ (seen on the
    # wire), so a script that PUTs there by hand works against Packyard too.
    said = pushed.said[HELLO_BETA].output
    assert f"  PUT {pushed.server.url}{PREFIX}\n" in said, said


def test_a_second_push_of_a_version_is_a_409_nuget_prints(pushed: Pushed, tmp_path: Path) -> None:
    again = machine(pushed.server, tmp_path).push(pushed.packages[HELLO_10].path)
    assert "409 (Conflict)" in again.error(), again.output
    assert sorted(version_ids(pushed.server, HELLO_10.id)) == sorted(s.version for s in HELLO)


def test_install_of_a_private_package_with_package_source_credentials(
    pushed: Pushed, hello_installed: Installed
) -> None:
    for spec in (HELLO_11, BASE):  # the dependency came along, from Packyard too
        nupkg = installed(hello_installed.output, spec.id, spec.version)
        assert nupkg.read_bytes() == pushed.packages[spec].data, hello_installed.run.output


def test_install_asks_without_credentials_then_with_basic_after_the_401(
    hello_installed: Installed,
) -> None:
    asked = hello_installed.requests
    assert asked, "server.log has no access-log lines: is uvicorn's access log on?"
    assert asked[:2] == ["GET index.json 401", "GET index.json 200"], asked
    for at, line in enumerate(asked):  # every challenge is answered with the credentials
        request, status = line.rsplit(" ", 1)
        assert status in ("200", "401"), asked
        if status == "401":
            assert f"{request} 200" in asked[at + 1 :], asked
    nupkgs = [line for line in asked if line.endswith(".nupkg 200")]
    assert len(nupkgs) == 2, asked  # Pky.Hello and Pky.Base, once each
    assert any(f"/pky.hello.{HELLO_11.version}.nupkg" in line for line in nupkgs), asked


def test_install_of_a_pre_release(pushed: Pushed, tmp_path: Path) -> None:
    run = machine(pushed.server, tmp_path / "machine").install(
        HELLO_BETA.id, HELLO_BETA.version, tmp_path / "out"
    )
    assert run.ok, run.output
    nupkg = installed(tmp_path / "out", HELLO_BETA.id, HELLO_BETA.version)
    assert nupkg.read_bytes() == pushed.packages[HELLO_BETA].data


def test_an_install_counts_one_download_of_the_version(pushed: Pushed, tmp_path: Path) -> None:
    # Only this test installs 1.0.0 (the module runs on one worker, one test at a time).
    before = downloads(pushed.server, HELLO_10.id)
    run = machine(pushed.server, tmp_path / "machine").install(
        HELLO_10.id, HELLO_10.version, tmp_path / "out"
    )
    assert run.ok, run.output
    after = downloads(pushed.server, HELLO_10.id)
    assert after.get(HELLO_10.version) == before.get(HELLO_10.version, 0) + 1, (before, after)
    assert after.get(HELLO_11.version) == before.get(HELLO_11.version), (before, after)


def test_search_finds_what_the_rest_api_lists(pushed: Pushed, tmp_path: Path) -> None:
    mona = machine(pushed.server, tmp_path)
    with rest(pushed.server) as api:
        listed = api.get("/user/packages", params={"package_type": "nuget"})
    assert listed.status_code == 200, listed.text
    names = {package["name"].lower() for package in listed.json()}
    assert {"pky.base", "pky.hello"} <= names
    stable = found(mona.search("Pky"))
    assert sorted(stable) == [(BASE.id, BASE.version), (HELLO_11.id, HELLO_11.version)]
    with_pre = found(mona.search("Pky", prerelease=True))
    assert sorted(with_pre) == [(BASE.id, BASE.version), (HELLO_BETA.id, HELLO_BETA.version)]


def test_nuget_delete_is_the_rest_api_s_version_delete(pushed: Pushed, tmp_path: Path) -> None:
    server = pushed.server
    version_id = version_ids(server, HELLO_11.id)[HELLO_11.version]
    deleted = machine(server, tmp_path).delete(HELLO_11.id, HELLO_11.version)
    try:
        assert deleted.ok, deleted.output
        assert "was deleted successfully" in deleted.output, deleted.output
        assert HELLO_11.version not in version_ids(server, HELLO_11.id)
        assert version_ids(server, HELLO_11.id, "deleted")[HELLO_11.version] == version_id
    finally:
        with rest(server) as api:
            api.post(f"/user/packages/nuget/{HELLO_11.id}/versions/{version_id}/restore")
    assert HELLO_11.version in version_ids(server, HELLO_11.id)


@pytest.fixture
def hello_deleted(pushed: Pushed) -> Iterator[int]:
    """Pky.Hello 1.1.0's version id, deleted through REST; restored afterwards if a test did not."""
    version_id = version_ids(pushed.server, HELLO_11.id)[HELLO_11.version]
    with clients_support.deleted(pushed.server, MONA, "nuget", HELLO_11.id, version_id):
        yield version_id


def test_a_deleted_version_stops_installing_and_a_restored_one_installs_with_the_same_sha512(
    pushed: Pushed, hello_installed: Installed, hello_deleted: int, tmp_path: Path
) -> None:
    before = installed(hello_installed.output, HELLO_11.id, HELLO_11.version)
    gone = machine(pushed.server, tmp_path / "gone").install(
        HELLO_11.id, HELLO_11.version, tmp_path / "gone-out"
    )
    said = gone.error()
    assert f"Package '{HELLO_11.id} {HELLO_11.version}' is not found" in said, said

    with rest(pushed.server) as api:
        restored = api.post(f"/user/packages/nuget/{HELLO_11.id}/versions/{hello_deleted}/restore")
    assert restored.status_code == 204, restored.text
    back = machine(pushed.server, tmp_path / "back").install(
        HELLO_11.id, HELLO_11.version, tmp_path / "back-out"
    )
    assert back.ok, back.output
    again = installed(tmp_path / "back-out", HELLO_11.id, HELLO_11.version)
    assert again.read_bytes() == before.read_bytes()
    assert Packed(HELLO_11, again).sha512 == pushed.packages[HELLO_11].sha512


def test_a_stranger_cannot_install_a_private_package_or_learn_it_exists(
    pushed: Pushed, tmp_path: Path
) -> None:
    stan = machine(pushed.server, tmp_path / "machine", STAN, "stan")
    existing = stan.install(HELLO_11.id, HELLO_11.version, tmp_path / "out")
    absent = stan.install("Pky.Absent", HELLO_11.version, tmp_path / "out")
    assert not installed(tmp_path / "out", HELLO_11.id, HELLO_11.version).exists()
    masked = {HELLO_11.id: "ID", "Pky.Absent": "ID"}
    assert same_output(existing, tmp_path, masked) == same_output(absent, tmp_path, masked)
    # On the wire too: the same status and body for what exists and what does not.
    answers = [
        httpx.get(f"{pushed.server.url}{PREFIX}{path}", auth=("stan", STAN))
        for path in (
            "registration/pky.hello/index.json",
            "registration/pky.absent/index.json",
            f"download/pky.hello/{HELLO_11.version}/pky.hello.{HELLO_11.version}.nupkg",
            f"download/pky.absent/{HELLO_11.version}/pky.absent.{HELLO_11.version}.nupkg",
        )
    ]
    assert answers[0].status_code in (401, 403, 404)
    for exists, missing in (answers[:2], answers[2:]):
        assert (exists.status_code, exists.text.replace("hello", "absent")) == (
            missing.status_code,
            missing.text,
        ), [(a.request.url, a.status_code, a.text) for a in answers]


def test_a_read_only_token_cannot_push(pushed: Pushed, tmp_path: Path) -> None:
    reader = machine(pushed.server, tmp_path / "machine", MONA_READ)
    can_read = reader.install(BASE.id, BASE.version, tmp_path / "out")
    assert can_read.ok, can_read.output  # the token reads mona's packages...
    refused = reader.push(pushed.packages[DENIED].path)
    assert "403 (Forbidden)" in refused.error(), refused.output
    with rest(pushed.server) as api:  # ...and pushes nothing
        assert api.get(f"/user/packages/nuget/{DENIED.id}").status_code == 404
