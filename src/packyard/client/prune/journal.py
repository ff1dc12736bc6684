"""The journal every applied run leaves: what was asked, what happened to each version
(and to each SNAPSHOT build it trimmed).

A run's file (`runs/ID.json` under the state directory) is rewritten atomically after every
package, so even an interrupted run can be undone.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

RUN_FORMAT = "packyard-prune-run/1"
Outcome = Literal["deleted", "gone", "failed", "skipped", "package-deleted"]

# Exit codes CI can use.
EXIT_OK = 0
EXIT_FAILED = 1  # some deletion (or restoration) failed
EXIT_PLAN_INCOMPLETE = 3  # a package was left untouched: unreadable, or the last-version rule


def state_dir() -> Path:
    """`PACKYARD_STATE_DIR`, else `$XDG_STATE_HOME/packyard`, else ~/.local/state/packyard."""
    explicit = os.environ.get("PACKYARD_STATE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "packyard"


def runs_dir() -> Path:
    return state_dir() / "runs"


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique by a random tail: `20261124T133000Z-3fa9c1`."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass
class Entry:
    """What happened to a version, a whole package, or one build of a SNAPSHOT version
    (then `name` is the version's and `build_id`, `build` say which build)."""

    owner: str
    package_type: str
    package: str
    package_version_id: int | None  # None for a whole package
    name: str
    tags: list[str]
    outcome: Outcome
    error: str | None = None
    build_id: int | None = None
    build: str | None = None

    @property
    def label(self) -> str:
        """`1.1.0-SNAPSHOT`, or `1.1.0-SNAPSHOT build 20261130.101500-2`."""
        return self.name if self.build_id is None else f"{self.name} build {self.build}"


@dataclass
class Run:
    """One applied plan: what was asked, what happened to each version."""

    run_id: str
    api_url: str
    registry_url: str
    started_at: str
    policy: dict[str, Any]
    finished_at: str | None = None
    entries: list[Entry] = field(default_factory=list)
    package_errors: dict[str, str] = field(default_factory=dict)
    undone_at: str | None = None

    def count(self, outcome: Outcome, *, builds: bool | None = None) -> int:
        """Entries with this outcome: all of them, or only builds (`builds=True`), or
        only versions and packages (`builds=False`)."""
        return sum(
            1
            for e in self.entries
            if e.outcome == outcome and (builds is None or (e.build_id is not None) == builds)
        )

    @property
    def exit_code(self) -> int:
        if self.count("failed"):
            return EXIT_FAILED
        return EXIT_PLAN_INCOMPLETE if self.package_errors else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {"format": RUN_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        if data.get("format") != RUN_FORMAT:
            raise ValueError(f"not a prune run journal (expected format {RUN_FORMAT})")
        body = {k: v for k, v in data.items() if k != "format"}
        body["entries"] = [Entry(**e) for e in body.get("entries", [])]
        return cls(**body)


class Journal:
    """A run's file, replaced atomically each time it is saved."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or runs_dir()

    def path(self, run_id: str) -> Path:
        if not run_id or "/" in run_id or run_id.startswith("."):
            raise ValueError(f"{run_id!r} is not a run id")
        return self.directory / f"{run_id}.json"

    def save(self, run: Run) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(run.run_id)
        temporary = target.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(run.to_json(), indent=2) + "\n")
        os.replace(temporary, target)
        return target

    def load(self, run_id: str) -> Run:
        path = self.path(run_id)
        if not path.exists():
            raise FileNotFoundError(f"no run {run_id} in {self.directory}")
        return Run.from_json(json.loads(path.read_text()))

    def last(self) -> Run:
        """The newest applied run not yet undone (by start time: two runs may share a
        second, and so the prefix of their ids)."""
        runs = [Run.from_json(json.loads(p.read_text())) for p in self.directory.glob("*.json")]
        pending = [run for run in runs if run.undone_at is None]
        if not pending:
            raise FileNotFoundError(f"no run to undo in {self.directory}")
        return max(pending, key=lambda run: datetime.fromisoformat(run.started_at))
