"""What `packyard prune` shows: progress bars on a terminal, plan tables, run summaries."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from packyard.cli.plural import counted
from packyard.client.prune import PackagePlan, Plan, Run, UndoReport

out = Console(highlight=False)
if not out.is_terminal:
    # CI logs and pipes have no width; 80 columns would fold every digest and reason.
    out = Console(highlight=False, width=200)
err = Console(stderr=True, highlight=False)


# progress -----------------------------------------------------------------------------------


class Bars:
    """Rich progress bars on a terminal; silence in CI logs and pipes."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self.task: Any = None

    def __enter__(self) -> Bars:
        self.progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.progress.stop()

    def begin(self, label: str, total: int | None = None) -> None:
        self.task = self.progress.add_task(label, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)

    def end(self) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None


# output -------------------------------------------------------------------------------------


def _short(name: str) -> str:
    return name[:19] + "…" if name.startswith("sha256:") and len(name) > 20 else name


def plan_trims(plan: Plan) -> bool:
    """Whether the plan's policy trims SNAPSHOT builds (then its counts name builds too)."""
    return plan.policy.get("keep-snapshot-builds") is not None


def plan_builds(plan: Plan) -> str:
    """The words " and N SNAPSHOT builds" when the plan trims builds, else nothing."""
    if not plan_trims(plan):
        return ""
    return f" and {counted(plan.build_deletion_count, 'SNAPSHOT build')}"


def _print_builds(package: PackagePlan) -> None:
    trimmed = [v for v in package.versions if v.builds]
    if not trimmed:
        return
    table = Table(title=f"SNAPSHOT builds of {package.owner}/{package.name}")
    for column in ("version", "id", "build", "created", "action", "why"):
        table.add_column(column, overflow="fold")
    for version in trimmed:
        for b in version.builds:
            table.add_row(
                version.name,
                str(b.id),
                b.name,
                (b.created_at or "")[:10],
                "[red]delete[/red]" if b.action == "delete" else "[green]keep[/green]",
                "; ".join(b.reasons),
            )
    out.print(table)


def print_plan(plan: Plan) -> None:
    for package in plan.packages:
        table = Table(title=f"{package.owner}/{package.name} ({package.package_type})")
        for column in ("id", "version", "tags", "created", "action", "why"):
            table.add_column(column, overflow="fold")
        for v in package.versions:
            action = "[red]delete[/red]" if v.action == "delete" else "[green]keep[/green]"
            table.add_row(
                str(v.id),
                _short(v.name),
                ", ".join(v.tags),
                v.created_at[:10],
                action,
                "; ".join(v.reasons),
            )
        out.print(table)
        _print_builds(package)
        if package.delete_package:
            out.print("[red]the whole package is deleted[/red] (--on-last-version delete-package)")
        if package.error:
            out.print(f"[yellow]left untouched:[/yellow] {package.error}")
    builds = plan_builds(plan)
    out.print(
        f"{counted(plan.deletion_count, 'version')}{builds} to delete in "
        f"{counted(len(plan.packages), 'package')}; "
        f"{counted(len(plan.errors), 'package')} left untouched"
    )


def print_run(run: Run) -> None:
    out.print(
        f"run {run.run_id}: {run.count('deleted')} deleted, {run.count('gone')} already gone, "
        f"{run.count('skipped')} skipped, {run.count('failed')} failed"
        + (
            f", {counted(run.count('package-deleted'), 'package')} deleted"
            if run.count("package-deleted")
            else ""
        )
    )
    if any(e.build_id is not None for e in run.entries):
        out.print(
            f"  of them SNAPSHOT builds: {run.count('deleted', builds=True)} deleted, "
            f"{run.count('gone', builds=True)} already gone, "
            f"{run.count('failed', builds=True)} failed"
        )
    for entry in run.entries:
        if entry.outcome in ("failed", "skipped"):
            out.print(
                f"  {entry.outcome}: {entry.owner}/{entry.package} {entry.label}: {entry.error}"
            )
    for label, reason in run.package_errors.items():
        out.print(f"  untouched: {label}: {reason}")
    out.print(f"undo with: packyard prune undo {run.run_id}")


def print_undo(report: UndoReport) -> None:
    counts = {
        o: sum(1 for r in report.restorations if r.outcome == o)
        for o in ("restored", "skipped", "failed")
    }
    out.print(
        f"undo of {report.run_id}: {counts['restored']} restored, {counts['skipped']} skipped, "
        f"{counts['failed']} could not be restored"
    )
    for r in report.restorations:
        if r.outcome != "restored":
            what = f"version {r.package_version_id}" if r.package_version_id else "package"
            if r.build_id is not None:
                what = f"build {r.build_id} ({r.build}) of {what}"
            out.print(f"  {r.outcome}: {r.package} {what} ({_short(r.name)}): {r.reason}")
    if not report.complete:
        out.print(
            f"run {report.run_id} is not marked undone: undo it again once the failures are "
            f"dealt with (packyard prune undo {report.run_id})"
        )
