"""schemathesis against the REST API: GitHub's description of the packages operations, sent
to the real ASGI app in-process, with a valid token so the calls get past authentication.

Each operation runs twice. Once with its names *pinned* to packages of the fuzz world
(examples/world.yaml and a package of every other type), so generated version ids, types,
states and pages reach real rows; once with everything *generated*, so odd names, owners and
encodings reach the lookups that answer 404. schemathesis's examples, coverage (boundary
values, wrong types) and fuzzing phases run, positive and negative, and two checks judge
each answer: no 5xx (`not_a_server_error`) and the body as GitHub describes it
(`response_schema_conformance`). Every error body is also checked for GitHub's error shape
(tests/openapi.validate), which the description does not give for undocumented statuses.

GitHub's description is taken as it is: where it is wrong, Packyard answers what GitHub
sends *and* what the description says (api/render.py sends a docker version's tags as both
`tag` and `tags`), so no check is turned off here.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from schemathesis.engine import events, from_schema

from tests.openapi import packages_description, validate

BASE_PATH = "/api/v3"
ALICE = "ghp_alice_full_0000000000000000000000000"
CAROL = "ghp_carol_fuzz_0000000000000000000000000"
CHECKS = ["not_a_server_error", "response_schema_conformance"]
PHASES = ("examples", "coverage", "fuzzing")

# GitHub's 27 packages operations, as its description names them. A test holds this list
# equal to the description's, so a new operation cannot go unfuzzed.
OPERATIONS = (
    "packages/list-docker-migration-conflicting-packages-for-authenticated-user",
    "packages/list-docker-migration-conflicting-packages-for-organization",
    "packages/list-docker-migration-conflicting-packages-for-user",
    "packages/list-packages-for-authenticated-user",
    "packages/list-packages-for-organization",
    "packages/list-packages-for-user",
    "packages/get-package-for-authenticated-user",
    "packages/get-package-for-organization",
    "packages/get-package-for-user",
    "packages/delete-package-for-authenticated-user",
    "packages/delete-package-for-org",
    "packages/delete-package-for-user",
    "packages/restore-package-for-authenticated-user",
    "packages/restore-package-for-org",
    "packages/restore-package-for-user",
    "packages/get-all-package-versions-for-package-owned-by-authenticated-user",
    "packages/get-all-package-versions-for-package-owned-by-org",
    "packages/get-all-package-versions-for-package-owned-by-user",
    "packages/get-package-version-for-authenticated-user",
    "packages/get-package-version-for-organization",
    "packages/get-package-version-for-user",
    "packages/delete-package-version-for-authenticated-user",
    "packages/delete-package-version-for-org",
    "packages/delete-package-version-for-user",
    "packages/restore-package-version-for-authenticated-user",
    "packages/restore-package-version-for-org",
    "packages/restore-package-version-for-user",
)


# Loaded after examples/world.yaml: a token for carol (acme's admin), and a package of each
# type the world lacks, so every type's rendering (docker's `tag` and `tags`, maven, nuget)
# is reached by the pinned runs' generated `package_type`.
def _digest(digit: str) -> str:
    return "sha256:" + digit * 64


WORLD_ADDITIONS: dict[str, Any] = {
    "tokens": [
        {
            "user": "carol",
            "token": CAROL,
            "kind": "classic",
            "scopes": ["read:packages", "write:packages", "delete:packages", "repo"],
        }
    ],
    "packages": [
        {
            "owner": "alice",
            "package_type": "docker",
            "name": "tools/cli",
            "repository": "alice/tools",
            "versions": [{"name": _digest("2"), "tags": ["latest"]}, {"name": _digest("3")}],
        },
        {
            "owner": "alice",
            "package_type": "maven",
            "name": "tools/cli",
            "repository": "alice/tools",
            "versions": [{"name": "1.0.0"}, {"name": "1.1.0-SNAPSHOT"}],
        },
        {
            "owner": "alice",
            "package_type": "rubygems",
            "name": "tools/cli",
            "versions": [{"name": "1.0.0"}],
        },
        {
            "owner": "alice",
            "package_type": "nuget",
            "name": "tools/cli",
            "versions": [{"name": "1.0.0"}, {"name": "2.0.0"}],
        },
        {
            "owner": "acme",
            "package_type": "container",
            "name": "web-ui",
            "repository": "acme/web",
            "versions": [{"name": _digest("4"), "tags": ["v1"]}, {"name": _digest("5")}],
        },
    ],
}


def _pins(operation_id: str) -> tuple[str, dict[str, str]]:
    """The token an operation is called with, and its names pinned to the fuzz world."""
    if operation_id.endswith(("-for-organization", "-for-org", "-owned-by-org")):
        return CAROL, {"org": "acme", "package_name": "web-ui"}
    return ALICE, {"username": "alice", "package_name": "tools/cli"}


@functools.cache
def _description() -> dict[str, Any]:
    description = copy.deepcopy(packages_description())
    description["servers"] = [{"url": BASE_PATH}]
    return description


@dataclass(frozen=True)
class Failure:
    """One answer that broke a check: what was sent, what came back, which check."""

    operation: str
    check: str
    request: str
    status: int | None
    body: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.operation}: {self.check}\n  {self.request}\n"
            f"  -> {self.status} {self.body[:300]}\n  {self.message[:500]}"
        )


@dataclass(frozen=True)
class Known:
    """A finding in someone else's code, being fixed there (issue 17): the suite's run
    reports it as expected rather than failing; drop the entry once its fix lands."""

    what: str
    owner: str
    matches: Callable[[Failure], bool]


# Findings being fixed elsewhere, let pass and counted; none open (ids past the database's
# integer, the last, answer as a missing version since issue 17).
KNOWN: list[Known] = []


@dataclass
class Outcome:
    cases: int = 0
    failures: list[Failure] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.cases += other.cases
        self.failures += other.failures

    def known(self) -> list[tuple[Known, Failure]]:
        return [(k, f) for f in self.failures for k in KNOWN if k.matches(f)]

    def unknown(self) -> list[Failure]:
        return [f for f in self.failures if not any(k.matches(f) for k in KNOWN)]


def run_operation(
    app: Any,
    operation_id: str,
    *,
    pinned: bool,
    max_examples: int,
    seed: int | None = None,
    phases: tuple[str, ...] = PHASES,
) -> Outcome:
    """Fuzz one operation against `app`; `seed=None` runs derandomized (the suite's run)."""
    schema = schemathesis.openapi.from_dict(_description()).include(operation_id=operation_id)
    schema.app = app
    token, pins = _pins(operation_id)
    config = schema.config
    config.update(
        headers={"Authorization": f"Bearer {token}"},
        parameters=pins if pinned else None,
    )
    config.generation.update(max_examples=max_examples, deterministic=seed is None)
    if seed is not None:
        config.seed = seed
    config.checks.update(included_check_names=CHECKS)
    config.phases.update(phases=list(phases))
    outcome = Outcome()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            outcome.add(_scenario(event, operation_id))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            raise AssertionError(f"schemathesis could not run {operation_id}: {event}")
    return outcome


def _scenario(event: events.ScenarioFinished, operation_id: str) -> Outcome:
    recorder = event.recorder
    outcome = Outcome(cases=len(recorder.interactions))
    for case_id, interaction in recorder.interactions.items():
        failed = [
            (check.name, str(check.failure_info.failure))
            for check in recorder.checks.get(case_id, [])
            if check.failure_info is not None
        ]
        response = interaction.response
        if response is not None and 400 <= response.status_code < 500:
            failed += _error_shape(interaction.request, response)
        outcome.failures += [
            Failure(
                operation=operation_id,
                check=name,
                request=f"{interaction.request.method} {interaction.request.uri}",
                status=response.status_code if response is not None else None,
                body=response.content.decode(errors="replace") if response is not None else "",
                message=message,
            )
            for name, message in failed
        ]
    return outcome


def _error_shape(request: Any, response: schemathesis.Response) -> list[tuple[str, str]]:
    """GitHub's error body on a 4xx, through the suite's own validator (tests/openapi)."""
    answer = httpx.Response(
        response.status_code,
        headers=[(k, v) for k, values in response.headers.items() for v in values],
        content=response.content,
        request=httpx.Request(request.method, request.uri),
    )
    try:
        validate(answer)
    except Exception as error:  # the validator's assertion or schema error, whichever
        return [("github_error_shape", f"{type(error).__name__}: {error}")]
    return []
