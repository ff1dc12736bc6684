"""Our semver against node-semver itself (the pinned `semver` in tests/js), case by case."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from packyard import semver
from tests.requirements import NODE_SEMVER

JS = Path(__file__).parents[1] / "js"
NODE_SEMVER_DIR = JS / "node_modules" / "semver"

RANGES = [
    ">=2.0",
    ">2",
    ">1.2",
    ">1.2.3",
    "<2",
    "<1.2",
    "<=1.2",
    "<=1.2.3",
    "=1.2.3",
    "1.2.3",
    "1",
    "1.x",
    "1.2.*",
    "*",
    "",
    "~1.2",
    "~1",
    "~1.2.3",
    "~0.2.3",
    "~>1.2",
    "^1.2.3",
    "^0.2.3",
    "^0.0.3",
    "^0.0",
    "^0",
    "^1.2.3-beta.2",
    ">=1.0.0-0",
    "1.2 - 2.3.4",
    "1.2.3 - 2",
    ">=1.2.3 <2.0.0",
    ">= 1.2 < 3",
    "<1.0.0 || >=2.1",
    "v1.2.3",
    ">=2.0.0-rc.1 <2.0.0",
    ">1",  # >=2.0.0, not >=2.0.0-0: 2.0.0-rc.1 stays out
    ">1.x",
    ">0",
    ">1.0",
]
VERSIONS = [
    "0.0.3",
    "0.0.4",
    "0.2.3",
    "0.2.9",
    "0.3.0",
    "1.0.0",
    "1.1.9",
    "1.2.0",
    "1.2.3",
    "1.2.4",
    "1.3.0",
    "1.9.9",
    "2.0.0",
    "2.0.0-rc.1",
    "2.0.0-rc.2",
    "2.0.0-0",
    "2.1.0",
    "2.1.0-beta.1",
    "1.2.3-beta.2",
    "1.2.3-beta.10",
    "1.2.4-alpha",
    "1.0.0-alpha",
    "2.3.4",
    "2.3.5",
    "2.9.9",
    "3.0.0",
    "10.0.0",
]


def node_semver_answers(
    ranges: list[str] = RANGES, versions: list[str] = VERSIONS
) -> dict[str, dict[str, bool | None]]:
    """node-semver's `satisfies` for each pair; None where it refuses the range."""
    node = NODE_SEMVER.command("node")
    if not NODE_SEMVER_DIR.exists():
        NODE_SEMVER.missing(f"node-semver is not installed at {NODE_SEMVER_DIR}")
    script = (
        "const s = require(process.argv[1]);"
        "const [ranges, versions] = JSON.parse(process.argv[2]);"
        "const out = {};"
        "for (const r of ranges) { out[r] = {}; let valid = true;"
        "  try { new s.Range(r); } catch (e) { valid = false; }"
        "  for (const v of versions) out[r][v] = valid ? s.satisfies(v, r) : null; }"
        "console.log(JSON.stringify(out));"
    )
    done = subprocess.run(
        [node, "-e", script, str(NODE_SEMVER_DIR), json.dumps([ranges, versions])],
        capture_output=True,
        text=True,
        check=True,
    )
    answers: dict[str, dict[str, bool | None]] = json.loads(done.stdout)
    return answers


def test_ranges_agree_with_node_semver() -> None:
    expected = node_semver_answers()
    disagreements = [
        f"{version} in {range_text!r}: node-semver {expected[range_text][version]}"
        for range_text in RANGES
        for version in VERSIONS
        if semver.satisfies(version, range_text) != expected[range_text][version]
    ]
    assert disagreements == []


def test_precedence_is_semver_2() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
        "2.0.0",
    ]
    assert sorted(reversed(ordered), key=semver.sort_key) == ordered


@pytest.mark.parametrize(
    ("name", "prerelease"),
    [
        ("2.0.0-rc.1", True),
        ("1.0-SNAPSHOT", True),
        ("v3.1.0-beta", True),
        ("1.0.0", False),
        ("v2", False),
        ("nightly", False),  # not a version at all, so not a pre-release
        ("1.0.0.Final", False),
        ("latest", False),
    ],
)
def test_prerelease_means_a_semver_prerelease(name: str, prerelease: bool) -> None:
    assert semver.is_prerelease(name) is prerelease


@pytest.mark.parametrize("text", [">=", "1.2.3 -", "abc", ">=1.2 foo"])
def test_nonsense_ranges_are_refused(text: str) -> None:
    with pytest.raises(semver.InvalidRange):
        semver.parse_range(text)


def _random_ranges_and_versions(seed: int) -> tuple[list[str], list[str]]:
    """Ranges from npm's grammar (partials, x-ranges, operators, hyphens, `||`), and
    versions with and without pre-releases; a fixed seed keeps the run repeatable."""
    rnd = random.Random(seed)

    def number() -> str:
        return str(rnd.choice([0, 0, 1, 1, 2, 3, 10]))

    def partial() -> str:
        parts = [rnd.choice(["x", "X", "*"]) if rnd.random() < 0.1 else number()]
        parts += [
            rnd.choice(["x", "*"]) if rnd.random() < 0.1 else number()
            for _ in range(rnd.choice([0, 1, 2, 2, 2]))
        ]
        text = ".".join(parts)
        if len(parts) == 3 and all(p.isdigit() for p in parts) and rnd.random() < 0.3:
            text += "-" + rnd.choice(["alpha", "beta.1", "rc.2", "0", "alpha.beta"])
        return ("v" if rnd.random() < 0.1 else "") + text

    def comparator() -> str:
        return rnd.choice(["", "=", ">", ">=", "<", "<=", "~", "^", "~>"]) + partial()

    def alternative() -> str:
        if rnd.random() < 0.15:
            return f"{partial()} - {partial()}"
        return " ".join(comparator() for _ in range(rnd.choice([1, 1, 2])))

    ranges = [
        " || ".join(alternative() for _ in range(rnd.choice([1, 1, 1, 2]))) for _ in range(300)
    ]
    versions = []
    for _ in range(50):
        version = f"{number()}.{number()}.{number()}"
        if rnd.random() < 0.3:
            version += "-" + rnd.choice(["alpha", "beta.1", "beta.2", "rc.1", "0", "1"])
        versions.append(version)
    return ranges, sorted(set(versions))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_ranges_agree_with_node_semver(seed: int) -> None:
    ranges, versions = _random_ranges_and_versions(seed)
    expected = node_semver_answers(ranges, versions)
    disagreements = []
    for range_text in ranges:
        if expected[range_text][versions[0]] is None:
            continue  # node-semver refuses it; ours may be more forgiving
        try:
            parsed = semver.parse_range(range_text)
        except semver.InvalidRange:
            disagreements.append(f"{range_text!r}: refused, node-semver takes it")
            continue
        disagreements += [
            f"{version} in {range_text!r}: node-semver {expected[range_text][version]}"
            for version in versions
            if (semver.parse(version) in parsed) != expected[range_text][version]
        ]
    assert disagreements == []
