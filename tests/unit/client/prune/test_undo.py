"""Undoing a run that trimmed SNAPSHOT builds: they come back through the build restore."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from packyard.client.prune import (
    EXIT_FAILED,
    EXIT_OK,
    Journal,
    Policy,
    Run,
    Selection,
    apply_plan,
    undo_run,
)
from packyard.client.prune import make_plan as plan_of
from tests.unit.client.prune.fake_client import OWNER, START, FakePackyard

NOW = START + timedelta(days=60)
PACKAGE = "com.example.snap"
ALL_THREE = ["20261101.030000-3", "20261101.020000-2", "20261101.010000-1"]


def trimmed(fake: FakePackyard, policy: Policy | None = None) -> tuple[int, Run]:
    """1.0.0 and 1.1.0-SNAPSHOT (three builds), then a run of the policy."""
    fake.add(PACKAGE, "1.0.0")
    snapshot = fake.add(PACKAGE, "1.1.0-SNAPSHOT", builds=3)
    policy = policy or Policy(keep_snapshot_builds=1)
    plan = plan_of(fake.as_client(), Selection("maven"), policy, now=NOW)
    return snapshot.id, apply_plan(fake.as_client(), plan, now=lambda: NOW)


def test_undo_restores_the_builds_through_the_restore_endpoint(tmp_path: Path) -> None:
    fake = FakePackyard(clock=NOW)
    version_id, run = trimmed(fake)
    journal = Journal(tmp_path)
    report = undo_run(fake.as_client(), run, journal=journal, now=lambda: NOW)
    assert report.exit_code == EXIT_OK
    assert [(r.build, r.outcome) for r in report.restorations] == [
        ("20261101.010000-1", "restored"),  # the reverse of the run's order
        ("20261101.020000-2", "restored"),
    ]
    assert all(r.package_version_id == version_id and r.build_id for r in report.restorations)
    assert fake.active_builds(version_id) == ALL_THREE
    assert [c[0] for c in fake.calls].count("restore_build") == 2
    assert journal.load(run.run_id).undone_at == NOW.isoformat()


def test_undo_of_versions_and_builds_together() -> None:
    fake = FakePackyard(clock=NOW)
    version_id, run = trimmed(fake, Policy(keep_last=1, keep_snapshot_builds=2))
    assert {e.label for e in run.entries} == {"1.0.0", "1.1.0-SNAPSHOT build 20261101.010000-1"}
    report = undo_run(fake.as_client(), run, now=lambda: NOW)
    assert sorted(r.outcome for r in report.restorations) == ["restored", "restored"]
    assert all(v.deleted_at is None for v in fake.versions[PACKAGE])
    assert fake.active_builds(version_id) == ALL_THREE


def test_what_was_restored_meanwhile_is_reported_not_restored_twice(tmp_path: Path) -> None:
    fake = FakePackyard(clock=NOW)
    version_id, run = trimmed(fake)
    restored_by_hand = run.entries[0]
    assert restored_by_hand.build_id is not None
    fake.restore_build(OWNER, "maven", PACKAGE, version_id, restored_by_hand.build_id)
    journal = Journal(tmp_path)
    report = undo_run(fake.as_client(), run, journal=journal, now=lambda: NOW)
    outcomes = {r.build_id: (r.outcome, r.reason) for r in report.restorations}
    assert outcomes[restored_by_hand.build_id] == ("skipped", "restored already")
    assert report.exit_code == EXIT_OK
    assert journal.load(run.run_id).undone_at == NOW.isoformat()


def test_a_purged_build_fails_and_leaves_the_run_to_undo(tmp_path: Path) -> None:
    fake = FakePackyard(clock=NOW)
    version_id, run = trimmed(fake)
    purged = run.entries[0]
    fake.builds[version_id] = [b for b in fake.builds[version_id] if b.id != purged.build_id]
    journal = Journal(tmp_path)
    journal.save(run)
    report = undo_run(fake.as_client(), run, journal=journal, now=lambda: NOW)
    outcomes = {r.build_id: (r.outcome, r.reason) for r in report.restorations}
    outcome, reason = outcomes[purged.build_id]
    assert outcome == "failed" and "purged" in (reason or "")
    assert report.exit_code == EXIT_FAILED
    assert journal.load(run.run_id).undone_at is None
    assert journal.last().run_id == run.run_id


def test_a_build_someone_else_deleted_before_the_run_stays_deleted() -> None:
    fake = FakePackyard(clock=NOW)
    fake.add(PACKAGE, "1.0.0")
    snapshot = fake.add(PACKAGE, "1.1.0-SNAPSHOT", builds=3)
    plan = plan_of(fake.as_client(), Selection("maven"), Policy(keep_snapshot_builds=1), now=NOW)
    oldest = fake.builds[snapshot.id][0].id
    fake.clock = NOW - timedelta(days=3)  # long before the run
    fake.delete_build(OWNER, "maven", PACKAGE, snapshot.id, oldest)
    fake.clock = NOW
    run = apply_plan(fake.as_client(), plan, now=lambda: NOW)
    assert {e.build_id: e.outcome for e in run.entries}[oldest] == "gone"
    report = undo_run(fake.as_client(), run, now=lambda: NOW)
    outcomes = {r.build_id: (r.outcome, r.reason) for r in report.restorations}
    assert outcomes[oldest] == ("skipped", "deleted by someone else, not this run")
    assert fake.active_builds(snapshot.id) == ALL_THREE[:2]
