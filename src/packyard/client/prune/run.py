"""Applying a plan: deleting exactly its deletions, and journaling each one.

A run deletes the plan's versions, parents before their platforms and referrers, a few at a
time, then the SNAPSHOT builds it trims. A 404 is "already gone" only once a second look
agrees: GitHub (and Packyard) answer 404 too to a caller who may see a package but is not its
admin, and a version still there after its delete's 404 was refused, not deleted. `undo.py`
reverses a run.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from packyard.client import errors
from packyard.client._client import Client, DeleteResult
from packyard.client._looks import build_exists, package_exists, refused_404
from packyard.client.prune.decide import GRAPH_TYPES
from packyard.client.prune.journal import Entry, Journal, Outcome, Run, new_run_id
from packyard.client.prune.plan import (
    PackagePlan,
    Plan,
    PlannedBuild,
    PlannedVersion,
    Progress,
    Quiet,
    read_manifests,
)


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
        if package.build_deletions:
            run.entries += _delete_builds(client, package, progress, concurrency)
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
        entry.outcome, entry.error = _after_404(
            "package",
            lambda: package_exists(client, package.owner, package.package_type, package.name),
        )
    except errors.PackyardClientError as error:
        entry.outcome, entry.error = "failed", str(error)
    return entry


def _after_404(what: str, still_there: Callable[[], bool]) -> tuple[Outcome, str | None]:
    """A delete's 404: "gone" if a second look finds nothing, else failed, with why."""
    reason = refused_404(what, still_there)
    return ("failed", reason) if reason else ("gone", None)


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
        # A 404 is "gone" only when delete_versions' second look agreed.
        result = results[version.id]
        entry = _entry(
            package, version, result.outcome, str(result.error) if result.error else None
        )
        last_version = (errors.LastVersionError, errors.LastTaggedVersionError)
        if isinstance(result.error, last_version) and plan.on_last_version == "skip":
            entry.outcome = "skipped"
        entries.append(entry)
    return entries


def _delete_builds(
    client: Client, package: PackagePlan, progress: Progress, concurrency: int
) -> list[Entry]:
    """The SNAPSHOT builds the plan trims (of versions it keeps), a few at a time."""
    doomed = package.build_deletions
    progress.begin(f"deleting SNAPSHOT builds from {package.owner}/{package.name}", len(doomed))

    def delete(planned: tuple[PlannedVersion, PlannedBuild]) -> Entry:
        version, build = planned
        entry = _entry(package, version, "deleted", None)
        entry.build_id, entry.build = build.id, build.name
        try:
            client.delete_build(
                package.owner, package.package_type, package.name, version.id, build.id
            )
        except errors.NotFound:
            entry.outcome, entry.error = _after_404(
                "build",
                lambda: build_exists(
                    client, package.owner, package.package_type, package.name, version.id, build.id
                ),
            )
        except errors.PackyardClientError as error:
            entry.outcome, entry.error = "failed", str(error)
        progress.advance()
        return entry

    try:
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            return list(pool.map(delete, doomed))
    finally:
        progress.end()
