"""Undoing a run from its journal.

`undo_run` restores, through GitHub's restore endpoints (and a Packyard's build restore for
trimmed SNAPSHOT builds), what the run deleted and nothing that someone else deleted
meanwhile: an entry the run found already gone is restored only when it was deleted while
the run was going (the run's own cascade took it).

A run is marked undone only when every restoration succeeded or finds its version restored
already; otherwise it stays the newest run to undo, and undoing it again retries only what
is still to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Literal

from packyard.client import errors
from packyard.client._client import Client
from packyard.client._looks import package_exists
from packyard.client.prune.journal import EXIT_FAILED, EXIT_OK, Entry, Journal, Run
from packyard.client.prune.plan import Progress, Quiet

# Server and client clocks differ; a cascade the run caused may be stamped a little outside it.
CLOCK_SLACK = timedelta(minutes=5)
RestoreOutcome = Literal["restored", "skipped", "failed"]
NOT_DELETED_ANY_MORE = "not deleted any more"
ALREADY_RESTORED = "restored already"
PURGED = (
    "neither among the deleted {what}s nor the live ones: purged after the restore window, "
    "or its package deleted"
)
SOMEONE_ELSE = "deleted by someone else, not this run"


@dataclass
class Restoration:
    package: str
    package_version_id: int | None
    name: str
    outcome: RestoreOutcome
    reason: str | None = None
    build_id: int | None = None
    build: str | None = None


@dataclass
class UndoReport:
    run_id: str
    restorations: list[Restoration] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Everything the run deleted is back (restored now, or found restored already)."""
        return not any(r.outcome == "failed" for r in self.restorations)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.complete else EXIT_FAILED


@dataclass(frozen=True)
class _Window:
    """When the run went, widened by the clock slack."""

    started: datetime
    finished: datetime

    def holds(self, deleted_at: datetime | None) -> bool:
        return deleted_at is not None and self.started <= deleted_at <= self.finished


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
    window = _Window(
        datetime.fromisoformat(run.started_at) - CLOCK_SLACK,
        datetime.fromisoformat(run.finished_at or now().isoformat()) + CLOCK_SLACK,
    )
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
        versions = [e for e in wanted if e.build_id is None]
        builds = [e for e in wanted if e.build_id is not None]
        if versions:
            report.restorations += _restore_versions(client, versions, window, label, progress)
        if builds:
            report.restorations += _restore_builds(client, builds, window, label, progress)
    # A run with a failed restoration stays to undo: marked undone, `undo --last` would pass
    # over it and its versions would stay deleted until purged.
    if report.complete:
        run.undone_at = now().isoformat()
        if journal is not None:
            journal.save(run)
    return report


class _Once:
    """The live ids of a package's versions (or of a version's builds), read on first need
    only: most undos never ask."""

    def __init__(self, read: Callable[[], set[int]]) -> None:
        self.read = read
        self.ids: set[int] | None = None

    def holds(self, item_id: int) -> bool:
        if self.ids is None:
            self.ids = self.read()
        return item_id in self.ids


def _active_build_ids(client: Client, entry: Entry, version_id: int) -> set[int]:
    return {
        b.id for b in client.list_builds(entry.owner, entry.package_type, entry.package, version_id)
    }


def _restore_whole(client: Client, owner: str, package_type: str, name: str) -> Restoration:
    label = f"{owner}/{name}"
    try:
        client.restore_package(owner, package_type, name)
    except errors.NotFound as error:
        # Nothing deleted to restore: an earlier undo brought it back, or it is purged.
        try:
            if package_exists(client, owner, package_type, name):
                return Restoration(label, None, name, "skipped", ALREADY_RESTORED)
        except errors.PackyardClientError:
            pass
        return Restoration(label, None, name, "failed", str(error))
    except errors.PackyardClientError as error:
        return Restoration(label, None, name, "failed", str(error))
    return Restoration(label, None, name, "restored")


def _restoration(
    label: str, entry: Entry, outcome: RestoreOutcome, reason: str | None = None
) -> Restoration:
    return Restoration(
        label, entry.package_version_id, entry.name, outcome, reason, entry.build_id, entry.build
    )


