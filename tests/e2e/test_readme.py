"""The README's first command, run verbatim in a fresh clone, then the spec's seed and curl."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.protocols.conftest import free_port
from tests.requirements import GIT_AND_CURL, GIT_CHECKOUT
from tests.support import wait_until_serving

ROOT = Path(__file__).parents[2]
ALICE = "ghp_alice_full_0000000000000000000000000"


def readme_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block is not None
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()[:2]]


def test_readme_names_the_ci_test_command() -> None:
    install_and_serve, test = readme_commands()
    assert "packyard serve" in install_and_serve
    assert test == "./scripts/test"
    assert "exec ./scripts/test" in (ROOT / ".ci/run").read_text()


def test_fresh_clone_install_serve_seed_delete(tmp_path: Path, backend: str) -> None:
    if backend != "sqlite":
        # By design, not for want of anything: the PostgreSQL run does not repeat it.
        pytest.skip("the README's first command runs on the embedded default (SQLite)")
    GIT_AND_CURL.command("git")
    GIT_AND_CURL.command("curl")
    if not (ROOT / ".git").exists():
        GIT_CHECKOUT.missing(f"{ROOT} is not a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # Uncommitted work is what is under test: bring it along.
    for path in ("README.md", "pyproject.toml", "constraints.txt", "src", "examples"):
        source = ROOT / path
        target = clone / path
        if source.is_dir():
            shutil.copytree(
                source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(source, target)
    install_and_serve, _ = readme_commands()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PACKYARD_", "VIRTUAL_ENV"))}
    env["PACKYARD_PORT"] = str(port)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        ["bash", "-c", install_and_serve],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server, tmp_path / "serve.log", timeout=300)
        packyard = clone / ".venv/bin/packyard"
        seeded = subprocess.run(
            [str(packyard), "seed", "examples/seed-format-example.yaml"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert seeded.returncode == 0, seeded.stderr

        def curl(*args: str) -> tuple[int, str]:
            out = subprocess.run(
                [
                    "curl",
                    "-s",
                    "-w",
                    "\n%{http_code}",
                    "-H",
                    f"Authorization: Bearer {ALICE}",
                    *args,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            body, _, status = out.rpartition("\n")
            return int(status), body

        status, body = curl(f"{base}/api/v3/users/alice/packages/container/tools%2Fcli/versions")
        assert status == 200
        version_id = httpx.Response(200, content=body).json()[0]["id"]
        url = f"{base}/api/v3/users/alice/packages/container/tools%2Fcli/versions/{version_id}"
        # The example's one version is the package's last tagged one: GitHub refuses it.
        status, body = curl("-X", "DELETE", url)
        assert status == 400
        assert "You cannot delete the last tagged version of a package." in body
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
        log.close()
