"""Every parser under atheris, briefly: each target (tests/fuzz/targets.py) runs a fixed
number of inputs mutated from its committed corpus with a fixed seed, in a process of its
own (libFuzzer owns the process it runs in). A parser must return or raise its format's
own error. `scripts/fuzz` runs the same targets for minutes each."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.corpus import CORPUS
from tests.fuzz.targets import TARGETS, check
from tests.requirements import missing

ROOT = Path(__file__).parents[2]
# About three seconds a target, most of it atheris instrumenting Packyard's modules.
RUNS = 1500


def test_the_committed_corpus_is_what_the_targets_build() -> None:
    assert {p.name for p in CORPUS.iterdir()} == set(TARGETS)
    for name, target in TARGETS.items():
        # Only the seeds: a fuzzer given this folder first would have written its finds here.
        committed = sorted(
            (CORPUS / name).iterdir(), key=lambda p: int(p.name.removeprefix("seed-"))
        )
        assert [p.read_bytes() for p in committed] == target.seeds(), (
            f"tests/fuzz/corpus/{name} is stale: run `python -m tests.fuzz.corpus`"
        )


@pytest.mark.parametrize("name", TARGETS)
def test_every_seed_parses(name: str) -> None:
    """The seeds are valid documents: the fuzzer starts from inputs that go deep."""
    target = TARGETS[name]
    for seed in target.seeds():
        target.call(seed)
        check(target, seed)


@pytest.mark.parametrize("name", TARGETS)
def test_the_parser_returns_or_raises_its_own_error(name: str, tmp_path: Path) -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        missing(
            "atheris",
            "atheris is not installed",
            "pip install -c constraints.txt -e '.[test]' (scripts/test does)",
        )
    found = tmp_path / "corpus"
    found.mkdir()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fuzz.run_atheris",
            name,
            f"-runs={RUNS}",
            "-seed=1",
            f"-artifact_prefix={tmp_path}/",
            str(found),
            str(CORPUS / name),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    crashes = sorted(tmp_path.glob("crash-*"))
    if run.returncode != 0 or crashes:
        report = run.stderr[run.stderr.find("=== Uncaught") :][:4000]
        inputs = "\n".join(base64.b64encode(c.read_bytes()).decode()[:2000] for c in crashes)
        pytest.fail(f"{name}: exit {run.returncode}\n{report}\ninput (base64):\n{inputs}")
