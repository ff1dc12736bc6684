"""Applying a plan's SNAPSHOT build deletions, and what the journal records of them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from packyard.client import errors
from packyard.client.models import Build
from packyard.client.prune import EXIT_FAILED, EXIT_OK, Journal, Policy, Selection, apply_plan
from packyard.client.prune import make_plan as plan_of
from packyard.client.prune.journal import Run
from tests.unit.client.prune.fake_client import START, FakePackyard, _refusal

NOW = START + timedelta(days=60)


def snap() -> FakePackyard:
    fake = FakePackyard()
    fake.add("com.example.snap", "1.0.0")
    fake.add("com.example.snap", "1.1.0-SNAPSHOT", builds=3)
    return fake


def test_apply_deletes_the_planned_builds_and_journals_each(tmp_path: Path) -> None:
    fake = snap()
    plan = plan_of(fake.as_client(), Selection("maven"), Policy(keep_snapshot_builds=1), now=NOW)
    journal = Journal(tmp_path)
    run = apply_plan(fake.as_client(), plan, journal=journal, now=lambda: NOW)
    assert run.exit_code == EXIT_OK
    snapshot = fake.versions["com.example.snap"][1]
    assert fake.active_builds(snapshot.id) == ["20261101.030000-3"]
    assert [(e.name, e.build, e.outcome) for e in run.entries] == [
        ("1.1.0-SNAPSHOT", "20261101.020000-2", "deleted"),
        ("1.1.0-SNAPSHOT", "20261101.010000-1", "deleted"),
    ]
    assert all(e.package_version_id == snapshot.id and e.build_id for e in run.entries)
    assert run.count("deleted", builds=True) == 2 and run.count("deleted", builds=False) == 0
    assert journal.load(run.run_id) == run
    # Versions were never touched.
    assert all(v.deleted_at is None for v in fake.versions["com.example.snap"])


def test_already_gone_and_failures(tmp_path: Path) -> None:
    fake = snap()
    plan = plan_of(fake.as_client(), Selection("maven"), Policy(keep_snapshot_builds=1), now=NOW)
    snapshot = fake.versions["com.example.snap"][1]
    one, two = (b.id for b in fake.builds[snapshot.id][:2])
    fake.delete_build("alice", "maven", "com.example.snap", snapshot.id, one)  # someone else
    fake.refuse_deletes.add(two)
    run = apply_plan(fake.as_client(), plan, now=lambda: NOW)
    outcomes = {e.build_id: (e.outcome, e.error) for e in run.entries}
    assert outcomes[one] == ("gone", None)
    assert outcomes[two][0] == "failed" and "boom" in (outcomes[two][1] or "")
    assert run.exit_code == EXIT_FAILED


def test_a_404_for_a_build_still_there_is_a_refusal() -> None:
    fake = snap()
    plan = plan_of(fake.as_client(), Selection("maven"), Policy(keep_snapshot_builds=1), now=NOW)
    snapshot = fake.versions["com.example.snap"][1]
    hidden = fake.builds[snapshot.id][0].id
    fake.hidden_deletes.add(hidden)
    run = apply_plan(fake.as_client(), plan, now=lambda: NOW)
    outcome, error = {e.build_id: (e.outcome, e.error) for e in run.entries}[hidden]
    assert outcome == "failed" and "not an admin of this package" in (error or "")
    assert "build is still there" in (error or "")
    assert run.exit_code == EXIT_FAILED


def test_a_second_look_that_fails_is_a_failure_never_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = snap()
    plan = plan_of(fake.as_client(), Selection("maven"), Policy(keep_snapshot_builds=1), now=NOW)
    snapshot = fake.versions["com.example.snap"][1]
    fake.hidden_deletes.update(b.id for b in fake.builds[snapshot.id])

    def unreadable(*_args: object, **_kwargs: object) -> list[Build]:
        raise errors.ServerError(_refusal(503, "unavailable"), "unavailable")

    monkeypatch.setattr(fake, "list_builds", unreadable)
    run = apply_plan(fake.as_client(), plan, now=lambda: NOW)
    assert [e.outcome for e in run.entries] == ["failed", "failed"]
    assert all("is still there is unknown" in (e.error or "") for e in run.entries)
    assert run.count("gone") == 0


def test_versions_and_builds_in_one_run() -> None:
    fake = snap()
    fake.add("com.example.snap", "1.2.0")
    policy = Policy(keep_last=2, keep_snapshot_builds=2)
    plan = plan_of(fake.as_client(), Selection("maven"), policy, now=NOW)
    run = apply_plan(fake.as_client(), plan, now=lambda: NOW)
    assert [(e.label, e.outcome) for e in run.entries] == [
        ("1.0.0", "deleted"),
        ("1.1.0-SNAPSHOT build 20261101.010000-1", "deleted"),
    ]


def test_a_journal_written_before_builds_existed_still_loads() -> None:
    old = {
        "format": "packyard-prune-run/1",
        "run_id": "20261124T133910Z-3fa9c1",
        "api_url": "http://packyard.test/api/v3",
        "registry_url": "http://packyard.test",
        "started_at": NOW.isoformat(),
        "policy": {"keep-last": 1},
        "entries": [
            {
                "owner": "alice",
                "package_type": "npm",
                "package": "@alice/web",
                "package_version_id": 3,
                "name": "1.0.0",
                "tags": [],
                "outcome": "deleted",
                "error": None,
            }
        ],
    }
    run = Run.from_json(json.loads(json.dumps(old)))
    assert run.entries[0].build_id is None and run.entries[0].label == "1.0.0"
