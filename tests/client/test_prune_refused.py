"""prune tells "gone" from "refused": GitHub (and Packyard) answer a delete with 404 when the
caller may see the package but is not its admin, and a 404 is "already gone" only when the
version is not there any more. An undo that could not restore everything leaves its run to
undo again.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from packyard.client import Client, errors
from packyard.client.prune import (
    EXIT_FAILED,
    EXIT_OK,
    Journal,
    Policy,
    Selection,
    apply_plan,
    make_plan,
    undo_run,
)
from tests.conftest import ALICE, ALL_PACKAGE_SCOPES, Clock, seed

DAY = timedelta(days=1)
# Bob may write alice's package (so he sees it, and plans it) but is not its admin.
BOB = "ghp_bob_writer_0000000000000000000000000"
NAMES = ["1.0.0", "1.1.0", "2.0.0"]


@pytest.fixture
def shared(store: Any, clock: Clock) -> None:
    seed_shared(store, clock)


def seed_shared(store: Any, clock: Clock) -> None:
    """alice's npm package `web` (three versions, a day apart), which bob may write."""
    start = clock.now - DAY * (len(NAMES) + 1)
    seed(
        store,
        {
            "users": [{"login": "alice"}, {"login": "bob"}],
            "tokens": [
                {"user": "alice", "token": ALICE, "kind": "classic", "scopes": ALL_PACKAGE_SCOPES},
                {"user": "bob", "token": BOB, "kind": "classic", "scopes": ALL_PACKAGE_SCOPES},
            ],
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "npm",
                    "name": "web",
                    "visibility": "private",
                    "access": [{"user": "bob", "role": "write"}],
                    "versions": [
                        {"name": n, "created_at": (start + DAY * i).isoformat()}
                        for i, n in enumerate(NAMES)
                    ],
                }
            ],
        },
        clock.now,
    )


def live(client: Client) -> list[str]:
    return sorted(v.name for v in client.iter_versions("alice", "npm", "web"))


def keep_last(client: Client, clock: Clock, n: int, **more: Any) -> Any:
    policy = Policy.from_options({"keep-last": n, **more})
    return make_plan(client, Selection("npm", "alice"), policy, now=clock.now)


def test_delete_versions_tells_a_refused_delete_from_a_gone_one(
    shared: None, client_for: Any
) -> None:
    alice: Client = client_for(ALICE)
    first = next(v for v in alice.iter_versions("alice", "npm", "web") if v.name == "1.0.0")
    [refused] = client_for(BOB).delete_versions("alice", "npm", "web", [first.id])
    assert refused.outcome == "failed"
    assert isinstance(refused.error, errors.NotFound)
    assert "not an admin of this package" in str(refused.error)
    assert live(alice) == NAMES
    [deleted] = alice.delete_versions("alice", "npm", "web", [first.id])
    [gone] = alice.delete_versions("alice", "npm", "web", [first.id])
    assert (deleted.outcome, gone.outcome, gone.error) == ("deleted", "gone", None)


def test_a_refused_delete_is_a_failure_not_gone(
    shared: None, client_for: Any, clock: Clock
) -> None:
    bob: Client = client_for(BOB)
    plan = keep_last(bob, clock, 1)
    assert plan.deletion_count == 2
    run = apply_plan(bob, plan, now=clock)
    assert [e.outcome for e in run.entries] == ["failed", "failed"]
    assert all("not an admin of this package" in (e.error or "") for e in run.entries)
    assert run.count("gone") == 0 and run.exit_code == EXIT_FAILED
    assert live(client_for(ALICE)) == NAMES


def test_a_refused_package_delete_is_a_failure_too(
    shared: None, client_for: Any, clock: Clock
) -> None:
    bob: Client = client_for(BOB)
    plan = make_plan(
        bob,
        Selection("npm", "alice"),
        Policy.from_options({"older-than": "1h", "on-last-version": "delete-package"}),
        now=clock.now,
    )
    assert plan.packages[0].delete_package
    [entry] = apply_plan(bob, plan, now=clock).entries
    assert entry.outcome == "failed" and "not an admin" in (entry.error or "")
    assert live(client_for(ALICE)) == NAMES


def test_what_the_admin_deleted_meanwhile_is_still_gone(
    shared: None, client_for: Any, clock: Clock
) -> None:
    alice: Client = client_for(ALICE)
    plan = keep_last(alice, clock, 1)
    first = plan.packages[0].deletions[0]
    alice.delete_versions("alice", "npm", "web", [first.id])
    run = apply_plan(alice, plan, now=clock)
    outcomes = {e.name: (e.outcome, e.error) for e in run.entries}
    assert outcomes[first.name] == ("gone", None)
    assert run.exit_code == EXIT_OK


def test_undo_leaves_a_run_to_undo_until_every_restore_succeeds(
    shared: None, client_for: Any, clock: Clock, tmp_path: Path
) -> None:
    alice: Client = client_for(ALICE)
    journal = Journal(tmp_path / "runs")
    run = apply_plan(alice, keep_last(alice, clock, 1), journal=journal, now=clock)
    assert run.count("deleted") == 2
    clock.advance(timedelta(minutes=10))

    # Bob may not restore (a restore needs admin too): the run is not undone.
    refused = undo_run(client_for(BOB), journal.load(run.run_id), journal=journal, now=clock)
    assert [r.outcome for r in refused.restorations] == ["failed", "failed"]
    assert not refused.complete and refused.exit_code == EXIT_FAILED
    assert journal.load(run.run_id).undone_at is None
    assert journal.last().run_id == run.run_id

    # Alice restores one by hand; undoing again restores the other, finds the first
    # restored already, and only now marks the run undone.
    by_hand = run.entries[0]
    assert by_hand.package_version_id is not None
    alice.restore_version("alice", "npm", "web", by_hand.package_version_id)
    report = undo_run(alice, journal.last(), journal=journal, now=clock)
    outcomes = {r.name: (r.outcome, r.reason) for r in report.restorations}
    assert outcomes[by_hand.name] == ("skipped", "restored already")
    assert outcomes[run.entries[1].name] == ("restored", None)
    assert report.complete and report.exit_code == EXIT_OK
    assert journal.load(run.run_id).undone_at is not None
    assert live(alice) == NAMES


def test_an_undo_of_a_whole_package_finds_it_restored_already(
    shared: None, client_for: Any, clock: Clock
) -> None:
    alice: Client = client_for(ALICE)
    plan = make_plan(
        alice,
        Selection("npm", "alice"),
        Policy.from_options({"older-than": "1h", "on-last-version": "delete-package"}),
        now=clock.now,
    )
    run = apply_plan(alice, plan, now=clock)
    assert [e.outcome for e in run.entries] == ["package-deleted"]
    assert [r.outcome for r in undo_run(alice, run, now=clock).restorations] == ["restored"]
    again = undo_run(alice, run, now=clock)
    assert [(r.outcome, r.reason) for r in again.restorations] == [("skipped", "restored already")]
    assert again.complete
