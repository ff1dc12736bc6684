"""Applying a plan, and undoing a run from its journal.

A run deletes exactly the plan's deletions, parents before their platforms and referrers, a
few at a time; a 404 is "already gone". `undo_run` restores, through GitHub's restore
endpoints, what the run deleted and nothing that someone else deleted meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from packyard.client import errors
from packyard.client._client import Client, DeleteResult
from packyard.client.prune.decide import GRAPH_TYPES
from packyard.client.prune.journal import (
    EXIT_FAILED,
    EXIT_OK,
    Entry,
    Journal,
    Outcome,
    Run,
    new_run_id,
)
from packyard.client.prune.plan import (
    PackagePlan,
    Plan,
    PlannedVersion,
    Progress,
    Quiet,
    read_manifests,
)

# Server and client clocks differ; a cascade the run caused may be stamped a little outside it.
CLOCK_SLACK = timedelta(minutes=5)
RestoreOutcome = Literal["restored", "skipped", "failed"]

# applying ---------------------------------------------------------------------------------


def apply_plan(
    client: Client,
    plan: Plan,
    *,
    journal: Journal | None = None,
    progress: Progress | None = None,
    concurrency: int = 4,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Run:
    """Delete exactly the plan's deletions; never raises for one version's failure."""
    progress = progress or Quiet()
    started = now()
    run = Run(
        run_id=new_run_id(started),
        api_url=client.base_url,
        registry_url=client.registry_url,
        started_at=started.isoformat(),
        policy=plan.policy,
    )
    if journal is not None:
        journal.save(run)
    for package in plan.packages:
        label = f"{package.owner}/{package.name}"
        if package.error:
            run.package_errors[label] = package.error
            continue
        if package.delete_package:
            run.entries.append(_delete_whole(client, package))
        elif package.deletions:
            run.entries += _delete_versions(client, package, plan, progress, concurrency, run)
        if journal is not None:
            journal.save(run)
    run.finished_at = now().isoformat()
    if journal is not None:
        journal.save(run)
    return run


def _delete_whole(client: Client, package: PackagePlan) -> Entry:
    entry = Entry(
        package.owner, package.package_type, package.name, None, package.name, [], "package-deleted"
    )
    try:
        client.delete_package(package.owner, package.package_type, package.name)
    except errors.NotFound:
        entry.outcome = "gone"
    except errors.PackyardClientError as error:
        entry.outcome, entry.error = "failed", str(error)
    return entry


def _recheck(
    client: Client, package: PackagePlan, progress: Progress
) -> tuple[list[PlannedVersion], list[Entry]]:
    """Containers: a push or a tag since the plan may hold a manifest it deletes. Those are
    skipped, with everything they list or are referred by; reading fails closed."""
    doomed = {v.name: v for v in package.deletions}
    planned = {v.id: v for v in package.versions}
    held: dict[str, str] = {}
    live = list(client.iter_versions(package.owner, package.package_type, package.name))
    for version in live:
        before = planned.get(version.id)
        if before is not None and version.name in doomed and version.tags and not before.tags:
            held[version.name] = f"tagged {', '.join(version.tags)} after the plan"
    new = [v for v in live if v.id not in planned]
    if new:
        repository = f"{package.owner.lower()}/{package.name}"
        graph = read_manifests(client.inspector(), repository, new, progress)
        for version in new:
            children, subject = graph[version.id]
            for digest in (*children, subject):
                if digest in doomed and digest not in held:
                    held[digest] = f"held by {version.name[:19]} pushed after the plan"
    # What a held manifest lists, or what refers to it, is held with it.
    queue = list(held)
    while queue:
        digest = queue.pop()
        following = [c for c in doomed[digest].children if c in doomed]
        following += [n for n, v in doomed.items() if v.subject == digest]
        for name in following:
            if name not in held:
                held[name] = f"follows {digest[:19]}, held since the plan"
                queue.append(name)
    skipped = [_entry(package, doomed[name], "skipped", reason) for name, reason in held.items()]
    return [v for v in package.deletions if v.name not in held], skipped


def _entry(
    package: PackagePlan, version: PlannedVersion, outcome: Outcome, error: str | None
) -> Entry:
    return Entry(
        package.owner,
        package.package_type,
        package.name,
        version.id,
        version.name,
        version.tags,
        outcome,
        error,
    )


def _delete_versions(
    client: Client,
    package: PackagePlan,
    plan: Plan,
    progress: Progress,
    concurrency: int,
    run: Run,
) -> list[Entry]:
    deletions = package.deletions
    skipped: list[Entry] = []
    if package.package_type in GRAPH_TYPES:
        try:
            deletions, skipped = _recheck(client, package, progress)
        except errors.PackyardClientError as error:
            run.package_errors[f"{package.owner}/{package.name}"] = (
                f"could not re-read the package before deleting ({error}); nothing deleted"
            )
            return []
    progress.begin(f"deleting from {package.owner}/{package.name}", total=len(deletions))
    results: dict[int, DeleteResult] = {}
    try:
        # Level by level: an index goes before the platforms it lists, which a Packyard
        # would otherwise refuse to delete while the index holds them.
        for depth in sorted({v.depth for v in deletions}):
            ids = [v.id for v in deletions if v.depth == depth]
            for result in client.delete_versions(
                package.owner,
                package.package_type,
                package.name,
                ids,
                concurrency=concurrency,
                on_result=lambda _r: progress.advance(),
            ):
                results[result.package_version_id] = result
    finally:
        progress.end()
    entries = skipped
    for version in deletions:
        result = results[version.id]
        entry = _entry(
            package, version, result.outcome, str(result.error) if result.error else None
        )
        last_version = (errors.LastVersionError, errors.LastTaggedVersionError)
        if isinstance(result.error, last_version) and plan.on_last_version == "skip":
            entry.outcome = "skipped"
        entries.append(entry)
    return entries


# undoing ----------------------------------------------------------------------------------


@dataclass
class Restoration:
    package: str
    package_version_id: int | None
    name: str
    outcome: RestoreOutcome
    reason: str | None = None


@dataclass
class UndoReport:
    run_id: str
    restorations: list[Restoration] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if any(r.outcome == "failed" for r in self.restorations) else EXIT_OK


def undo_run(
    client: Client,
    run: Run,
    *,
    journal: Journal | None = None,
    progress: Progress | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> UndoReport:
    """Restore what `run` deleted, deepest first (platforms before their index), and say
    what could not be restored and why."""
    progress = progress or Quiet()
    report = UndoReport(run.run_id)
    started = datetime.fromisoformat(run.started_at) - CLOCK_SLACK
    finished = datetime.fromisoformat(run.finished_at or now().isoformat()) + CLOCK_SLACK
    packages: dict[tuple[str, str, str], list[Entry]] = {}
    for entry in run.entries:
        packages.setdefault((entry.owner, entry.package_type, entry.package), []).append(entry)
    for (owner, package_type, name), entries in packages.items():
        label = f"{owner}/{name}"
        whole = [e for e in entries if e.package_version_id is None]
        if whole and whole[0].outcome == "package-deleted":
            report.restorations.append(_restore_whole(client, owner, package_type, name))
            continue
        wanted = [e for e in entries if e.outcome in ("deleted", "gone")]
        if not wanted:
            continue
        try:
            deleted_now = {
                v.id: v for v in client.iter_versions(owner, package_type, name, state="deleted")
            }
        except errors.PackyardClientError as error:
            report.restorations += [
                Restoration(label, e.package_version_id, e.name, "failed", str(error))
                for e in wanted
            ]
            continue
        progress.begin(f"restoring {label}", total=len(wanted))
        for entry in reversed(wanted):
            report.restorations.append(
                _restore_one(client, entry, deleted_now, started, finished, label)
            )
            progress.advance()
        progress.end()
    run.undone_at = now().isoformat()
    if journal is not None:
        journal.save(run)
    return report


def _restore_whole(client: Client, owner: str, package_type: str, name: str) -> Restoration:
    try:
        client.restore_package(owner, package_type, name)
    except errors.PackyardClientError as error:
        return Restoration(f"{owner}/{name}", None, name, "failed", str(error))
    return Restoration(f"{owner}/{name}", None, name, "restored")


def _restore_one(
    client: Client,
    entry: Entry,
    deleted_now: dict[int, Any],
    started: datetime,
    finished: datetime,
    label: str,
) -> Restoration:
    version_id = entry.package_version_id
    assert version_id is not None
    current = deleted_now.get(version_id)
    if current is None and entry.outcome == "gone":
        return Restoration(label, version_id, entry.name, "skipped", "not deleted any more")
    if current is None:
        return Restoration(
            label,
            version_id,
            entry.name,
            "failed",
            "not among the deleted versions: restored already, or purged after the restore window",
        )
    if entry.outcome == "gone":
        # Gone before this run reached it: restore it only if the run's own cascade took it.
        deleted_at = current.deleted_at
        if deleted_at is None or not started <= deleted_at <= finished:
            return Restoration(
                label, version_id, entry.name, "skipped", "deleted by someone else, not this run"
            )
    try:
        client.restore_version(entry.owner, entry.package_type, entry.package, version_id)
    except errors.PackyardClientError as error:
        return Restoration(label, version_id, entry.name, "failed", str(error))
    return Restoration(label, version_id, entry.name, "restored")
