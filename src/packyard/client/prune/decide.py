"""Which versions of one package a policy deletes, and why: a pure function of the facts.

Containers are decided image by image. An *image* is a tagged version, or an untagged one that
no other manifest of the package lists (as an index lists its platforms) or refers to (as an
attestation names its subject). Rules judge images; the other manifests follow them:

- everything a kept manifest lists or is referred by is kept, however the rules judged it
  (keep beats delete, and a multi-arch image never loses a platform);
- what only deleted manifests list or refer to is deleted with them.

Every other package type is a plain list of versions, each judged on its own.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from packyard import semver
from packyard.client.prune.builds import is_snapshot
from packyard.client.prune.policy import Policy, format_duration

Role = Literal["image", "child", "referrer"]
# What the last-version rule guards, by package type (GitHub's rules).
TAGGED_ONLY_TYPES = frozenset({"container"})
GRAPH_TYPES = frozenset({"container"})
TAGGED_TYPES = frozenset({"container", "docker"})

Dependents = Callable[[str], list[str]]
Names = Callable[["VersionFacts"], tuple[str, ...]]


@dataclass(frozen=True)
class VersionFacts:
    """What the rules look at: the REST listing, plus the manifest graph for containers and
    the download records on a Packyard."""

    id: int
    name: str
    created_at: datetime
    updated_at: datetime
    tags: tuple[str, ...] = ()
    downloads: int | None = None  # within keep-downloaded-within; None when not asked
    children: tuple[str, ...] = ()  # digests an index lists
    subject: str | None = None  # the digest a referrer refers to

    def age(self, now: datetime) -> timedelta:
        """Time since the version was created or last updated, whichever is later."""
        return now - max(self.created_at, self.updated_at)


@dataclass(frozen=True)
class Verdict:
    version: VersionFacts
    delete: bool
    reasons: tuple[str, ...]
    role: Role = "image"
    depth: int = 0  # steps from its image: deletes go parents first


@dataclass
class _Judgement:
    keep: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)


def decide(
    policy: Policy,
    package_type: str,
    versions: Sequence[VersionFacts],
    now: datetime,
    *,
    force_keep: frozenset[int] | set[int] = frozenset(),
) -> list[Verdict]:
    """A verdict for every version, newest first; `force_keep` holds ids kept whatever the
    rules say (the last-version rule's `skip`)."""
    ordered = sorted(versions, key=lambda v: (v.created_at, v.id), reverse=True)
    graph = package_type in GRAPH_TYPES
    by_digest = {v.name: v for v in ordered}
    parents: dict[str, list[str]] = {}
    referrers: dict[str, list[str]] = {}
    subjects: dict[str, str] = {}  # referrer digest → the digest it refers to
    if graph:
        for v in ordered:
            for child in v.children:
                if child in by_digest and child != v.name:
                    parents.setdefault(child, []).append(v.name)
            subject = v.subject or _tagged_subject(v.tags)
            if subject in by_digest and subject != v.name:
                subjects[v.name] = subject
                referrers.setdefault(subject, []).append(v.name)

    def role(v: VersionFacts) -> Role:
        if not graph:
            return "image"
        if v.name in subjects and (not v.tags or _tagged_subject(v.tags)):
            return "referrer"
        if v.tags:
            return "image"
        if v.name in parents:
            return "child"
        return "image"

    def dependents(digest: str) -> list[str]:
        listed = [c for c in by_digest[digest].children if c in by_digest and c != digest]
        return listed + referrers.get(digest, [])

    images = [v for v in ordered if role(v) == "image"]
    judged = _judge(policy, package_type, images, now, dependents, by_digest, force_keep)

    kept: dict[str, str] = {}  # digest → why it is kept
    deleted: dict[str, str] = {}  # digest → why it is deleted
    depth: dict[str, int] = {v.name: 0 for v in images}
    for v in images:
        verdict = judged[v.id]
        if verdict.keep or not verdict.delete:
            kept[v.name] = "; ".join(verdict.keep) or "kept: no delete rule selects it"
    # Everything reachable from a kept manifest is kept with it.
    queue = deque(kept)
    while queue:
        digest = queue.popleft()
        for child in dependents(digest):
            if child in kept:
                continue
            link = "listed by" if child in by_digest[digest].children else "refers to"
            kept[child] = f"kept: {link} kept {_label(by_digest[digest])}"
            depth.setdefault(child, depth.get(digest, 0) + 1)
            queue.append(child)
    queue = deque(v.name for v in images if v.name not in kept)
    for digest in queue:
        deleted[digest] = "; ".join(judged[by_digest[digest].id].delete)
    while queue:
        digest = queue.popleft()
        for child in dependents(digest):
            if child in kept or child in deleted:
                continue
            link = "listed by" if child in by_digest[digest].children else "refers to"
            deleted[child] = f"delete: {link} deleted {_label(by_digest[digest])}"
            depth[child] = depth.get(digest, 0) + 1
            queue.append(child)

    verdicts: list[Verdict] = []
    for v in ordered:
        r = role(v)
        reasons: tuple[str, ...]
        if v.name in deleted and v.name not in kept:
            reasons = (deleted[v.name],)
            delete = True
        else:
            judgement = judged.get(v.id)
            reasons = tuple(judgement.keep) if judgement and judgement.keep else ()
            reasons = reasons or (kept.get(v.name, "kept: no delete rule selects it"),)
            if judgement and judgement.delete and r == "image":
                reasons += tuple(f"(would {d})" for d in judgement.delete)
            delete = False
        verdicts.append(Verdict(v, delete, reasons, r, depth.get(v.name, 0)))
    return verdicts


# cosign's `sha256-<hex>.sig` / `.att` / `.sbom` tags, and the distribution spec's referrers
# fallback `sha256-<hex>`: tags that only say "this refers to that digest". On registries
# without the referrers API (ghcr.io) they are how signatures and attestations attach.
_REFERRER_TAG = re.compile(r"(sha256)-([0-9a-f]{64})(?:\.[A-Za-z0-9_-]+)?")


def _tagged_subject(tags: Sequence[str]) -> str | None:
    """The digest every tag points at, when every tag is a referrer tag of one digest."""
    found = {m.group(1) + ":" + m.group(2) for t in tags if (m := _REFERRER_TAG.fullmatch(t))}
    matched = all(_REFERRER_TAG.fullmatch(t) for t in tags)
    return found.pop() if tags and matched and len(found) == 1 else None


def _label(v: VersionFacts) -> str:
    short = v.name[:19] if v.name.startswith("sha256:") else v.name
    return f"{short} ({', '.join(v.tags)})" if v.tags else short


def _judge(
    policy: Policy,
    package_type: str,
    images: Sequence[VersionFacts],
    now: datetime,
    dependents: Dependents,
    by_digest: dict[str, VersionFacts],
    force_keep: frozenset[int] | set[int],
) -> dict[int, _Judgement]:
    """Each image's keep and delete reasons, from the rules alone."""
    tagged = package_type in TAGGED_TYPES
    judged = {v.id: _Judgement() for v in images}

    def names(v: VersionFacts) -> tuple[str, ...]:
        """What tag and semver rules match: tags for containers, the version name otherwise."""
        return v.tags if tagged else (v.name,)

    if policy.keep_last is not None:
        for rank, v in _ranks(images, policy.per, names):
            if rank <= policy.keep_last:
                stream = ""
                if policy.per:
                    stream = f" in {_stream(names(v), policy.per) or 'unversioned'}"
                judged[v.id].keep.append(f"keep: --keep-last {policy.keep_last} (#{rank}{stream})")
    for v in images:
        j = judged[v.id]
        age = v.age(now)
        if v.id in force_keep:
            j.keep.append(
                "keep: the last tagged version (--on-last-version skip)"
                if package_type in TAGGED_ONLY_TYPES
                else "keep: the last version (--on-last-version skip)"
            )
        if policy.keep_newer_than is not None and age < policy.keep_newer_than:
            j.keep.append(f"keep: --keep-newer-than {format_duration(policy.keep_newer_than)}")
        matched = [n for n in names(v) if any(p.matches(n) for p in policy.keep_tags)]
        if matched:
            j.keep.append(f"keep: --keep-tags matches {', '.join(matched)}")
        if policy.semver_range is not None:
            inside = [n for n in names(v) if _in_range(n, policy.semver_range)]
            if inside:
                j.keep.append(f"keep: --keep-semver {policy.keep_semver!r} ({', '.join(inside)})")
        if policy.keep_downloaded_within is not None and _downloaded(v, by_digest, dependents):
            window = format_duration(policy.keep_downloaded_within)
            j.keep.append(f"keep: --keep-downloaded-within {window}")
        if policy.untagged and tagged and not v.tags:
            j.delete.append("delete: --untagged")
        if policy.prerelease and _all_prereleases(package_type, names(v)):
            j.delete.append("delete: --prerelease")
        if policy.older_than is not None and age > policy.older_than:
            j.delete.append(f"delete: --older-than {format_duration(policy.older_than)}")
        hit = [n for n in names(v) if any(p.matches(n) for p in policy.tags)]
        if hit:
            j.delete.append(f"delete: --tags matches {', '.join(hit)}")
        if not policy.has_delete_rule and policy.judges_versions:
            j.delete.append("delete: no keep rule protects it")
    return judged


def _ranks(
    images: Sequence[VersionFacts], per: str | None, names: Names
) -> list[tuple[int, VersionFacts]]:
    """1-based rank of each image, newest first, within its stream when `per` is given."""
    seen: dict[str | None, int] = {}
    ranked: list[tuple[int, VersionFacts]] = []
    for v in images:  # already newest first
        key = _stream(names(v), per) if per else None
        seen[key] = seen.get(key, 0) + 1
        ranked.append((seen[key], v))
    return ranked


def _stream(names: Sequence[str], per: str | None) -> str | None:
    """`1.4` for `1.4.2` under `major.minor`: the highest version among the names."""
    parsed = [p for p in (semver.parse(n) for n in names) if p is not None]
    if not parsed:
        return None
    best = max(parsed)
    return str(best.major) if per == "major" else f"{best.major}.{best.minor}"


def _in_range(name: str, range_: semver.Range) -> bool:
    parsed = semver.parse(name)
    return parsed is not None and parsed in range_


def _all_prereleases(package_type: str, names: Sequence[str]) -> bool:
    """Semver pre-releases; and Maven's SNAPSHOTs, which semver cannot always read
    (`1.2.3.4-SNAPSHOT`), though Maven never treats one as a release."""
    return bool(names) and all(
        semver.is_prerelease(n) or is_snapshot(package_type, n) for n in names
    )


def _downloaded(
    v: VersionFacts, by_digest: dict[str, VersionFacts], dependents: Dependents
) -> bool:
    """Pulled within the window: the image itself or anything that follows it (a platform
    of a multi-arch image is what a client pulls after the index)."""
    seen = {v.name}
    stack = [v.name]
    while stack:
        current = by_digest.get(stack.pop())
        if current is None:
            continue
        if current.downloads:
            return True
        for child in dependents(current.name):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return False


@dataclass(frozen=True)
class PackageDecision:
    """A package's verdicts, or why none of its versions may be deleted (`error`), or that
    the package goes as a whole (`delete_package`)."""

    verdicts: list[Verdict]
    delete_package: bool = False
    error: str | None = None


def decide_package(
    policy: Policy, package_type: str, versions: Sequence[VersionFacts], now: datetime
) -> PackageDecision:
    """`decide`, then GitHub's last-version rule answered as `on-last-version` says.

    GitHub refuses to delete a container's last tagged version, and a Maven or Docker
    package's last version; an npm, NuGet or RubyGems package's last version takes the whole
    package with it. A plan never walks into either by accident.
    """
    verdicts = decide(policy, package_type, versions, now)
    tagged_only = package_type in TAGGED_ONLY_TYPES
    guarded = [v for v in verdicts if v.version.tags or not tagged_only]
    if not guarded or not all(v.delete for v in guarded):
        return PackageDecision(verdicts)
    what = "last tagged version" if tagged_only else "last version"
    if policy.on_last_version == "skip":
        newest = guarded[0].version.id  # verdicts are newest first
        return PackageDecision(decide(policy, package_type, versions, now, force_keep={newest}))
    if policy.on_last_version == "delete-package":
        if all(v.delete for v in verdicts):
            return PackageDecision(verdicts, delete_package=True)
        return PackageDecision(
            _all_kept(verdicts),
            error=f"the policy deletes the {what} but keeps other versions, so the package "
            "cannot be deleted as a whole; nothing in it is deleted",
        )
    return PackageDecision(
        _all_kept(verdicts),
        error=f"the policy would delete the {what}, which GitHub refuses; nothing in this "
        "package is deleted (--on-last-version skip keeps it, delete-package deletes the "
        "package)",
    )


def _all_kept(verdicts: list[Verdict]) -> list[Verdict]:
    return [
        Verdict(
            v.version, False, (*v.reasons, "kept: the package is left as it is"), v.role, v.depth
        )
        if v.delete
        else v
        for v in verdicts
    ]