def _restore_one(
    label: str,
    entry: Entry,
    deleted_at: datetime | None,
    still_deleted: bool,
    live: Callable[[], bool],
    window: _Window,
    kind: str,
    restore: Callable[[], None],
) -> Restoration:
    """One journal entry undone: passed over for its reason (someone else's delete,
    restored already), refused (purged), else restored, or failed with the server's words."""
    try:
        refusal = _refusal(entry, still_deleted, live, deleted_at, window, kind)
    except errors.PackyardClientError as error:
        return _restoration(label, entry, "failed", str(error))
    if refusal is not None:
        return _restoration(label, entry, *refusal)
    try:
        restore()
    except errors.PackyardClientError as error:
        return _restoration(label, entry, "failed", str(error))
    return _restoration(label, entry, "restored")


def _refusal(
    entry: Entry,
    deleted: bool,
    live: Callable[[], bool],
    deleted_at: datetime | None,
    window: _Window,
    what: str,
) -> tuple[RestoreOutcome, str] | None:
    """Why this entry is not to be restored, or None to restore it. `live` is asked only
    of what the run deleted and is not deleted now: restored already, or purged?"""
    if not deleted and entry.outcome == "gone":
        return "skipped", NOT_DELETED_ANY_MORE
    if not deleted:
        if live():
            return "skipped", ALREADY_RESTORED
        return "failed", PURGED.format(what=what)
    if entry.outcome == "gone" and not window.holds(deleted_at):
        # Gone before this run reached it: restore it only if the run's own cascade took it.
        return "skipped", SOMEONE_ELSE
    return None


def _restore_versions(
    client: Client, entries: list[Entry], window: _Window, label: str, progress: Progress
) -> list[Restoration]:
    first = entries[0]
    try:
        deleted_now = {
            v.id: v
            for v in client.iter_versions(
                first.owner, first.package_type, first.package, state="deleted"
            )
        }
    except errors.PackyardClientError as error:
        return [_restoration(label, e, "failed", str(error)) for e in entries]
    live = _Once(
        lambda: {v.id for v in client.iter_versions(first.owner, first.package_type, first.package)}
    )
    done: list[Restoration] = []
    progress.begin(f"restoring {label}", total=len(entries))
    for entry in reversed(entries):
        version_id = entry.package_version_id
        assert version_id is not None
        current = deleted_now.get(version_id)
        done.append(
            _restore_one(
                label,
                entry,
                current.deleted_at if current else None,
                current is not None,
                partial(live.holds, version_id),
                window,
                "version",
                partial(
                    client.restore_version,
                    entry.owner,
                    entry.package_type,
                    entry.package,
                    version_id,
                ),
            )
        )
        progress.advance()
    progress.end()
    return done


def _restore_builds(
    client: Client, entries: list[Entry], window: _Window, label: str, progress: Progress
) -> list[Restoration]:
    """Trimmed SNAPSHOT builds, through a Packyard's build restore, version by version."""
    by_version: dict[int, list[Entry]] = {}
    for entry in entries:
        assert entry.package_version_id is not None
        by_version.setdefault(entry.package_version_id, []).append(entry)
    done: list[Restoration] = []
    progress.begin(f"restoring SNAPSHOT builds of {label}", total=len(entries))
    for version_id, wanted in by_version.items():
        first = wanted[0]
        try:
            deleted_now = {
                b.id: b
                for b in client.list_builds(
                    first.owner, first.package_type, first.package, version_id, state="deleted"
                )
            }
        except errors.PackyardClientError as error:
            done += [_restoration(label, e, "failed", str(error)) for e in wanted]
            progress.advance(len(wanted))
            continue
        live = _Once(partial(_active_build_ids, client, first, version_id))
        for entry in reversed(wanted):
            assert entry.build_id is not None
            current = deleted_now.get(entry.build_id)
            done.append(
                _restore_one(
                    label,
                    entry,
                    current.deleted_at if current else None,
                    current is not None,
                    partial(live.holds, entry.build_id),
                    window,
                    "build",
                    partial(
                        client.restore_build,
                        entry.owner,
                        entry.package_type,
                        entry.package,
                        version_id,
                        entry.build_id,
                    ),
                )
            )
            progress.advance()
    progress.end()
    return done
