"""A prune plan: every selected package, every version, what happens to it and why (and,
under `keep-snapshot-builds`, the same for each kept SNAPSHOT version's builds).

`make_plan` reads (packages, versions, container manifests, a Packyard's download records and
SNAPSHOT builds) and decides; it deletes nothing. A plan is written as JSON and applied later
exactly as written. Container manifests are read as inspections, so planning never counts as a
download; if one cannot be read, the package is planned with no deletions at all (fail
closed), since an unread index could be holding any untagged version.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

from packyard.client import errors
from packyard.client._client import Client
from packyard.client._requests import GITHUB_API
from packyard.client.models import PackageVersion
from packyard.client.oci import RegistryClient
from packyard.client.prune.builds import BUILD_TYPES, BuildFacts, decide_builds, is_snapshot
from packyard.client.prune.decide import GRAPH_TYPES, VersionFacts, decide_package
from packyard.client.prune.policy import PackageSelector, Policy, PolicyError

PLAN_FORMAT = "packyard-prune-plan/1"
PACKAGE_TYPES = ("npm", "maven", "rubygems", "docker", "nuget", "container")
MANIFEST_READERS = 8
Action = Literal["delete", "keep"]


class Progress(Protocol):
    """Where long listings and deletions report; the CLI draws bars, the SDK stays quiet."""

    def begin(self, label: str, total: int | None = None) -> None: ...
    def advance(self, amount: int = 1) -> None: ...
    def end(self) -> None: ...


class Quiet:
    def begin(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def end(self) -> None:
        pass


@dataclass(frozen=True)
class Selection:
    """Which packages: one type, one owner (default: the token's own login), names or globs."""

    package_type: str
    owner: str | None = None
    packages: PackageSelector = field(default_factory=PackageSelector)

    def __post_init__(self) -> None:
        if self.package_type not in PACKAGE_TYPES:
            raise PolicyError(
                f"package-type: {self.package_type!r} must be one of {', '.join(PACKAGE_TYPES)}"
            )


@dataclass
class PlannedBuild:
    """One build of a kept SNAPSHOT version (`--keep-snapshot-builds`)."""

    id: int
    name: str
    build_number: int
    created_at: str | None
    action: Action
    reasons: list[str]


@dataclass
class PlannedVersion:
    id: int
    name: str
    tags: list[str]
    created_at: str
    action: Action
    reasons: list[str]
    role: str = "image"
    depth: int = 0
    # Containers: what this manifest lists and refers to, for the check before applying.
    children: list[str] = field(default_factory=list)
    subject: str | None = None
    # A kept SNAPSHOT's active builds, newest first, when the policy trims them.
    builds: list[PlannedBuild] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedVersion:
        builds = [PlannedBuild(**b) for b in data.get("builds") or []]
        return cls(**{**data, "builds": builds})


@dataclass
class PackagePlan:
    owner: str
    package_type: str
    name: str
    versions: list[PlannedVersion] = field(default_factory=list)
    delete_package: bool = False
    error: str | None = None

    @property
    def deletions(self) -> list[PlannedVersion]:
        """What to delete, parents before what they list or what refers to them."""
        if self.error:
            return []
        chosen = [v for v in self.versions if v.action == "delete"]
        return sorted(chosen, key=lambda v: v.depth)

    @property
    def kept(self) -> list[PlannedVersion]:
        return [v for v in self.versions if v.action == "keep"]

    @property
    def build_deletions(self) -> list[tuple[PlannedVersion, PlannedBuild]]:
        """The builds to delete, each with its version: only ever of kept versions."""
        if self.error or self.delete_package:
            return []
        return [(v, b) for v in self.kept for b in v.builds if b.action == "delete"]


@dataclass
class Plan:
    api_url: str
    registry_url: str
    created_at: str
    policy: dict[str, Any]
    packages: list[PackagePlan]

    @property
    def deletion_count(self) -> int:
        return sum(len(p.deletions) for p in self.packages)

    @property
    def build_deletion_count(self) -> int:
        return sum(len(p.build_deletions) for p in self.packages)

    @property
    def errors(self) -> list[PackagePlan]:
        return [p for p in self.packages if p.error]

    @property
    def on_last_version(self) -> str:
        return str(self.policy.get("on-last-version", "fail"))

    def to_json(self) -> dict[str, Any]:
        return {"format": PLAN_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: Any) -> Plan:
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise PolicyError(f'not a prune plan (expected "format": "{PLAN_FORMAT}")')
        try:
            packages = [
                PackagePlan(
                    owner=p["owner"],
                    package_type=p["package_type"],
                    name=p["name"],
                    versions=[PlannedVersion.from_json(v) for v in p["versions"]],
                    delete_package=bool(p.get("delete_package")),
                    error=p.get("error"),
                )
                for p in data["packages"]
            ]
            return cls(
                api_url=data["api_url"],
                registry_url=data["registry_url"],
                created_at=data["created_at"],
                policy=dict(data["policy"]),
                packages=packages,
            )
        except (KeyError, TypeError) as error:
            raise PolicyError(f"the plan is damaged: {error!r}") from None


def make_plan(
    client: Client,
    selection: Selection,
    policy: Policy,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Read what the selection names and decide every version's fate; delete nothing."""
    now = now or datetime.now(UTC)
    progress = progress or Quiet()
    if policy.keep_downloaded_within is not None and client.base_url == GITHUB_API:
        raise PolicyError(
            "keep-downloaded-within needs a Packyard: GitHub's API does not expose when "
            "versions were downloaded"
        )
    if policy.keep_snapshot_builds is not None:
        if selection.package_type not in BUILD_TYPES:
            raise PolicyError(
                f"keep-snapshot-builds: only {', '.join(sorted(BUILD_TYPES))} packages have "
                f"SNAPSHOT builds, not {selection.package_type}"
            )
        if client.base_url == GITHUB_API:
            raise PolicyError(
                "keep-snapshot-builds needs a Packyard: GitHub's API neither lists nor "
                "deletes the builds of a SNAPSHOT version"
            )
    owner = selection.owner or client.authenticated_login()
    if not owner:
        raise PolicyError("owner: this token has no login of its own; name an --owner")
    selector = selection.packages
    if selection.package_type == "npm":
        # npm spells an owner's package `@owner/name`; GitHub's API names it `name`.
        selector = selector.unscoped(owner)
    progress.begin(f"listing {selection.package_type} packages of {owner}")
    names = [
        p.name
        for p in client.iter_packages(owner, selection.package_type)
        if selector.selects(p.name)
    ]
    progress.end()
    inspector = client.inspector() if selection.package_type in GRAPH_TYPES else None
    planned = [
        _plan_package(client, inspector, owner, selection.package_type, name, policy, now, progress)
        for name in names
    ]
    return Plan(
        api_url=client.base_url,
        registry_url=client.registry_url,
        created_at=now.isoformat(),
        policy=policy.to_options(),
        packages=planned,
    )


def _plan_package(
    client: Client,
    inspector: RegistryClient | None,
    owner: str,
    package_type: str,
    name: str,
    policy: Policy,
    now: datetime,
    progress: Progress,
) -> PackagePlan:
    plan = PackagePlan(owner, package_type, name)
    progress.begin(f"reading {owner}/{name}")
    versions = _listed(client.iter_versions(owner, package_type, name), progress)
    progress.end()
    downloads: dict[int, int] | None = None
    if policy.keep_downloaded_within is not None:
        since: date = (now - policy.keep_downloaded_within).date()
        downloads = client.downloads_since(owner, package_type, name, since)
    graph: dict[int, tuple[tuple[str, ...], str | None]] = {}
    if inspector is not None:
        try:
            graph = read_manifests(inspector, f"{owner.lower()}/{name}", versions, progress)
        except errors.PackyardClientError as error:
            plan.error = (
                f"could not read every manifest ({error}); nothing in this package is deleted"
            )
    facts = []
    for v in versions:
        children, subject = graph.get(v.id, ((), None))
        facts.append(
            VersionFacts(
                id=v.id,
                name=v.name,
                created_at=v.created_at or now,
                updated_at=v.updated_at or v.created_at or now,
                tags=tuple(v.tags),
                downloads=None if downloads is None else downloads.get(v.id, 0),
                children=children,
                subject=subject,
            )
        )
    decision = decide_package(policy, package_type, facts, now)
    plan.delete_package = decision.delete_package and plan.error is None
    plan.error = plan.error or decision.error
    plan.versions = [
        PlannedVersion(
            id=v.version.id,
            name=v.version.name,
            tags=list(v.version.tags),
            created_at=v.version.created_at.isoformat(),
            action="delete" if v.delete and plan.error is None else "keep",
            reasons=list(v.reasons),
            role=v.role,
            depth=v.depth,
            children=list(v.version.children),
            subject=v.version.subject,
        )
        for v in decision.verdicts
    ]
    if policy.keep_snapshot_builds is not None and not (plan.error or plan.delete_package):
        for version in plan.kept:
            if is_snapshot(package_type, version.name):
                version.builds = _plan_builds(
                    client, plan, version, policy.keep_snapshot_builds, progress
                )
    return plan


def _plan_builds(
    client: Client, plan: PackagePlan, version: PlannedVersion, keep: int, progress: Progress
) -> list[PlannedBuild]:
    """A kept SNAPSHOT's active builds, newest first, and which of them go."""
    progress.begin(f"reading builds of {plan.owner}/{plan.name} {version.name}")
    try:
        builds = client.list_builds(plan.owner, plan.package_type, plan.name, version.id)
    finally:
        progress.end()
    facts = [BuildFacts(b.id, b.name, b.build_number) for b in builds]
    created = {b.id: b.created_at.isoformat() if b.created_at else None for b in builds}
    return [
        PlannedBuild(
            id=v.build.id,
            name=v.build.name,
            build_number=v.build.build_number,
            created_at=created[v.build.id],
            action="delete" if v.delete else "keep",
            reasons=[v.reason],
        )
        for v in decide_builds(keep, facts)
    ]


def _listed(versions: Iterable[PackageVersion], progress: Progress) -> list[PackageVersion]:
    found = []
    for version in versions:
        found.append(version)
        progress.advance()
    return found


def read_manifests(
    inspector: RegistryClient,
    repository: str,
    versions: list[PackageVersion],
    progress: Progress,
) -> dict[int, tuple[tuple[str, ...], str | None]]:
    """Each version's listed children and subject, read through the registry in parallel;
    the first failure stops the package."""
    progress.begin(f"reading manifests of {repository}", total=len(versions))

    def read(version: PackageVersion) -> tuple[int, tuple[tuple[str, ...], str | None]]:
        manifest = inspector.manifest(repository, version.name)
        progress.advance()
        subject = manifest.subject.digest if manifest.subject else None
        return version.id, (tuple(d.digest for d in manifest.children), subject)

    try:
        with ThreadPoolExecutor(max_workers=MANIFEST_READERS) as pool:
            return dict(pool.map(read, versions))
    finally:
        progress.end()
