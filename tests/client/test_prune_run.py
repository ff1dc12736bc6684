"""Plans, runs, journals and undo through the SDK, against the real app in-process."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from packyard.client import Client
from packyard.client.prune import (
    EXIT_OK,
    EXIT_PLAN_INCOMPLETE,
    Journal,
    PackageSelector,
    Plan,
    Policy,
    Selection,
    apply_plan,
    make_plan,
    undo_run,
)
from tests.conftest import ALICE, Clock, alice_with, seed

DAY = timedelta(days=1)


def seed_versions(store: Any, clock: Clock, package_type: str, name: str, names: list[str]) -> None:
    """Versions a day apart, oldest first."""
    start = clock.now - DAY * (len(names) + 1)
    seed(
        store,
        alice_with(
            [
                {
                    "owner": "alice",
                    "package_type": package_type,
                    "name": name,
                    "visibility": "private",
                    "versions": [
                        {"name": n, "created_at": (start + DAY * i).isoformat()}
                        for i, n in enumerate(names)
                    ],
                }
            ]
        ),
        clock.now,
    )


def live(client: Client, package_type: str, name: str) -> list[str]:
    return sorted(v.name for v in client.iter_versions("alice", package_type, name))


def plan_for(client: Client, clock: Clock, package_type: str, **rules: Any) -> Plan:
    return make_plan(client, Selection(package_type), Policy.from_options(rules), now=clock.now)


@pytest.fixture
def npm(store: Any, clock: Clock, client_for: Any) -> Client:
    seed_versions(store, clock, "npm", "web", ["1.0.0", "1.1.0", "2.0.0-rc.1", "2.0.0", "2.1.0"])
    client: Client = client_for(ALICE)
    return client


def test_plan_apply_undo_round_trip(npm: Client, clock: Clock, tmp_path: Path) -> None:
    plan = plan_for(npm, clock, "npm", keep_last=2, prerelease=True)
    [package] = plan.packages
    assert [v.name for v in package.deletions] == ["2.0.0-rc.1"]  # keep-last 2 keeps 2.1.0, 2.0.0
    plan = plan_for(npm, clock, "npm", keep_last=2)
    assert sorted(v.name for v in plan.packages[0].deletions) == ["1.0.0", "1.1.0", "2.0.0-rc.1"]

    journal = Journal(tmp_path / "runs")
    run = apply_plan(npm, plan, journal=journal, now=clock)
    assert run.exit_code == EXIT_OK and run.count("deleted") == 3
    assert live(npm, "npm", "web") == ["2.0.0", "2.1.0"]
    saved = journal.load(run.run_id)
    assert saved.finished_at is not None and len(saved.entries) == 3
    assert journal.last().run_id == run.run_id

    clock.advance(timedelta(hours=1))
    report = undo_run(npm, saved, journal=journal, now=clock)
    assert [r.outcome for r in report.restorations] == ["restored"] * 3
    assert report.exit_code == EXIT_OK
    assert live(npm, "npm", "web") == ["1.0.0", "1.1.0", "2.0.0", "2.0.0-rc.1", "2.1.0"]
    assert journal.load(run.run_id).undone_at is not None
    with pytest.raises(FileNotFoundError):
        journal.last()  # the only run is undone


def test_a_plan_file_is_applied_exactly(npm: Client, clock: Clock) -> None:
    plan = plan_for(npm, clock, "npm", keep_last=1)
    written = json.loads(json.dumps(plan.to_json()))
    loaded = Plan.from_json(written)
    assert loaded == plan
    # Someone edits the plan: only what it still lists is deleted.
    versions = loaded.packages[0].versions
    spared = next(v for v in versions if v.name == "1.0.0")
    spared.action = "keep"
    run = apply_plan(npm, loaded, now=clock)
    assert run.count("deleted") == 3
    assert live(npm, "npm", "web") == ["1.0.0", "2.1.0"]


def test_gone_before_apply_counts_as_gone_and_undo_leaves_it(
    npm: Client, clock: Clock, tmp_path: Path
) -> None:
    plan = plan_for(npm, clock, "npm", older_than="3d")
    target = next(v for v in plan.packages[0].deletions if v.name == "1.0.0")
    npm.delete_versions("alice", "npm", "web", [target.id])  # by someone else, earlier
    clock.advance(timedelta(hours=1))
    run = apply_plan(npm, plan, now=clock)
    assert run.exit_code == EXIT_OK
    outcomes = {e.name: e.outcome for e in run.entries}
    assert outcomes["1.0.0"] == "gone"
    report = undo_run(npm, run, now=clock)
    by_name = {r.name: r for r in report.restorations}
    assert by_name["1.0.0"].outcome == "skipped"
    assert "someone else" in (by_name["1.0.0"].reason or "")
    assert report.exit_code == EXIT_OK


def test_undo_reports_what_cannot_be_restored(
    npm: Client, clock: Clock, store: Any, client_for: Any
) -> None:
    run = apply_plan(npm, plan_for(npm, clock, "npm", keep_last=4), now=clock)
    [entry] = run.entries
    # The deleted version's number is published again: restoring it would clash.
    with store.write() as tx:
        owner = tx.accounts.find_account_by_login("alice")
        from packyard.domain.types import PackageType

        package = tx.packages.find_package(owner.id, PackageType.NPM, "web")
        tx.versions.create_version(package.id, entry.name, clock.now)
    report = undo_run(npm, run, now=clock)
    [restoration] = report.restorations
    assert restoration.outcome == "failed"
    assert "already exists" in (restoration.reason or "")
    assert report.exit_code != EXIT_OK


def test_last_version_rule_fail_skip_delete_package(
    store: Any, clock: Clock, client_for: Any
) -> None:
    seed_versions(store, clock, "maven", "com.example.app", ["1.0", "1.1"])
    client: Client = client_for(ALICE)
    failing = plan_for(client, clock, "maven", older_than="1h")
    assert failing.packages[0].error and not failing.packages[0].deletions
    run = apply_plan(client, failing, now=clock)
    assert run.exit_code == EXIT_PLAN_INCOMPLETE and run.entries == []
    assert live(client, "maven", "com.example.app") == ["1.0", "1.1"]

    skipping = plan_for(client, clock, "maven", older_than="1h", on_last_version="skip")
    assert [v.name for v in skipping.packages[0].deletions] == ["1.0"]
    assert apply_plan(client, skipping, now=clock).exit_code == EXIT_OK
    assert live(client, "maven", "com.example.app") == ["1.1"]

    whole = plan_for(client, clock, "maven", older_than="1h", on_last_version="delete-package")
    assert whole.packages[0].delete_package
    run = apply_plan(client, whole, now=clock)
    assert [e.outcome for e in run.entries] == ["package-deleted"]
    assert [p.name for p in client.iter_packages("alice", "maven")] == []
    report = undo_run(client, run, now=clock)
    assert [r.outcome for r in report.restorations] == ["restored"]
    assert live(client, "maven", "com.example.app") == ["1.1"]


def test_selection_by_globs(store: Any, clock: Clock, client_for: Any) -> None:
    for name in ("app-web", "app-api", "app-legacy", "tools"):
        seed_versions(store, clock, "npm", f"@alice/{name}", ["1.0.0", "2.0.0"])
    client: Client = client_for(ALICE)
    plan = make_plan(
        client,
        Selection("npm", "alice", PackageSelector.parse(["app-*", "!app-legacy"])),
        Policy.from_options({"keep-last": 1}),
        now=clock.now,
    )
    assert sorted(p.name for p in plan.packages) == ["app-api", "app-web"]


def test_keep_downloaded_within_reads_packyards_records(
    npm: Client, clock: Clock, store: Any
) -> None:
    ids = {v.name: v.id for v in npm.iter_versions("alice", "npm", "web")}
    with store.write() as tx:
        tx.versions.record_download(ids["1.0.0"], (clock.now - 3 * DAY).date().isoformat())
        tx.versions.record_download(ids["1.1.0"], (clock.now - 30 * DAY).date().isoformat())
    plan = plan_for(npm, clock, "npm", keep_last=1, keep_downloaded_within="14d")
    assert sorted(v.name for v in plan.packages[0].deletions) == ["1.1.0", "2.0.0", "2.0.0-rc.1"]


def test_container_manifests_that_cannot_be_read_fail_closed(
    store: Any, clock: Clock, client_for: Any
) -> None:
    # Seeded container versions have no manifests in the registry: nothing may be deleted.
    seed_versions(store, clock, "container", "app", ["sha256:" + c * 64 for c in "abc"])
    client: Client = client_for(ALICE)
    plan = plan_for(client, clock, "container", untagged=True)
    [package] = plan.packages
    assert package.error and "could not read every manifest" in package.error
    assert package.deletions == []
    assert all(v.action == "keep" for v in package.versions)


def test_an_organizations_packages(store: Any, clock: Clock, client_for: Any, world: Any) -> None:
    seed(
        store,
        {
            "tokens": [
                {
                    "user": "carol",  # an admin of acme
                    "token": "ghp_carol_prune",
                    "kind": "classic",
                    "scopes": ["read:packages", "delete:packages"],
                }
            ]
        },
        clock.now,
    )
    client: Client = client_for("ghp_carol_prune")
    plan = make_plan(
        client, Selection("npm", "acme"), Policy.from_options({"keep-last": 1}), now=clock.now
    )
    [package] = plan.packages
    assert package.name == "web-ui"
    assert [v.name for v in package.deletions] == ["1.0.0"]
    run = apply_plan(client, plan, now=clock)
    assert run.count("deleted") == 1
    assert [v.name for v in client.iter_versions("acme", "npm", "web-ui")] == ["1.1.0"]
    # Restoring needs write:packages, which this token lacks: undo says so, and restores
    # nothing; with the scope it succeeds.
    [refused] = undo_run(client, run, now=clock).restorations
    assert refused.outcome == "failed" and "write:packages" in (refused.reason or ""), refused
    seed(
        store,
        {
            "tokens": [
                {
                    "user": "carol",
                    "token": "ghp_carol_restore",
                    "kind": "classic",
                    # Listing deleted versions takes delete:packages; restoring write:packages.
                    "scopes": ["read:packages", "write:packages", "delete:packages"],
                }
            ]
        },
        clock.now,
    )
    restorer: Client = client_for("ghp_carol_restore")
    [done] = undo_run(restorer, run, now=clock).restorations
    assert done.outcome == "restored", done
