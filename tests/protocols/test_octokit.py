"""octokit (`@octokit/rest` from npm, run by node), unchanged but for `baseUrl`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import ALICE, ALICE_FINE_GRAINED, BOB_READ
from tests.protocols.conftest import LiveServer
from tests.protocols.test_npm_cli import npm, npmrc, package
from tests.requirements import OCTOKIT

JS = Path(__file__).parents[1] / "js"


def run(server: LiveServer, calls: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    OCTOKIT.command("node")
    if not (JS / "node_modules/@octokit/rest").exists():
        OCTOKIT.missing(f"@octokit/rest is not installed in {JS / 'node_modules'}")
    done = subprocess.run(
        ["node", str(JS / "calls.mjs")],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**server.env, "PACKYARD_API_URL": server.api},
    )
    assert done.returncode == 0, done.stderr
    return {r["label"]: r for r in json.loads(done.stdout)}


def call(label: str, method: str, token: str | None = ALICE, **params: Any) -> dict[str, Any]:
    return {"label": label, "method": f"packages.{method}", "token": token, "params": params}


CLI = {"package_type": "container", "package_name": "tools/cli"}


def test_seed_operation_and_friends(live_server: LiveServer) -> None:
    listed = run(
        live_server,
        [
            call("versions", "getAllPackageVersionsForPackageOwnedByUser", username="alice", **CLI),
        ],
    )["versions"]
    assert listed["status"] == 200
    # The tagged index of the multi-platform image, and the oldest: the build nobody tagged.
    tagged = next(v["id"] for v in listed["data"] if v["metadata"]["container"]["tags"])
    untagged = listed["data"][-1]["id"]
    results = run(
        live_server,
        [
            call("list", "listPackagesForUser", username="alice", package_type="container"),
            call("list-mine", "listPackagesForAuthenticatedUser", package_type="container"),
            call("get", "getPackageForUser", username="alice", **CLI),
            call("get-mine", "getPackageForAuthenticatedUser", **CLI),
            call(
                "version",
                "getPackageVersionForUser",
                username="alice",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "delete",
                "deletePackageVersionForUser",
                username="alice",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "deleted",
                "getAllPackageVersionsForPackageOwnedByAuthenticatedUser",
                state="deleted",
                **CLI,
            ),
            call(
                "restore",
                "restorePackageVersionForUser",
                username="alice",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "delete-mine",
                "deletePackageVersionForAuthenticatedUser",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "restore-mine",
                "restorePackageVersionForAuthenticatedUser",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "downloads",
                "deletePackageVersionForUser",
                username="alice",
                package_version_id=tagged,
                **CLI,
            ),
            call(
                "anonymous",
                "deletePackageVersionForUser",
                None,
                username="alice",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "bad-token",
                "deletePackageVersionForUser",
                "ghp_nope",
                username="alice",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "reader",
                "deletePackageVersionForUser",
                BOB_READ,
                username="alice",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "fine-grained",
                "deletePackageVersionForUser",
                ALICE_FINE_GRAINED,
                username="alice",
                package_version_id=untagged,
                **CLI,
            ),
            call(
                "missing",
                "deletePackageVersionForUser",
                username="alice",
                package_version_id=999999,
                **CLI,
            ),
            call(
                "bad-type",
                "getPackageForUser",
                username="alice",
                package_type="pip",
                package_name="x",
            ),
            call("docker", "listDockerMigrationConflictingPackagesForUser", username="alice"),
            call("docker-mine", "listDockerMigrationConflictingPackagesForAuthenticatedUser"),
            call("docker-org", "listDockerMigrationConflictingPackagesForOrganization", org="acme"),
        ],
    )
    statuses = {label: r["status"] for label, r in results.items()}
    assert statuses == {
        "list": 200,
        "list-mine": 200,
        "get": 200,
        "get-mine": 200,
        "version": 200,
        "delete": 204,
        "deleted": 200,
        "restore": 204,
        "delete-mine": 204,
        "restore-mine": 204,
        "downloads": 400,
        "anonymous": 401,
        "bad-token": 401,
        "reader": 403,
        "fine-grained": 403,
        "missing": 404,
        "bad-type": 422,
        "docker": 200,
        "docker-mine": 200,
        "docker-org": 200,
    }
    assert [p["name"] for p in results["list"]["data"]] == ["tools/cli"]
    assert results["get"]["data"]["url"].endswith("/users/alice/packages/container/tools%2Fcli")
    assert [v["id"] for v in results["deleted"]["data"]] == [untagged]
    assert "5000 downloads" in results["downloads"]["message"]
    assert results["delete"]["headers"]["x-accepted-oauth-scopes"] == (
        "delete:packages, read:packages"
    )
    assert results["missing"]["message"] == "Package version not found."


def test_org_packages(live_server: LiveServer) -> None:
    created = live_server.packyard(
        "tokens", "create", "carol", "--scopes", "read:packages,write:packages,delete:packages"
    )
    carol = created.stdout.strip()
    web = {"package_type": "npm", "package_name": "web-ui"}
    versions = run(
        live_server,
        [
            call("versions", "getAllPackageVersionsForPackageOwnedByOrg", carol, org="acme", **web),
        ],
    )["versions"]["data"]
    first = versions[-1]["id"]
    results = run(
        live_server,
        [
            call("list", "listPackagesForOrganization", carol, org="acme", package_type="npm"),
            call("get", "getPackageForOrganization", carol, org="acme", **web),
            call(
                "version",
                "getPackageVersionForOrganization",
                carol,
                org="acme",
                package_version_id=first,
                **web,
            ),
            call(
                "delete-version",
                "deletePackageVersionForOrg",
                carol,
                org="acme",
                package_version_id=first,
                **web,
            ),
            call(
                "restore-version",
                "restorePackageVersionForOrg",
                carol,
                org="acme",
                package_version_id=first,
                **web,
            ),
            call("delete", "deletePackageForOrg", carol, org="acme", **web),
            call("gone", "getPackageForOrganization", carol, org="acme", **web),
            call("restore", "restorePackageForOrg", carol, org="acme", **web),
            call("delete-user", "deletePackageForUser", carol, username="acme", **web),
            call("restore-user", "restorePackageForUser", carol, username="acme", **web),
            call("stranger", "getPackageForOrganization", ALICE, org="acme", **web),
        ],
    )
    assert {label: r["status"] for label, r in results.items()} == {
        "list": 200,
        "get": 200,
        "version": 200,
        "delete-version": 204,
        "restore-version": 204,
        "delete": 204,
        "gone": 404,
        "restore": 204,
        "delete-user": 204,
        "restore-user": 204,
        "stranger": 404,
    }
    user_scope = run(
        live_server,
        [
            call("delete", "deletePackageForAuthenticatedUser", **CLI),
            call("restore", "restorePackageForAuthenticatedUser", **CLI),
        ],
    )
    assert user_scope["delete"]["status"] == 400  # 6,000 downloads on a public version
    assert user_scope["restore"]["status"] == 404


def test_npm_packages_go_by_githubs_names(live_server: LiveServer, tmp_path: Path) -> None:
    """After `npm publish` of `@alice/hello`, scripts written for GitHub find it as `hello`:
    GitHub names an npm package without its scope, which is its owner."""
    config = npmrc(live_server, tmp_path, ALICE)
    for version in ("1.0.0", "1.1.0"):
        published = npm(package(tmp_path / f"src-{version}", version), config, "publish")
        assert published.returncode == 0, published.stderr
    hello = {"package_type": "npm", "package_name": "hello"}
    results = run(
        live_server,
        [
            call(
                "versions",
                "getAllPackageVersionsForPackageOwnedByUser",
                username="alice",
                **hello,
            ),
            call("mine", "getAllPackageVersionsForPackageOwnedByAuthenticatedUser", **hello),
            call("get", "getPackageForUser", username="alice", **hello),
            call("list", "listPackagesForUser", username="alice", package_type="npm"),
        ],
    )
    assert sorted(v["name"] for v in results["versions"]["data"]) == ["1.0.0", "1.1.0"]
    assert results["mine"]["data"] == results["versions"]["data"]
    assert results["get"]["data"]["name"] == "hello"
    assert results["get"]["data"]["version_count"] == 2
    assert "hello" in [p["name"] for p in results["list"]["data"]]
