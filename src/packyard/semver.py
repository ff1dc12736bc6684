"""Semantic Versioning 2.0.0: versions, their precedence, and npm's range syntax.

A leaf module (standard library only) shared by the server's npm rules and the SDK's retention
policies, so that "latest", "pre-release" and ">=2.0" mean the same thing on both sides.

Ranges follow node-semver, the grammar npm and most package tools accept: comparators
(`>=1.2.3 <2`), x-ranges (`1.x`, `1.2.*`, `1`), tilde (`~1.2`), caret (`^0.3.1`), hyphens
(`1.2 - 2.3.4`) and `||`. As in npm, a pre-release satisfies a range only when a comparator
of the same range names a pre-release of the same `major.minor.patch`.

>>> satisfies("2.1.0", ">=2.0")
True
>>> satisfies("2.1.0-beta.1", ">=2.0"), satisfies("2.1.0-beta.2", ">=2.1.0-beta.1")
(False, True)
>>> parse("v1.4").release, is_prerelease("1.0-SNAPSHOT")
((1, 4, 0), True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

# Semantic Versioning 2.0.0, as npm's `semver.valid` accepts it.
STRICT = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
# What tags and Maven-style names look like in practice: `v2`, `1.4`, `1.0-SNAPSHOT`.
LOOSE = re.compile(
    r"[vV=]?(\d+)(?:\.(\d+)(?:\.(\d+))?)?"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_PARTIAL = (
    r"[vV=]?(?:[xX*]|\d+)"
    r"(?:\.(?:[xX*]|\d+)(?:\.(?:[xX*]|\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)?)?"
)
_COMPARATOR = re.compile(rf"(<=|>=|<|>|=|\^|~>?|)\s*({_PARTIAL})")
_HYPHEN = re.compile(rf"\s*({_PARTIAL})\s+-\s+({_PARTIAL})\s*")

Identifier = tuple[int, int | str]


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    @property
    def release(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def key(self) -> tuple[int, int, int, int, tuple[Identifier, ...]]:
        """Precedence: numbers, then a release above its pre-releases, then identifiers
        (numeric below alphanumeric); build metadata never counts."""
        if not self.prerelease:
            return (*self.release, 1, ())
        parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.prerelease)
        return (*self.release, 0, parts)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.key() < other.key()


def parse_strict(text: str) -> Version | None:
    match = STRICT.fullmatch(text)
    if match is None:
        return None
    return _version(match.group(1), match.group(2), match.group(3), match.group(4))


def parse(text: str) -> Version | None:
    """A version, forgiving a leading `v` and a missing minor or patch (which count as 0)."""
    match = LOOSE.fullmatch(text.strip())
    if match is None:
        return None
    return _version(match.group(1), match.group(2), match.group(3), match.group(4))


def _version(major: str, minor: str | None, patch: str | None, pre: str | None) -> Version | None:
    """None for numbers too long to be numbers (Python refuses ints of over 4,300 digits
    from text): such a name is no version, not a reason to fail whoever reads it."""
    try:
        return Version(
            int(major), int(minor or 0), int(patch or 0), tuple(pre.split(".")) if pre else ()
        )
    except ValueError:
        return None


def is_valid(text: str) -> bool:
    return STRICT.fullmatch(text) is not None


def is_prerelease(text: str) -> bool:
    """True for a version with a pre-release part (`2.0.0-rc.1`, `1.0-SNAPSHOT`) and
    nothing else: `nightly` or `1.0.0.Final` are not versions at all."""
    version = parse(text)
    return version is not None and bool(version.prerelease)


def sort_key(text: str) -> tuple[int, int, int, int, tuple[Identifier, ...]]:
    """Precedence key for a strict version; anything else sorts below every version."""
    version = parse_strict(text)
    return version.key() if version else (0, 0, 0, 0, ())


# ranges -------------------------------------------------------------------------------


class InvalidRange(ValueError):
    pass


@dataclass(frozen=True)
class _Bound:
    op: str  # one of < <= > >= =
    version: Version

    def test(self, version: Version) -> bool:
        a, b = version.key(), self.version.key()
        return {
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
            "=": a == b,
        }[self.op]


@dataclass(frozen=True)
class _Partial:
    """`1`, `1.2`, `1.2.x`, `1.2.3-rc.1`: which parts were given."""

    parts: tuple[int | None, int | None, int | None]
    prerelease: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> _Partial:
        text = text.lstrip("vV=")
        core, _, _build = text.partition("+")
        core, _, pre = core.partition("-")
        pieces = core.split(".")
        numbers: list[int | None] = [None if p in ("x", "X", "*") else int(p) for p in pieces]
        # Everything after a wildcard is a wildcard too (`1.x.3` is `1.x`).
        for i, value in enumerate(numbers):
            if value is None:
                numbers[i:] = [None] * (len(numbers) - i)
                break
        numbers += [None] * (3 - len(numbers))
        return cls((numbers[0], numbers[1], numbers[2]), tuple(pre.split(".")) if pre else ())

    @property
    def given(self) -> int:
        return sum(1 for p in self.parts if p is not None)

    def floor(self) -> Version:
        major, minor, patch = (p or 0 for p in self.parts)
        return Version(major, minor, patch, self.prerelease)

    def next_after(self, level: int) -> Version:
        """The first release above this partial at `level` (0 major, 1 minor, 2 patch)."""
        values = [p or 0 for p in self.parts]
        values[level] += 1
        values[level + 1 :] = [0] * (2 - level)
        return Version(values[0], values[1], values[2], ("0",))


def _comparator_bounds(op: str, partial: _Partial) -> list[_Bound]:
    given = partial.given
    if op in ("", "="):
        if given == 0:
            return []
        if given == 3:
            return [_Bound("=", partial.floor())]
        return [_Bound(">=", partial.floor()), _Bound("<", partial.next_after(given - 1))]
    if op in ("~", "~>"):
        if given == 0:
            return []
        level = 0 if given == 1 else 1
        return [_Bound(">=", partial.floor()), _Bound("<", partial.next_after(level))]
    if op == "^":
        if given == 0:
            return []
        major, minor, _patch = partial.parts
        if major != 0 or given == 1:
            level = 0
        elif minor != 0 or given == 2:
            level = 1
        else:
            level = 2
        return [_Bound(">=", partial.floor()), _Bound("<", partial.next_after(level))]
    if given == 0:
        return [_Bound("<", Version(0, 0, 0, ("0",)))] if op in ("<", ">") else []
    if op == ">":
        if given == 3:
            return [_Bound(">", partial.floor())]
        # `>1` is `>=2.0.0`, with no `-0`: its pre-releases stay out, as in npm.
        return [_Bound(">=", _drop_pre(partial.next_after(given - 1), keep=False))]
    if op == ">=":
        return [_Bound(">=", partial.floor())]
    if op == "<":
        return [_Bound("<", partial.floor() if given == 3 else _drop_pre(partial.floor()))]
    # "<=": up to the end of what the partial names
    if given == 3:
        return [_Bound("<=", partial.floor())]
    return [_Bound("<", partial.next_after(given - 1))]


def _drop_pre(version: Version, keep: bool = True) -> Version:
    """The same release with the lowest pre-release (`-0`), or (`keep=False`) none."""
    return Version(version.major, version.minor, version.patch, ("0",) if keep else ())


@dataclass(frozen=True)
class Range:
    """A parsed npm range: `||` of sets of bounds that must all hold."""

    text: str
    alternatives: tuple[tuple[_Bound, ...], ...]

    def __contains__(self, version: object) -> bool:
        if not isinstance(version, Version):
            return False
        return any(_set_allows(bounds, version) for bounds in self.alternatives)


def _set_allows(bounds: tuple[_Bound, ...], version: Version) -> bool:
    if not all(bound.test(version) for bound in bounds):
        return False
    if not version.prerelease:
        return True
    # npm: a pre-release is in range only beside a pre-release bound of the same release.
    return any(b.version.prerelease and b.version.release == version.release for b in bounds)


def parse_range(text: str) -> Range:
    alternatives: list[tuple[_Bound, ...]] = []
    for alternative in text.split("||"):
        bounds: list[_Bound] = []
        hyphen = _HYPHEN.fullmatch(alternative)
        if hyphen:
            low, high = _Partial.parse(hyphen.group(1)), _Partial.parse(hyphen.group(2))
            bounds += _comparator_bounds(">=", low)
            bounds += _comparator_bounds("<=", high)
        else:
            rest = alternative.strip()
            while rest:
                match = _COMPARATOR.match(rest)
                if match is None or not match.group(2):
                    raise InvalidRange(f"{text!r} is not a version range (at {rest!r})")
                bounds += _comparator_bounds(match.group(1), _Partial.parse(match.group(2)))
                rest = rest[match.end() :].lstrip()
        alternatives.append(tuple(bounds))
    return Range(text, tuple(alternatives))


def satisfies(version: str, range_text: str) -> bool:
    """Whether `version` (read loosely: `v2.1`) lies in the npm range `range_text`."""
    parsed = parse(version)
    return parsed is not None and parsed in parse_range(range_text)
