"""The real npm CLI (the machine's npm) publishes to and installs from a running Packyard."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx

from tests.conftest import ALICE, BOB_READ
from tests.protocols.conftest import LiveServer
from tests.requirements import NPM_CLI


def npmrc(server: LiveServer, directory: Path, token: str) -> Path:
    host = server.url.removeprefix("http://")
    path = directory / ".npmrc"
    path.write_text(
        f"@alice:registry={server.url}/_registry/npm/\n"
        f"//{host}/_registry/npm/:_authToken={token}\n"
        "audit=false\nfund=false\nupdate-notifier=false\n"
    )
    return path


def npm(directory: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    NPM_CLI.command("npm")
    env = {
        **os.environ,
        "npm_config_userconfig": str(config),
        "npm_config_cache": str(directory.parent / "npm-cache"),
    }
    return subprocess.run(
        ["npm", *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def package(directory: Path, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "package.json").write_text(
        json.dumps(
            {"name": "@alice/hello", "version": version, "main": "index.js", "license": "MIT"}
        )
    )
    (directory / "index.js").write_text(f"module.exports = () => 'hello {version}';\n")
    return directory


def test_publish_install_tags_and_the_rest_api(live_server: LiveServer, tmp_path: Path) -> None:
    config = npmrc(live_server, tmp_path, ALICE)
    for version, extra in (("1.0.0", []), ("1.0.1", []), ("2.0.0-beta.1", ["--tag", "beta"])):
        published = npm(package(tmp_path / f"src-{version}", version), config, "publish", *extra)
        assert published.returncode == 0, published.stderr
    again = npm(tmp_path / "src-1.0.1", config, "publish")
    assert again.returncode != 0
    assert "cannot publish over the previously published versions" in again.stderr

    viewed = npm(tmp_path, config, "view", "@alice/hello", "--json")
    assert viewed.returncode == 0, viewed.stderr
    info = json.loads(viewed.stdout)
    assert info["versions"] == ["1.0.0", "1.0.1", "2.0.0-beta.1"]
    assert info["dist-tags"] == {"beta": "2.0.0-beta.1", "latest": "1.0.1"}
    registry = f"--registry={live_server.url}/_registry/npm/"
    assert npm(tmp_path, config, "whoami", registry).stdout.strip() == "alice"

    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "consumer", "version": "0.0.0"}')
    installed = npm(project, config, "install", "@alice/hello@1.0.1")
    assert installed.returncode == 0, installed.stderr
    said = subprocess.run(
        ["node", "-e", "console.log(require('@alice/hello')())"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    assert said.stdout.strip() == "hello 1.0.1"

    assert npm(tmp_path, config, "dist-tag", "add", "@alice/hello@1.0.0", "stable").returncode == 0
    listed = npm(tmp_path, config, "dist-tag", "ls", "@alice/hello").stdout
    assert "stable: 1.0.0" in listed and "latest: 1.0.1" in listed
    assert npm(tmp_path, config, "dist-tag", "rm", "@alice/hello", "stable").returncode == 0
    assert "stable" not in npm(tmp_path, config, "dist-tag", "ls", "@alice/hello").stdout

    # One truth: npm's versions are the REST API's, under GitHub's name for the package:
    # `hello`, its scope being its owner. This is the request GitHub's cleanup action sends.
    auth = {"Authorization": f"Bearer {ALICE}"}
    versions = httpx.get(
        f"{live_server.api}/users/alice/packages/npm/hello/versions", headers=auth
    ).json()
    assert sorted(v["name"] for v in versions) == ["1.0.0", "1.0.1", "2.0.0-beta.1"]
    assert all(v["metadata"] == {"package_type": "npm"} for v in versions)
    found = httpx.get(f"{live_server.api}/users/alice/packages/npm/hello", headers=auth).json()
    assert found["name"] == "hello"
    assert found["url"] == f"{live_server.api}/users/alice/packages/npm/hello"
    # Packyard named it `@alice/hello` once: the owner's scope still finds it.
    scoped = httpx.get(
        f"{live_server.api}/users/alice/packages/npm/%40alice%2Fhello/versions", headers=auth
    ).json()
    assert sorted(v["id"] for v in scoped) == sorted(v["id"] for v in versions)


def test_strangers_and_readers(live_server: LiveServer, tmp_path: Path) -> None:
    owner = npmrc(live_server, tmp_path, ALICE)
    # 3.0.0 is published by no other test, whichever worker or order runs this one.
    published = npm(package(tmp_path / "src", "3.0.0"), owner, "publish")
    assert published.returncode == 0, published.stderr
    reader_dir = tmp_path / "reader"
    reader_dir.mkdir()
    reader = npmrc(live_server, reader_dir, BOB_READ)
    hidden = npm(reader_dir, reader, "view", "@alice/hello")
    assert hidden.returncode != 0 and "404" in hidden.stderr  # not 403: nothing revealed
    # A token without write:packages is refused for what it is, before the package is
    # looked at: a 403 that says so and reveals nothing, whether or not the package exists.
    denied = npm(package(tmp_path / "bob-src", "9.9.9"), reader, "publish")
    assert denied.returncode != 0
    assert "E403" in denied.stderr and "needs a token with read:packages and write:packages" in (
        denied.stderr
    ), denied.stderr


def test_deprecate_unpublish_and_rest_deletes(live_server: LiveServer, tmp_path: Path) -> None:
    config = npmrc(live_server, tmp_path, ALICE)
    name = "@alice/lifecycle"
    for version in ("1.0.0", "1.0.1", "1.1.0"):
        source = package(tmp_path / f"src-{version}", version)
        manifest = json.loads((source / "package.json").read_text())
        (source / "package.json").write_text(json.dumps({**manifest, "name": name}))
        assert npm(source, config, "publish").returncode == 0
    deprecated = npm(tmp_path, config, "deprecate", f"{name}@1.0.0", "use 1.1.0")
    assert deprecated.returncode == 0, deprecated.stderr
    assert (
        json.loads(npm(tmp_path, config, "view", f"{name}@1.0.0", "deprecated", "--json").stdout)
        == "use 1.1.0"
    )

    api = httpx.Client(base_url=live_server.api, headers={"Authorization": f"Bearer {ALICE}"})
    path = "/users/alice/packages/npm/lifecycle/versions"
    try:
        # A REST delete of the `latest` version: npm can no longer install it, and `latest`
        # moves to the highest remaining release.
        ids = {v["name"]: v["id"] for v in api.get(path).json()}
        project = tmp_path / "project"
        project.mkdir()
        (project / "package.json").write_text('{"name": "consumer", "version": "0.0.0"}')
        first = npm(project, config, "install", f"{name}@1.1.0")
        assert first.returncode == 0, first.stderr
        lock = json.loads((project / "package-lock.json").read_text())
        integrity = lock["packages"]["node_modules/@alice/lifecycle"]["integrity"]
        assert api.delete(f"{path}/{ids['1.1.0']}").status_code == 204
        tags = json.loads(npm(tmp_path, config, "view", name, "dist-tags", "--json").stdout)
        assert tags["latest"] == "1.0.1"
        shutil.rmtree(project / "node_modules")
        (project / "package-lock.json").unlink()
        missing = npm(project, config, "install", f"{name}@1.1.0", "--prefer-online")
        assert missing.returncode != 0 and "1.1.0" in missing.stderr
        assert api.post(f"{path}/{ids['1.1.0']}/restore").status_code == 204
        again = npm(project, config, "install", f"{name}@1.1.0", "--prefer-online")
        assert again.returncode == 0, again.stderr
        relock = json.loads((project / "package-lock.json").read_text())
        assert relock["packages"]["node_modules/@alice/lifecycle"]["integrity"] == integrity

        # npm unpublish of one version is a REST-visible delete.
        one = npm(tmp_path, config, "unpublish", f"{name}@1.0.0")
        assert one.returncode == 0, one.stderr
        deleted = api.get(path, params={"state": "deleted"}).json()
        assert [v["name"] for v in deleted] == ["1.0.0"]
        # And of the whole package, the package delete.
        everything = npm(tmp_path, config, "unpublish", name, "--force")
        assert everything.returncode == 0, everything.stderr
        assert api.get("/users/alice/packages/npm/lifecycle").status_code == 404
    finally:
        api.close()


def test_republish_public_installs_and_etags(live_server: LiveServer, tmp_path: Path) -> None:
    config = npmrc(live_server, tmp_path, ALICE)
    name = "@alice/public-one"

    def publish(version: str, *extra: str) -> subprocess.CompletedProcess[str]:
        source = package(tmp_path / f"src-{version}", version)
        manifest = json.loads((source / "package.json").read_text())
        (source / "package.json").write_text(json.dumps({**manifest, "name": name}))
        return npm(source, config, "publish", *extra)

    assert publish("1.0.0").returncode == 0 and publish("1.0.1").returncode == 0
    api = httpx.Client(base_url=live_server.api, headers={"Authorization": f"Bearer {ALICE}"})
    path = "/users/alice/packages/npm/public-one/versions"
    try:
        old = {v["name"]: v["id"] for v in api.get(path).json()}["1.0.0"]
        assert api.delete(f"{path}/{old}").status_code == 204
        # The number of a deleted version may be published again; then the old one stays
        # deleted: restoring it answers 400.
        # (npm 11 asks for a tag when a lower version is published after a higher one.)
        assert publish("1.0.0", "--tag", "old").returncode == 0
        refused = api.post(f"{path}/{old}/restore")
        assert refused.status_code == 400
    finally:
        api.close()
    # The server refuses an active version itself, whatever the client checked: 409.
    registry = f"{live_server.url}/_registry/npm"
    packument = httpx.get(
        f"{registry}/@alice%2fpublic-one", headers={"Authorization": f"Bearer {ALICE}"}
    )
    assert packument.status_code == 200
    etag = packument.headers["etag"]
    cached = httpx.get(
        f"{registry}/@alice%2fpublic-one",
        headers={"Authorization": f"Bearer {ALICE}", "If-None-Match": etag},
    )
    assert cached.status_code == 304 and cached.content == b""
    version = packument.json()["versions"]["1.0.1"]
    tarball = httpx.get(version["dist"]["tarball"], headers={"Authorization": f"Bearer {ALICE}"})
    conflict = httpx.put(
        f"{registry}/@alice%2fpublic-one",
        headers={"Authorization": f"Bearer {ALICE}"},
        json={
            "name": name,
            "versions": {"1.0.1": {k: v for k, v in version.items() if k != "dist"}},
            "_attachments": {
                f"{name}-1.0.1.tgz": {
                    "data": base64.b64encode(tarball.content).decode(),
                    "length": len(tarball.content),
                }
            },
        },
    )
    assert conflict.status_code == 409 and "previously published" in conflict.json()["error"]
    # Anonymous installs work once the package is public, and not before.
    anonymous_dir = tmp_path / "anon"
    anonymous_dir.mkdir()
    (anonymous_dir / ".npmrc").write_text(f"@alice:registry={registry}/\n")
    (anonymous_dir / "package.json").write_text('{"name": "c", "version": "0.0.0"}')
    anonymous = anonymous_dir / ".npmrc"
    # Private: an anonymous install is asked to authenticate (401), as /v2/ asks.
    private = npm(anonymous_dir, anonymous, "install", name)
    assert private.returncode != 0 and "E401" in private.stderr, private.stderr
    public = tmp_path / "public.yaml"
    public.write_text(
        "packages:\n  - {owner: alice, package_type: npm, name: '@alice/public-one',"
        " visibility: public}\n"
    )
    assert live_server.packyard("seed", str(public)).returncode == 0
    installed = npm(anonymous_dir, anonymous, "install", name, "--prefer-online")
    assert installed.returncode == 0, installed.stderr


def test_legacy_login_at_a_terminal(live_server: LiveServer, tmp_path: Path) -> None:
    """`npm login --auth-type=legacy` prompts at a terminal: answer it through a pty."""
    import pty
    import select

    NPM_CLI.command("npm")
    config = tmp_path / ".npmrc"
    config.write_text("")
    registry = f"{live_server.url}/_registry/npm/"
    pid, fd = pty.fork()
    if pid == 0:  # the child: npm, on the pty
        os.environ.update(
            npm_config_userconfig=str(config), npm_config_cache=str(tmp_path / "cache")
        )
        os.execvp("npm", ["npm", "login", "--auth-type=legacy", f"--registry={registry}"])
    seen = b""

    def expect(prompt: bytes, timeout: float = 60.0) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while prompt not in seen:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"npm never asked {prompt!r}: {seen!r}"
            try:
                seen += os.read(fd, 1024)
            except OSError:
                break

    try:
        expect(b"Username:")
        os.write(fd, b"alice\r")
        expect(b"Password:")
        os.write(fd, ALICE.encode() + b"\r")
        expect(b"Logged in")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert f":_authToken={ALICE}" in config.read_text()
