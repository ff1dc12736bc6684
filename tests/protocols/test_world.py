"""examples/world.yaml is real: after `packyard seed`, its image pulls with skopeo, its npm
package installs with npm, and `packyard prune` plans over its multi-platform image with
every manifest in its role — as the README shows them, with no push first."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from tests.conftest import ACTIONS_WEB, ALICE
from tests.protocols.conftest import LiveServer
from tests.protocols.test_npm_cli import npm
from tests.protocols.test_prune import prune
from tests.protocols.test_skopeo import host, skopeo

IMAGE = "alice/tools/cli"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def versions(server: LiveServer) -> dict[int, dict[str, object]]:
    listed = httpx.get(
        f"{server.api}/users/alice/packages/container/tools%2Fcli/versions",
        headers={"Authorization": f"Bearer {ALICE}"},
    )
    assert listed.status_code == 200, listed.text
    return {v["id"]: v for v in listed.json()}


def test_the_tour_s_image_answers_pulls_and_referrers(live_server: LiveServer) -> None:
    """`GET /v2/alice/tools/cli/manifests/latest`: the index, its platforms, its attestation."""
    base = f"{live_server.url}/v2/{IMAGE}"
    latest = httpx.get(f"{base}/manifests/latest", headers={"Accept": OCI_INDEX})
    assert latest.status_code == 200, latest.text  # public: anonymous pulls
    index = latest.json()
    assert index["mediaType"] == OCI_INDEX
    platforms = {(m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"]}
    assert platforms == {("linux", "amd64"), ("linux", "arm64")}
    digest = latest.headers["docker-content-digest"]
    referrers = httpx.get(f"{base}/referrers/{digest}").json()["manifests"]
    assert [r["artifactType"] for r in referrers] == ["application/vnd.in-toto+json"]
    # Version 1 of the REST API is the tagged index; 3 the untagged build the tour deletes.
    by_id = versions(live_server)
    assert by_id[1]["name"] == digest
    assert by_id[3]["metadata"] == {"package_type": "container", "container": {"tags": []}}


def test_skopeo_pulls_the_example_image(live_server: LiveServer, tmp_path: Path) -> None:
    source = f"docker://{host(live_server)}/{IMAGE}:latest"
    one = skopeo("copy", "--src-tls-verify=false", source, f"oci:{tmp_path / 'one'}:latest")
    assert one.returncode == 0, one.stderr
    every = skopeo("copy", "--all", "--src-tls-verify=false", source, f"oci:{tmp_path / 'all'}:x")
    assert every.returncode == 0, every.stderr
    assert "Copying 2 of 2 images in list" in every.stdout
    layout = json.loads((tmp_path / "all" / "index.json").read_text())
    [entry] = layout["manifests"]
    assert entry["mediaType"] == OCI_INDEX


def test_npm_installs_the_example_package(live_server: LiveServer, tmp_path: Path) -> None:
    """acme's private package, installed as acme/web's workflow would (its GITHUB_TOKEN)."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "version": "0.0.0"}')
    config = tmp_path / ".npmrc"
    config.write_text(
        f"@acme:registry={live_server.url}/_registry/npm/\n"
        f"//{host(live_server)}/_registry/npm/:_authToken={ACTIONS_WEB}\n"
        "audit=false\nfund=false\nupdate-notifier=false\n"
    )
    viewed = npm(project, config, "view", "@acme/web-ui", "--json")
    assert viewed.returncode == 0, viewed.stderr
    info = json.loads(viewed.stdout)
    assert info["versions"] == ["1.0.0", "1.1.0"] and info["dist-tags"] == {"latest": "1.1.0"}
    for version in ("1.0.0", "latest"):
        installed = npm(project, config, "install", f"@acme/web-ui@{version}")
        assert installed.returncode == 0, installed.stderr
        package = project / "node_modules" / "@acme" / "web-ui"
        expected = "1.0.0" if version == "1.0.0" else "1.1.0"
        assert json.loads((package / "package.json").read_text())["version"] == expected
        required = subprocess.run(
            ["node", "-p", "require('@acme/web-ui')"],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        )
        assert required.stdout.strip() == f"@acme/web-ui@{expected}"


def test_prune_dry_run_over_the_example_world(live_server: LiveServer, tmp_path: Path) -> None:
    """The README's prune, as written: a plan with the image, its platforms and its
    attestation in their roles; the untagged build selected; nothing deleted; exit 0."""
    before = versions(live_server)
    report_file = tmp_path / "report.json"
    dry = prune(
        live_server, tmp_path / "state", "--package-type", "container", "--untagged",
        "--dry-run", "--report", str(report_file),
    )  # fmt: skip
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "listed by kept" in dry.stdout and "refers to kept" in dry.stdout
    report = json.loads(report_file.read_text())
    [package] = report["plan"]["packages"]
    assert package["name"] == "tools/cli"
    roles = {v["id"]: (v["role"], v["action"]) for v in package["versions"]}
    assert roles == {
        1: ("image", "keep"),  # the index, tagged latest and 1.0.0
        2: ("image", "keep"),  # 0.9.0
        3: ("image", "delete"),  # the untagged build
        6: ("child", "keep"),  # linux/amd64
        7: ("child", "keep"),  # linux/arm64
        8: ("referrer", "keep"),  # the attestation
    }
    assert report["summary"]["to_delete"] == 1
    assert versions(live_server) == before
