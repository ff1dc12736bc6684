"""skopeo against the legacy Docker registry of a running `packyard serve --docker-port`:
images named OWNER/REPOSITORY/IMAGE, byte for byte, with the repository's access; then
`packyard migrate docker` moves them to the container registry, and GitHub's
`docker/conflicts` lists the one whose container name was taken."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer, free_port, serving
from tests.protocols.oci_layout import blob_bytes, single_arch
from tests.protocols.test_skopeo import copy_in, copy_out, skopeo

# One worker runs the module: its server has a docker port of its own.
pytestmark = pytest.mark.xdist_group("legacy-docker")

BOB = "ghp_bob_read_repo_000000000000000000000000"  # read on alice/secret, with `repo`
CAROL = "ghp_carol_full_0000000000000000000000000"  # every scope, no access to alice/secret
PEOPLE = {
    "repositories": [
        {
            "owner": "alice",
            "name": "secret",
            "visibility": "private",
            "collaborators": [{"user": "bob", "permission": "read"}],
        }
    ],
    "tokens": [
        {"user": "bob", "token": BOB, "kind": "classic", "scopes": ["read:packages", "repo"]},
        {
            "user": "carol",
            "token": CAROL,
            "kind": "classic",
            "scopes": ["read:packages", "write:packages", "delete:packages", "repo"],
        },
    ],
}
LAST_VERSION = (
    "You cannot delete the last version of a package. You must delete the package instead."
)


class Legacy:
    def __init__(self, server: LiveServer, docker_port: int) -> None:
        self.server = server
        self.docker = f"127.0.0.1:{docker_port}"
        self.ghcr = server.url.removeprefix("http://")

    def rest(self, token: str = ALICE) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.api, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )


@pytest.fixture(scope="module")
def legacy(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Legacy]:
    port = free_port()
    data = tmp_path_factory.mktemp("legacy")
    with serving(live_database, data, {"PACKYARD_DOCKER_PORT": str(port)}) as server:
        people = data / "people.yaml"
        people.write_text(yaml.safe_dump(PEOPLE))
        seeded = server.packyard("seed", str(people))
        assert seeded.returncode == 0, seeded.stderr
        yield Legacy(server, port)


# skopeo stamps its error lines with the time: two answers are compared without it.
STAMP = re.compile(r'time="[^"]*" ')


def inspect(image: str, token: str) -> tuple[int, str]:
    """skopeo inspect's exit code and the manifest digest (or its error, unstamped)."""
    done = skopeo("inspect", "--tls-verify=false", f"--creds=someone:{token}", image)
    if done.returncode == 0:
        return 0, json.loads(done.stdout)["Digest"]
    return done.returncode, STAMP.sub("", done.stderr)


def test_a_round_trip_is_byte_identical_and_the_rest_api_sees_a_docker_package(
    legacy: Legacy, tmp_path: Path
) -> None:
    source, back = tmp_path / "source", tmp_path / "back"
    pushed = single_arch(source, "v1")
    target = f"docker://{legacy.docker}/alice/tools/hello:v1"
    copy_in(f"oci:{source}:v1", target)
    copy_out(target, f"oci:{back}:v1")
    assert blob_bytes(back, pushed["digest"]) == blob_bytes(source, pushed["digest"])
    with legacy.rest() as api:
        package = api.get("/user/packages/docker/hello").json()
        listed = api.get("/user/packages/docker/hello/versions").json()
    assert package["repository"]["full_name"] == "alice/tools"
    assert [(v["name"], v["metadata"]["docker"]["tag"]) for v in listed] == [
        (pushed["digest"], ["v1"])
    ]


def test_the_repositorys_readers_pull_and_strangers_learn_nothing(
    legacy: Legacy, tmp_path: Path
) -> None:
    pushed = single_arch(tmp_path / "source", "v1")
    copy_in(f"oci:{tmp_path / 'source'}:v1", f"docker://{legacy.docker}/alice/secret/img:v1")
    assert inspect(f"docker://{legacy.docker}/alice/secret/img:v1", BOB) == (0, pushed["digest"])
    hidden = inspect(f"docker://{legacy.docker}/alice/secret/img:v1", CAROL)
    missing = inspect(f"docker://{legacy.docker}/alice/secret/nosuch:v1", CAROL)
    assert hidden[0] != 0 and missing[0] != 0
    assert hidden[1].replace("img", "X") == missing[1].replace("nosuch", "X")
    refused = skopeo(
        "copy",
        "--dest-tls-verify=false",
        f"--dest-creds=bob:{BOB}",
        f"oci:{tmp_path / 'source'}:v1",
        f"docker://{legacy.docker}/alice/secret/img:v2",
    )
    assert refused.returncode != 0


def test_the_rest_api_refuses_to_delete_the_last_version(legacy: Legacy, tmp_path: Path) -> None:
    single_arch(tmp_path / "source", "v1")
    copy_in(f"oci:{tmp_path / 'source'}:v1", f"docker://{legacy.docker}/alice/tools/only:v1")
    with legacy.rest() as api:
        [version] = api.get("/user/packages/docker/only/versions").json()
        answer = api.delete(f"/user/packages/docker/only/versions/{version['id']}")
    assert answer.status_code == 400 and answer.json()["message"] == LAST_VERSION


def test_migration_moves_an_image_and_lists_the_conflict_until_it_is_cleared(
    legacy: Legacy, tmp_path: Path
) -> None:
    moving, blocked = single_arch(tmp_path / "a", "v1"), single_arch(tmp_path / "b", "v1")
    copy_in(f"oci:{tmp_path / 'a'}:v1", f"docker://{legacy.docker}/alice/tools/moving:v1")
    copy_in(f"oci:{tmp_path / 'b'}:v1", f"docker://{legacy.docker}/alice/tools/blocked:v1")
    copy_in(f"oci:{tmp_path / 'a'}:v1", f"docker://{legacy.ghcr}/alice/blocked:v1")
    first = legacy.server.packyard("migrate", "docker", "--owner", "alice")
    assert first.returncode == 3, first.stderr
    assert "moved alice/tools/moving → alice/moving" in first.stdout
    assert "alice/tools/blocked" in first.stderr
    for image in (f"{legacy.ghcr}/alice/moving:v1", f"{legacy.docker}/alice/tools/moving:v1"):
        assert inspect(f"docker://{image}", ALICE) == (0, moving["digest"])
    with legacy.rest() as api:
        for path in ("/user/docker/conflicts", "/users/alice/docker/conflicts"):
            assert [p["name"] for p in api.get(path).json()] == ["blocked"], path
        assert api.delete("/user/packages/container/blocked").status_code == 204
    again = legacy.server.packyard("migrate", "docker")
    assert again.returncode == 0, again.stderr
    with legacy.rest() as api:
        assert api.get("/user/docker/conflicts").json() == []
    assert inspect(f"docker://{legacy.ghcr}/alice/blocked:v1", ALICE) == (0, blocked["digest"])
