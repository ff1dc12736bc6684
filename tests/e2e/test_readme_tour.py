"""The README's tour, run top to bottom as a reader would run it, so it cannot rot again.

Which blocks are the tour: every fenced block of README.md whose language is `sh`, `bash`,
`js` or `python`, in README order. Every other fenced block — and any of those the tour
cannot run — carries `<!-- not in the tour: REASON -->` on the line just above it; a block
that is neither run nor marked fails `test_every_block_is_in_the_tour_or_says_why`, so a new
example cannot go untested by accident.

How it runs: the shell blocks go, one command at a time, to one `bash` reading its standard
input (one shell, as a reader's terminal: the tour's exported TOKEN reaches the later
blocks), in a scratch directory holding a copy of the checkout's `examples/` and a `.venv`
symlink to the virtual environment running the suite (`sys.prefix`), so `.venv/bin/packyard`
is the code under test. The octokit block is saved as `tour.mjs` and run with `node
tour.mjs`, beside a `node_modules` symlink to tests/js's (standing in for `npm install
@octokit/rest`); the Python block is saved as `tour.py` and run with `.venv/bin/python
tour.py`; both from that shell, as the README says. The only change to any command:
`127.0.0.1:8080` and `127.0.0.1:8081` (and `--docker-port 8081`) become free ports, and
PACKYARD_PORT names the first for the `packyard serve` that names no port. The shell's
environment carries no PACKYARD_ or GITHUB_ variables of the caller's, and
PACKYARD_STATE_DIR keeps prune's journals in the scratch directory. After a command that
starts a server in the background, the test waits until it serves. Every command's output is
checked against what the README says it shows.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from packyard.domain.rules import VERSION_DOWNLOAD_LIMIT_MESSAGE
from tests.protocols.conftest import free_port
from tests.requirements import GIT_AND_CURL, OCTOKIT, SKOPEO, UMOCI
from tests.support import wait_until_serving

ROOT = Path(__file__).parents[2]
JS_MODULES = ROOT / "tests" / "js" / "node_modules"
RUN = {"sh": "sh", "bash": "sh", "js": "js", "python": "python"}
MARK = re.compile(r"^<!-- not in the tour: (?P<reason>\S.*?) -->$")
SENTINEL = "@@readme-tour-step-done"
STEP_TIMEOUT = 120.0
ACTIONS_WEB = "ghs_web_actions_00000000000000000000000000"


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    excluded: str | None  # the reason given, when marked


def readme_blocks(readme: str) -> list[Block]:
    blocks: list[Block] = []
    lines = readme.splitlines()
    opened: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(lines, 1):
        if not line.startswith("```"):
            if opened is not None:
                body.append(line)
            continue
        if opened is None:
            opened, body = (number, line[3:].strip()), []
            continue
        start, language = opened
        mark = MARK.match(lines[start - 2]) if start >= 2 else None
        reason = mark["reason"] if mark else None
        blocks.append(Block(start, language, "\n".join(body) + "\n", reason))
        opened = None
    assert opened is None, f"README.md:{opened[0]}: a fence that never closes"
    return blocks


def tour_blocks() -> list[Block]:
    return [b for b in readme_blocks((ROOT / "README.md").read_text()) if b.excluded is None]


def shell_commands(text: str) -> list[str]:
    """A block's commands: continued lines joined, lines of only a comment left out."""
    commands: list[str] = []
    pending = ""
    for line in text.splitlines():
        pending += line + "\n"
        if line.endswith("\\"):
            continue
        command, pending = pending.rstrip("\n"), ""
        if command.strip() and not command.lstrip().startswith("#"):
            commands.append(command)
    assert not pending, "a block ends in a continued line"
    return commands


def test_every_block_is_in_the_tour_or_says_why() -> None:
    blocks = readme_blocks((ROOT / "README.md").read_text())
    unaccounted = [
        f"README.md:{b.line}: a ```{b.language} block the tour cannot run is not marked "
        "`<!-- not in the tour: REASON -->`"
        for b in blocks
        if b.excluded is None and b.language not in RUN
    ]
    assert not unaccounted, "\n".join(unaccounted)
    kinds = [RUN[b.language] for b in blocks if b.excluded is None]
    # The tour's own: the shell blocks, the octokit example and the SDK example.
    assert kinds.count("js") == 1 and kinds.count("python") == 1 and "sh" in kinds


# the run -------------------------------------------------------------------------------------


