"""Properties every prune decision keeps, over random container packages (hypothesis).

Whatever the policy: nothing a kept manifest lists or is referred by is deleted (a kept image
always pulls whole, with its signatures); an image a keep rule matches is never deleted; what
is deleted either was selected itself or only follows deleted manifests; and deletes go
parents first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from packyard.client.prune.decide import VersionFacts, decide
from packyard.client.prune.policy import Policy

NOW = datetime(2026, 11, 24, tzinfo=UTC)
TAGS = ["latest", "v1", "v1.2.0", "v2.0.0-rc.1", "stable", "dev"]


@st.composite
def packages(draw: Any) -> list[VersionFacts]:
    """Manifests with random tags and ages; an index lists older manifests, an attestation
    refers to an older one, as a registry only allows (content addresses form no cycles)."""
    count = draw(st.integers(min_value=1, max_value=14))
    versions: list[VersionFacts] = []
    for i in range(count):
        digest = f"sha256:{i:064x}"
        earlier = [v.name for v in versions]
        kind = draw(st.sampled_from(["image", "index", "referrer"])) if earlier else "image"
        children: tuple[str, ...] = ()
        subject = None
        if kind == "index":
            children = tuple(
                draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=3, unique=True))
            )
        elif kind == "referrer":
            subject = draw(st.sampled_from(earlier))
        tags = tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True)))
        # Tags are unique within a package: a tag names at most one version.
        taken = {t for v in versions for t in v.tags}
        tags = tuple(t for t in tags if t not in taken)
        age = timedelta(days=draw(st.integers(min_value=0, max_value=400)))
        versions.append(
            VersionFacts(
                id=i + 1,
                name=digest,
                created_at=NOW - timedelta(days=400) + timedelta(days=i),
                updated_at=NOW - age,
                tags=tags,
                downloads=draw(st.sampled_from([None, 0, 1])),
                children=children,
                subject=subject,
            )
        )
    return versions


@st.composite
def policies(draw: Any) -> Policy:
    options: dict[str, Any] = {}
    if draw(st.booleans()):
        options["keep-last"] = draw(st.integers(min_value=0, max_value=4))
    if draw(st.booleans()):
        options["keep-tags"] = draw(st.sampled_from(["latest", "v*", "re:v\\d+", "stable,dev"]))
    if draw(st.booleans()):
        options["keep-newer-than"] = draw(st.sampled_from(["7d", "90d"]))
    if draw(st.booleans()):
        options["keep-semver"] = draw(st.sampled_from([">=1.0", "^1", ">1"]))
    if draw(st.booleans()):
        options["untagged"] = True
    if draw(st.booleans()):
        options["prerelease"] = True
    if draw(st.booleans()):
        options["older-than"] = draw(st.sampled_from(["30d", "200d"]))
    if draw(st.booleans()):
        options["tags"] = draw(st.sampled_from(["v1*", "dev"]))
    if not options:
        options["untagged"] = True
    return Policy.from_options(options)


@settings(max_examples=400, deadline=None)
@given(versions=packages(), policy=policies())
def test_a_prune_never_breaks_what_it_keeps(versions: list[VersionFacts], policy: Policy) -> None:
    verdicts = {v.version.name: v for v in decide(policy, "container", versions, NOW)}
    assert set(verdicts) == {v.name for v in versions}
    kept = {name for name, v in verdicts.items() if not v.delete}
    by_name = {v.name: v for v in versions}
    for name in kept:
        # Everything a kept manifest lists stays.
        assert set(by_name[name].children) <= kept, name
        # Everything that refers to a kept manifest stays.
        for other in versions:
            if other.subject == name:
                assert other.name in kept, (other.name, name)
    for name, verdict in verdicts.items():
        if verdict.role == "image" and any(r.startswith("keep:") for r in verdict.reasons):
            assert not verdict.delete, name  # keep beats delete
        if verdict.delete:
            # Deleted: selected by a rule, or only following deleted manifests.
            assert verdict.reasons and verdict.reasons[0].startswith("delete:"), verdict
            parents = [
                v.name for v in versions if name in v.children or v.name == by_name[name].subject
            ]
            if verdict.role != "image":
                holders = [v for v in versions if name in v.children] + [
                    by_name[s] for s in [by_name[name].subject] if s in by_name
                ]
                assert all(verdicts[h.name].delete for h in holders if h.name in verdicts)
                # Parents go first: every deleted holder sits at a smaller depth.
                assert all(
                    verdicts[h.name].depth < verdict.depth
                    for h in holders
                    if verdicts[h.name].delete and verdicts[h.name].role == "image"
                ), parents


@settings(max_examples=300, deadline=None)
@given(
    versions=packages(),
    policy=policies(),
    answer=st.sampled_from(["fail", "skip", "delete-package"]),
)
def test_the_last_tagged_version_is_never_deleted_by_accident(
    versions: list[VersionFacts], policy: Policy, answer: str
) -> None:
    from dataclasses import replace

    from packyard.client.prune.decide import decide_package

    decision = decide_package(replace(policy, on_last_version=answer), "container", versions, NOW)
    tagged = [v for v in decision.verdicts if v.version.tags]
    if decision.error is not None:
        assert not any(v.delete for v in decision.verdicts)
    elif decision.delete_package:
        assert answer == "delete-package" and all(v.delete for v in decision.verdicts)
    elif tagged:
        assert any(not v.delete for v in tagged), "every tagged version would go"
