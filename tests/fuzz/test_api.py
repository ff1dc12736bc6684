"""The REST API under schemathesis, bounded: every packages operation, derandomized, a few
examples per phase and mode (tests/fuzz/api.py says what runs). No answer may be a 5xx or
differ from GitHub's description. `scripts/fuzz` runs the same with many more examples."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from packyard.services.seed import load_seed
from packyard.storage.db.store import SqlStore
from tests.conftest import Clock
from tests.fuzz.api import OPERATIONS, PHASES, WORLD_ADDITIONS, Outcome, run_operation
from tests.openapi import operation_paths

# The suite's run: 3 examples per mode in the fuzzing phase, and the coverage phase's boundary
# cases for the pinned run only (the generated one's mostly meet a 404 at the first lookup):
# about 1,100 calls, some 40 seconds on one core. scripts/fuzz sets more examples, every
# phase for both runs, a random seed and a report file.
LONG = "PACKYARD_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("PACKYARD_FUZZ_EXAMPLES", "3"))
SEED = int(os.environ["PACKYARD_FUZZ_SEED"]) if os.environ.get("PACKYARD_FUZZ_SEED") else None
REPORT = os.environ.get("PACKYARD_FUZZ_REPORT")

# Hypothesis warns when it renders a large generated case (a long run's 74 kB query): that
# says nothing about the server, and under `filterwarnings = error` it would stop the run.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)


def test_every_packages_operation_of_githubs_description_is_fuzzed() -> None:
    described = {
        operation_id
        for operation_id in operation_paths().values()
        if operation_id.startswith("packages/")
    }
    assert described == set(OPERATIONS)


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_no_server_error_and_every_answer_as_described(
    app: Any, store: SqlStore, world: dict[str, Any], clock: Clock, operation_id: str
) -> None:
    load_seed(store, WORLD_ADDITIONS, clock.now)
    outcome = Outcome()
    for pinned in (True, False):
        phases = PHASES if pinned or LONG else tuple(p for p in PHASES if p != "coverage")
        outcome.add(
            run_operation(
                app, operation_id, pinned=pinned, max_examples=EXAMPLES, seed=SEED, phases=phases
            )
        )
    if REPORT:
        with open(REPORT, "a") as report:
            line = {
                "operation": operation_id,
                "cases": outcome.cases,
                "failures": [str(f) for f in outcome.unknown()],
                "known": [f"{k.what}: {f.request}" for k, f in outcome.known()],
            }
            report.write(json.dumps(line) + "\n")
    assert outcome.cases > 0
    unknown = outcome.unknown()
    assert not unknown, f"{len(unknown)} of {outcome.cases} answers failed:\n" + "\n".join(
        map(str, unknown)
    )
    if known := outcome.known():
        pytest.xfail(
            "known findings, fixed elsewhere: "
            + "; ".join(f"{k.what} ({k.owner}): {f.request}" for k, f in known)
        )