class Shell:
    """One bash, fed a command at a time; each command's standard output and exit status."""

    def __init__(self, cwd: Path, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = log.open("w")
        self.process = subprocess.Popen(
            ["bash"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,  # the background server's too
            text=True,
            start_new_session=True,  # its process group: bash, the server and their children
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def run(self, command: str) -> tuple[int, str]:
        assert self.process.stdin is not None
        # The newline before the sentinel ends output that has none of its own.
        self.process.stdin.write(f"{command}\nprintf '\\n%s %s\\n' {SENTINEL} \"$?\"\n")
        self.process.stdin.flush()
        output: list[str] = []
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"{command!r} still runs after {STEP_TIMEOUT:.0f} s") from None
            if line is None:
                raise AssertionError(f"the shell ended during {command!r}:\n{self.stderr()}")
            if line.startswith(SENTINEL):
                return int(line.split()[1]), "".join(output)[:-1]  # less the echoed newline
            output.append(line)

    def stderr(self) -> str:
        self._log.flush()
        return self.log_path.read_text()[-4000:]

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # the shell ended on its own
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
            self._reader.join(timeout=20)
        finally:
            for stream in (self.process.stdin, self.process.stdout, self._log):
                if stream is not None:
                    stream.close()


@dataclass
class Tour:
    api: str
    scratch: Path

    def versions(self, path: str, token: str, state: str = "active") -> dict[int, str]:
        listed = httpx.get(
            f"{self.api}{path}/versions",
            params={"state": state},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert listed.status_code == 200, listed.text
        return {v["id"]: v["name"] for v in listed.json()}


def json_of(output: str) -> object:
    """The JSON a `curl -s` printed."""
    return json.loads(output)


CLI = "/users/alice/packages/container/tools%2Fcli"
WEB_UI = "/orgs/acme/packages/npm/web-ui"
ALICE = "ghp_alice_full_0000000000000000000000000"

Check = Callable[[Tour, str], None]


def shows(*texts: str) -> Check:
    def check(_: Tour, output: str) -> None:
        for text in texts:
            assert text in output, f"{text!r} is not in:\n{output}"

    return check


def quiet(_: Tour, output: str) -> None:
    assert output.strip() == "", output


def listed_tools_cli(_: Tour, output: str) -> None:
    versions = json_of(output)
    assert isinstance(versions, list)
    tags = {v["id"]: v["metadata"]["container"]["tags"] for v in versions}
    # The world's three images, their two platforms and the attestation (tools/cli's 6-8).
    assert sorted(tags) == [1, 2, 3, 6, 7, 8], tags
    assert set(tags[1]) == {"latest", "1.0.0"} and tags[2] == ["0.9.0"] and tags[3] == []


def deleted_3(tour: Tour, output: str) -> None:
    assert output.startswith("HTTP/1.1 204"), output
    assert 3 in tour.versions(CLI, ALICE, "deleted")


def listed_deleted(_: Tour, output: str) -> None:
    versions = json_of(output)
    assert isinstance(versions, list) and [v["id"] for v in versions] == [3], versions


def restored_3(tour: Tour, output: str) -> None:
    assert output.startswith("HTTP/1.1 204"), output
    assert 3 in tour.versions(CLI, ALICE) and tour.versions(CLI, ALICE, "deleted") == {}


def tags_listed(_: Tour, output: str) -> None:
    answer = json_of(output)
    assert isinstance(answer, dict) and answer["name"] == "alice/tools/cli"
    assert {"v1", "latest", "1.0.0", "0.9.0"} <= set(answer["tags"]), answer


def pulled(tour: Tour, output: str) -> None:
    assert "Writing manifest to image destination" in output, output
    layout = json.loads((tour.scratch / "pulled" / "index.json").read_text())
    assert layout["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == "latest"


def sdk_ran(tour: Tour, output: str) -> None:
    *listed, refused, three, ninety_nine = output.splitlines()
    # The world's versions and the empty image pushed as v1 in the container section (9).
    assert {int(line.split()[0]) for line in listed} == {1, 2, 3, 6, 7, 8, 9}, output
    assert any(line.startswith("9 sha256:") and line.endswith("['v1']") for line in listed)
    assert refused == f"GitHub's rules say no: {VERSION_DOWNLOAD_LIMIT_MESSAGE}", output
    assert (three, ninety_nine) == ("3 deleted", "99 gone"), output
    assert 3 in tour.versions(CLI, ALICE) and tour.versions(CLI, ALICE, "deleted") == {}


def no_conflicts(_: Tour, output: str) -> None:
    assert json_of(output) == [], output


def planned_only(tour: Tour, output: str) -> None:
    """The dry run plans the untagged build (3) of tools/cli alone, and deletes nothing."""
    assert "alice/tools/cli (container)" in output and "alice/hello" not in output, output
    assert "1 version to delete in 1 package; 0 packages left untouched" in output, output
    assert re.search(r"│ 3 +│ sha256:.*│ delete", output), output
    assert 3 in tour.versions(CLI, ALICE) and tour.versions(CLI, ALICE, "deleted") == {}


def web_ui_pruned(tour: Tour, output: str) -> None:
    assert re.search(r"run \S+: 1 deleted, 0 already gone, 0 skipped, 0 failed", output), output
    assert tour.versions(WEB_UI, ACTIONS_WEB) == {5: "1.1.0"}


def web_ui_restored(tour: Tour, output: str) -> None:
    assert re.search(r"undo of \S+: 1 restored, 0 skipped, 0 could not be restored", output)
    assert tour.versions(WEB_UI, ACTIONS_WEB) == {4: "1.0.0", 5: "1.1.0"}


# Each command of the tour, by a piece of it that no other command has, and what it shows.
EXPECTED: dict[str, Check] = {
    "seed examples/world.yaml": shows(
        "seeded 4 users, 1 org, 2 repositories, 5 tokens, 2 packages, 8 versions"
    ),
    "serve --docker-port": quiet,
    "export TOKEN=": quiet,
    "API=": quiet,
    'tools%2Fcli/versions"': listed_tools_cli,
    "-X DELETE": deleted_3,
    "?state=deleted": listed_deleted,
    "/restore": restored_3,
    "node tour.mjs": shows("deleted: 204 restored: 204"),
    "umoci init": quiet,
    "oci:./layout:v1 docker://127.0.0.1:8080/alice/tools/cli:v1": shows("Writing manifest"),
    "tags/list": tags_listed,
    "oci:./pulled:latest": pulled,
    "docker://127.0.0.1:8081/alice/tools/hello:v1": shows("Writing manifest"),
    "migrate docker": shows("moved alice/tools/hello", "1 moved, 0 conflicts"),
    "/user/docker/conflicts": no_conflicts,
    ".venv/bin/python tour.py": sdk_ran,
    "export PACKYARD_TOKEN=$TOKEN": quiet,
    "export GITHUB_API_URL=": quiet,
    "--dry-run": planned_only,
    "tokens create carol": quiet,  # the token goes into PACKYARD_TOKEN
    "prune plan": shows("plan.json: 1 version to delete in 1 package; 0 left untouched"),
    "prune apply": web_ui_pruned,
    "prune undo --last": web_ui_restored,
}


def test_the_readme_tour_runs_verbatim(tmp_path: Path, backend: str) -> None:
    if backend != "sqlite":
        # By design, not for want of anything: the tour is the README's, on its default engine.
        pytest.skip("the README's tour runs on the embedded default (SQLite)")
    GIT_AND_CURL.command("curl")
    SKOPEO.command("skopeo")
    UMOCI.command("umoci")
    OCTOKIT.command("node")
    if not (JS_MODULES / "@octokit/rest").exists():
        OCTOKIT.missing(f"@octokit/rest is not installed in {JS_MODULES}")

    scratch = tmp_path / "clone"
    scratch.mkdir()
    shutil.copytree(ROOT / "examples", scratch / "examples")
    (scratch / ".venv").symlink_to(sys.prefix)
    (scratch / "node_modules").symlink_to(JS_MODULES)
    port, docker_port = free_port(), free_port()

    def ported(text: str) -> str:
        text = text.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        text = text.replace("--docker-port 8081", f"--docker-port {docker_port}")
        return text.replace("127.0.0.1:8081", f"127.0.0.1:{docker_port}")

    expected = {ported(key): check for key, check in EXPECTED.items()}
    steps: list[str] = []
    for block in tour_blocks():
        kind = RUN[block.language]
        if kind == "sh":
            steps.extend(ported(command) for command in shell_commands(block.text))
        else:
            name = "tour.mjs" if kind == "js" else "tour.py"
            (scratch / name).write_text(ported(block.text))
            steps.append("node tour.mjs" if kind == "js" else ".venv/bin/python tour.py")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PACKYARD_", "GITHUB_"))}
    env.pop("VIRTUAL_ENV", None)
    env |= {"PACKYARD_PORT": str(port), "PACKYARD_STATE_DIR": str(scratch / "state")}
    tour = Tour(f"http://127.0.0.1:{port}/api/v3", scratch)
    shell = Shell(scratch, env, tmp_path / "shell.log")
    used: set[str] = set()
    try:
        for step in steps:
            keys = [k for k in expected if k in step]
            assert len(keys) == 1, f"{step!r} matches {keys} of EXPECTED: give it one entry"
            used.add(keys[0])
            status, output = shell.run(step)
            context = f"{step}\n--- stdout:\n{output}\n--- stderr (the end):\n{shell.stderr()}"
            assert status == 0, f"exit {status}: {context}"
            if re.search(r"packyard serve\b.*&", step):
                wait_until_serving(
                    f"http://127.0.0.1:{port}", shell.process, shell.log_path, timeout=60
                )
            try:
                expected[keys[0]](tour, output)
            except AssertionError as error:
                raise AssertionError(f"{error}\n{context}") from None
        assert set(expected) == used, f"the tour no longer runs: {set(expected) - used}"
    finally:
        shell.close()
