"""`packyard prune` says so when a delete was refused: the SDK's 404 from a caller who is not
the package's admin is a failure (exit 1), not "already gone"; an undo that could not restore
everything leaves its run to undo again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import packyard.cli.prune
from packyard.cli.main import main
from packyard.client import Client
from tests.client.test_prune_refused import BOB, NAMES, seed_shared
from tests.conftest import ALICE, Clock

API = "http://testserver/api/v3"


@pytest.fixture
def shared(store: Any, clock: Clock) -> None:
    seed_shared(store, clock)


@pytest.fixture
def live(app: Any) -> Iterator[Any]:
    """The names of alice's live versions, as alice sees them."""
    with TestClient(app, base_url="http://testserver") as http:
        alice = Client(token=ALICE, base_url=API, http_client=http)
        yield lambda: sorted(v.name for v in alice.iter_versions("alice", "npm", "web"))


@pytest.fixture
def prune(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`packyard prune …` whose SDK client talks to the app in-process."""
    opened: list[TestClient] = []

    def in_process(**kwargs: Any) -> Client:
        http = TestClient(app, base_url="http://testserver")
        opened.append(http)
        return Client(http_client=http, **kwargs)

    monkeypatch.setattr(packyard.cli.prune, "Client", in_process)
    runner = CliRunner()
    env = {"PACKYARD_STATE_DIR": str(tmp_path / "state"), "PACKYARD_TOKEN": None}

    def run(*args: str) -> Any:
        return runner.invoke(main, ["prune", *args], env=env, catch_exceptions=False)

    yield run
    for http in opened:
        http.close()


def plan(prune: Any, tmp_path: Path, token: str) -> Path:
    path = tmp_path / f"plan-{token[:7]}.json"
    made = prune(
        "plan", "--package-type", "npm", "--owner", "alice", "--keep-last", "1",
        "--api-url", API, "--token", token, "-o", str(path),
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert json.loads(path.read_text())["format"] == "packyard-prune-plan/1"
    return path


def test_apply_by_a_non_admin_fails_with_the_reason(
    shared: None, prune: Any, tmp_path: Path, live: Any
) -> None:
    applied = prune("apply", str(plan(prune, tmp_path, BOB)), "--token", BOB)
    assert applied.exit_code == 1, applied.output
    assert "0 deleted, 0 already gone, 0 skipped, 2 failed" in applied.output
    assert applied.output.count("not an admin of this package") == 2
    assert live() == NAMES


def test_undo_by_a_non_admin_leaves_the_run_to_undo(
    shared: None, prune: Any, tmp_path: Path, live: Any
) -> None:
    applied = prune("apply", str(plan(prune, tmp_path, ALICE)), "--token", ALICE)
    assert applied.exit_code == 0, applied.output
    assert "2 deleted" in applied.output

    refused = prune("undo", "--last", "--token", BOB)
    assert refused.exit_code == 1, refused.output
    assert "0 restored" in refused.output and "is not marked undone" in refused.output
    assert live() == ["2.0.0"]

    undone = prune("undo", "--last", "--token", ALICE)
    assert undone.exit_code == 0, undone.output
    assert "2 restored" in undone.output
    assert live() == NAMES
    nothing_left = prune("undo", "--last", "--token", ALICE)
    assert nothing_left.exit_code == 2 and "no run to undo" in nothing_left.output
