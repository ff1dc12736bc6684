"""skopeo (Debian's) copies images into and out of a running Packyard, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import httpx

from tests.conftest import ALICE, BOB_READ
from tests.protocols.conftest import LiveServer
from tests.protocols.oci_layout import blob_bytes, single_arch, two_platforms
from tests.requirements import SKOPEO, UMOCI

# skopeo reads stored logins (auth.json, ~/.docker/config.json) for whatever host:port it
# talks to; the tests' servers reuse loopback ports, so a login left there by any tool would
# turn an "anonymous" pull into alice's. Every run gets an empty home of its own.
_HOME = Path(tempfile.mkdtemp(prefix="skopeo-home-"))
_ENV = {
    **os.environ,
    "HOME": str(_HOME),
    "DOCKER_CONFIG": str(_HOME / "docker"),
    "REGISTRY_AUTH_FILE": str(_HOME / "auth.json"),
    "XDG_RUNTIME_DIR": str(_HOME / "run"),
    "XDG_CONFIG_HOME": str(_HOME / "config"),
}


def skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    SKOPEO.command("skopeo")
    return subprocess.run(
        ["skopeo", "--insecure-policy", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_ENV,
    )


def host(server: LiveServer) -> str:
    return server.url.removeprefix("http://")


def copy_in(source: str, target: str, *extra: str) -> None:
    """skopeo copy into Packyard as alice, digests preserved."""
    done = skopeo(
        "copy",
        *extra,
        "--dest-tls-verify=false",
        f"--dest-creds=alice:{ALICE}",
        "--preserve-digests",
        source,
        target,
    )
    assert done.returncode == 0, done.stderr


def copy_out(source: str, target: str, *extra: str) -> None:
    """skopeo copy out of Packyard as alice, digests preserved."""
    done = skopeo(
        "copy",
        *extra,
        "--src-tls-verify=false",
        f"--src-creds=alice:{ALICE}",
        "--preserve-digests",
        source,
        target,
    )
    assert done.returncode == 0, done.stderr


def test_single_image_round_trip(live_server: LiveServer, tmp_path: Path) -> None:
    source, back = tmp_path / "source", tmp_path / "back"
    pushed = single_arch(source, "v1")
    target = f"docker://{host(live_server)}/alice/tools/skopeo-app:v1"
    copy_in(f"oci:{source}:v1", target)
    copy_out(target, f"oci:{back}:v1")
    index = json.loads((back / "index.json").read_text())
    assert index["manifests"][0]["digest"] == pushed["digest"]
    manifest = blob_bytes(back, pushed["digest"])
    assert manifest == blob_bytes(source, pushed["digest"])
    for descriptor in [json.loads(manifest)["config"], *json.loads(manifest)["layers"]]:
        assert blob_bytes(back, descriptor["digest"]) == blob_bytes(source, descriptor["digest"])
    tags = skopeo(
        "list-tags",
        "--tls-verify=false",
        f"--creds=alice:{ALICE}",
        f"docker://{host(live_server)}/alice/tools/skopeo-app",
    )
    assert tags.returncode == 0, tags.stderr
    assert json.loads(tags.stdout)["Tags"] == ["v1"]
    # The REST API lists the pushed manifest as the package's version.
    versions = httpx.get(
        f"{live_server.api}/users/alice/packages/container/tools%2Fskopeo-app/versions",
        headers={"Authorization": f"Bearer {ALICE}"},
    ).json()
    assert [(v["name"], v["metadata"]["container"]["tags"]) for v in versions] == [
        (pushed["digest"], ["v1"])
    ]


def test_two_platform_index(live_server: LiveServer, tmp_path: Path) -> None:
    source, back = tmp_path / "source", tmp_path / "back"
    pushed = two_platforms(source, "multi")
    target = f"docker://{host(live_server)}/alice/multi:latest"
    copy_in(f"oci:{source}:multi", target, "--all")
    copy_out(target, f"oci:{back}:latest", "--all")
    assert blob_bytes(back, pushed["digest"]) == blob_bytes(source, pushed["digest"])
    for child in json.loads(blob_bytes(source, pushed["digest"]))["manifests"]:
        assert blob_bytes(back, child["digest"]) == blob_bytes(source, child["digest"])
    raw = skopeo("inspect", "--raw", "--tls-verify=false", f"--creds=alice:{ALICE}", target)
    assert raw.returncode == 0 and json.loads(raw.stdout)["mediaType"] == (
        "application/vnd.oci.image.index.v1+json"
    )


def test_permissions(live_server: LiveServer, tmp_path: Path) -> None:
    source = tmp_path / "source"
    single_arch(source, "v1")
    image = f"docker://{host(live_server)}/alice/perm:v1"
    pushed = skopeo(
        "copy", "--dest-tls-verify=false", f"--dest-creds=alice:{ALICE}", f"oci:{source}:v1", image
    )
    assert pushed.returncode == 0, pushed.stderr
    # A read-only token cannot push.
    refused = skopeo(
        "copy",
        "--dest-tls-verify=false",
        f"--dest-creds=bob:{BOB_READ}",
        f"oci:{source}:v1",
        f"docker://{host(live_server)}/bob/app:v1",
    )
    # skopeo first asks whether the blob exists: in a repository with no package yet that
    # the token may not push to, it is not there (as for any caller who may not see it).
    # The upload it then starts is refused, naming the scope the token lacks.
    assert refused.returncode != 0, refused.stderr
    assert (
        "initiating layer upload to /v2/bob/app/blobs/uploads/" in refused.stderr
        and "denied: publishing needs a token with read:packages and write:packages"
        in refused.stderr
    ), refused.stderr
    # Private: anonymous callers are asked to authenticate (401, which skopeo words as
    # "unauthorized"); a stranger learns nothing: the repository is "not known".
    anonymous = skopeo("inspect", "--raw", "--tls-verify=false", image)
    assert anonymous.returncode != 0
    assert "alice/perm: unauthorized" in anonymous.stderr, anonymous.stderr
    stranger = skopeo("inspect", "--raw", "--tls-verify=false", f"--creds=bob:{BOB_READ}", image)
    assert stranger.returncode != 0 and "denied" not in stranger.stderr.lower()
    assert "name unknown: repository alice/perm is not known" in stranger.stderr, stranger.stderr
    # Made public, anyone pulls it anonymously, through the token endpoint.
    public = tmp_path / "public.yaml"
    public.write_text(
        "packages:\n  - {owner: alice, package_type: container, name: perm, visibility: public}\n"
    )
    assert live_server.packyard("seed", str(public)).returncode == 0
    opened = skopeo("inspect", "--raw", "--tls-verify=false", image)
    assert opened.returncode == 0, opened.stderr


def test_rest_delete_fails_the_pull_and_restore_brings_it_back(
    live_server: LiveServer, tmp_path: Path
) -> None:
    source, other = tmp_path / "source", tmp_path / "other"
    pushed = single_arch(source, "v1")
    two_platforms(other, "v2")
    repo = f"docker://{host(live_server)}/alice/comeback"
    creds = [f"--creds=alice:{ALICE}", "--tls-verify=false"]
    for layout, tag in ((source, "v1"), (other, "v2")):
        copy_in(f"oci:{layout}:{tag}", f"{repo}:{tag}", "--all")
    api = httpx.Client(base_url=live_server.api, headers={"Authorization": f"Bearer {ALICE}"})
    path = "/users/alice/packages/container/comeback/versions"
    try:
        ids = {v["name"]: v["id"] for v in api.get(path).json()}
        assert api.delete(f"{path}/{ids[pushed['digest']]}").status_code == 204
        gone = skopeo("inspect", "--raw", *creds, f"{repo}:v1")
        assert gone.returncode != 0 and "manifest unknown" in gone.stderr.lower(), gone.stderr
        assert api.post(f"{path}/{ids[pushed['digest']]}/restore").status_code == 204
        back = tmp_path / "back"
        copy_out(f"{repo}:v1", f"oci:{back}:v1")
        assert blob_bytes(back, pushed["digest"]) == blob_bytes(source, pushed["digest"])
        # skopeo's delete goes through /v2/ and is a REST-visible, restorable delete.
        deleted = skopeo("delete", *creds, f"{repo}:v1")
        assert deleted.returncode == 0, deleted.stderr
        in_bin = api.get(path, params={"state": "deleted"}).json()
        assert [v["name"] for v in in_bin] == [pushed["digest"]]
    finally:
        api.close()


def test_an_image_built_with_umoci(live_server: LiveServer, tmp_path: Path) -> None:
    """umoci (Debian's) builds the image; skopeo pushes it; the package links its source."""
    UMOCI.command("umoci")
    layout, back = tmp_path / "layout", tmp_path / "back"
    payload = tmp_path / "hello.txt"
    payload.write_text("built by umoci\n")
    for command in (
        ["init", "--layout", str(layout)],
        ["new", "--image", f"{layout}:v1"],
        ["insert", "--image", f"{layout}:v1", str(payload), "/hello.txt"],
        [
            "config",
            "--image",
            f"{layout}:v1",
            "--config.label=org.opencontainers.image.source=https://packyard.test/alice/tools",
        ],
    ):
        done = subprocess.run(["umoci", *command], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    (entry,) = json.loads((layout / "index.json").read_text())["manifests"]
    target = f"docker://{host(live_server)}/alice/umoci-built:v1"
    copy_in(f"oci:{layout}:v1", target)
    copy_out(target, f"oci:{back}:v1")
    assert blob_bytes(back, entry["digest"]) == blob_bytes(layout, entry["digest"])
    package = httpx.get(
        f"{live_server.api}/users/alice/packages/container/umoci-built",
        headers={"Authorization": f"Bearer {ALICE}"},
    ).json()
    assert package["repository"]["full_name"] == "alice/tools"
