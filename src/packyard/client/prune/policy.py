"""A retention policy: keep rules, delete rules, and what to do about a last version.

The names are the command line's (`keep-last`, `older-than`...), in flags and in policy files
alike. A version is deleted when a delete rule selects it and no keep rule protects it; with
no delete rule at all, every version that no keep rule protects is deleted.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any, Literal

from packyard import semver

OnLastVersion = Literal["fail", "skip", "delete-package"]
ON_LAST_VERSION: tuple[OnLastVersion, ...] = ("fail", "skip", "delete-package")
# Streams `--keep-last N --per ...` counts within.
STREAMS = ("major", "major.minor")
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
REGEX_PREFIX = "re:"


class PolicyError(ValueError):
    """A policy that cannot be applied as written; the message says which part and why."""


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """`90d`, `12h`, `2w`, `1d12h`: a span of time, as the retention flags take it.

    >>> parse_duration("1d12h")
    datetime.timedelta(days=1, seconds=43200)
    """
    compact = str(text).strip().lower()
    if not compact or _DURATION.sub("", compact).strip():
        raise PolicyError(f"{option}: {text!r} is not a duration such as 30d, 12h or 2w")
    total = timedelta()
    for amount, unit in _DURATION.findall(compact):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total


def format_duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Pattern:
    """A glob (`v*`, `release-?`) or, after `re:`, a regular expression matched in full.

    >>> Pattern("v1.*").matches("v1.2"), Pattern(r"re:v\\d+").matches("v12")
    (True, True)
    """

    text: str

    def __post_init__(self) -> None:
        if self.text.startswith(REGEX_PREFIX):
            try:
                re.compile(self.text[len(REGEX_PREFIX) :])
            except re.error as error:
                raise PolicyError(f"{self.text!r} is not a regular expression: {error}") from None
        elif not self.text:
            raise PolicyError("an empty pattern matches nothing; leave it out")

    def matches(self, value: str) -> bool:
        if self.text.startswith(REGEX_PREFIX):
            return re.fullmatch(self.text[len(REGEX_PREFIX) :], value) is not None
        return fnmatch.fnmatchcase(value, self.text)


def parse_patterns(values: str | Iterable[str] | None) -> tuple[Pattern, ...]:
    """Comma-separated or repeated: `'latest,v*'`. A regex holding a comma goes in its own
    flag or list entry, which is taken whole when it starts with `re:`."""
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    found: list[Pattern] = []
    for item in items:
        item = str(item)
        parts = [item] if item.startswith(REGEX_PREFIX) else item.split(",")
        found += [Pattern(p.strip()) for p in parts if p.strip()]
    return tuple(found)


@dataclass(frozen=True)
class PackageSelector:
    """Names or globs; `!pattern` excludes. With no positive pattern, every package is in.

    >>> s = PackageSelector.parse(["app-*", "!app-legacy"])
    >>> s.selects("app-web"), s.selects("app-legacy"), s.selects("tools")
    (True, False, False)
    """

    include: tuple[Pattern, ...] = ()
    exclude: tuple[Pattern, ...] = ()

    @classmethod
    def parse(cls, values: Iterable[str]) -> PackageSelector:
        include: list[Pattern] = []
        exclude: list[Pattern] = []
        for value in values:
            for pattern in parse_patterns(value):
                if pattern.text.startswith("!"):
                    exclude.append(Pattern(pattern.text[1:]))
                else:
                    include.append(pattern)
        return cls(tuple(include), tuple(exclude))

    def unscoped(self, owner: str) -> PackageSelector:
        """The same patterns with npm's `@owner/` dropped from names that carry it.

        >>> PackageSelector.parse(["@alice/lib", "!@Alice/old"]).unscoped("alice").selects("lib")
        True
        """
        scope = f"@{owner.lower()}/"

        def drop(patterns: tuple[Pattern, ...]) -> tuple[Pattern, ...]:
            return tuple(
                Pattern(p.text[len(scope) :]) if p.text.lower().startswith(scope) else p
                for p in patterns
            )

        return PackageSelector(drop(self.include), drop(self.exclude))

    def selects(self, name: str) -> bool:
        if any(p.matches(name) for p in self.exclude):
            return False
        return not self.include or any(p.matches(name) for p in self.include)


@dataclass(frozen=True)
class Policy:
    """Keep rules, delete rules, and the answer to GitHub's last-version rule."""

    keep_last: int | None = None
    per: str | None = None
    keep_newer_than: timedelta | None = None
    keep_tags: tuple[Pattern, ...] = ()
    keep_semver: str | None = None
    keep_downloaded_within: timedelta | None = None
    untagged: bool = False
    prerelease: bool = False
    older_than: timedelta | None = None
    tags: tuple[Pattern, ...] = ()
    on_last_version: OnLastVersion = "fail"
    # Trims builds inside SNAPSHOT versions; neither keeps nor deletes a version.
    keep_snapshot_builds: int | None = None
    _range: semver.Range | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.keep_last is not None and self.keep_last < 0:
            raise PolicyError("keep-last: must be 0 or more")
        if self.per is not None:
            if self.per not in STREAMS:
                raise PolicyError(f"per: {self.per!r} must be one of {', '.join(STREAMS)}")
            if self.keep_last is None:
                raise PolicyError("per: counts streams for keep-last; give keep-last too")
        if self.on_last_version not in ON_LAST_VERSION:
            raise PolicyError(f"on-last-version: must be one of {', '.join(ON_LAST_VERSION)}")
        if self.keep_semver is not None:
            try:
                object.__setattr__(self, "_range", semver.parse_range(self.keep_semver))
            except semver.InvalidRange as error:
                raise PolicyError(f"keep-semver: {error}") from None
        if self.keep_snapshot_builds is not None and self.keep_snapshot_builds < 1:
            raise PolicyError(
                "keep-snapshot-builds: must be 1 or more (a SNAPSHOT version keeps at least "
                "one build; --prerelease deletes SNAPSHOT versions whole)"
            )
        if not self.judges_versions and self.keep_snapshot_builds is None:
            raise PolicyError(
                "no rules: give a keep rule (keep-last, keep-newer-than, keep-tags, "
                "keep-semver, keep-downloaded-within), a delete rule (untagged, "
                "prerelease, older-than, tags) or keep-snapshot-builds; pruning with none "
                "would delete everything"
            )

    @property
    def semver_range(self) -> semver.Range | None:
        return self._range

    @property
    def has_keep_rule(self) -> bool:
        return bool(
            self.keep_last is not None
            or self.keep_newer_than
            or self.keep_tags
            or self.keep_semver
            or self.keep_downloaded_within
        )

    @property
    def has_delete_rule(self) -> bool:
        return bool(self.untagged or self.prerelease or self.older_than or self.tags)

    @property
    def judges_versions(self) -> bool:
        """False when the only rule is keep-snapshot-builds: then every version is kept,
        where "no delete rule" would otherwise mean "delete what no keep rule protects"."""
        return self.has_keep_rule or self.has_delete_rule

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Policy:
        """From flag names (`keep-last` or `keep_last`), as the CLI and policy files give them;
        unknown names are refused, so a typo never silently widens a prune."""
        names = {f.name for f in fields(cls) if not f.name.startswith("_")}
        given = {str(k).replace("-", "_"): v for k, v in options.items() if v is not None}
        unknown = sorted(set(given) - names)
        if unknown:
            raise PolicyError(f"unknown rule(s): {', '.join(u.replace('_', '-') for u in unknown)}")
        values: dict[str, Any] = {}
        for name, value in given.items():
            option = name.replace("_", "-")
            if name in ("keep_newer_than", "keep_downloaded_within", "older_than"):
                values[name] = parse_duration(value, option)
            elif name in ("keep_tags", "tags"):
                values[name] = parse_patterns(value)
            elif name in ("keep_last", "keep_snapshot_builds"):
                values[name] = _integer(value, option)
            elif name in ("untagged", "prerelease"):
                if not isinstance(value, bool):
                    raise PolicyError(f"{option}: must be true or false")
                values[name] = value
            else:
                values[name] = str(value)
        return cls(**values)

    def to_options(self) -> dict[str, Any]:
        """The policy under its flag names, for plans and reports (the inverse of
        `from_options`)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.startswith("_") or value in (None, (), False):
                continue
            if isinstance(value, timedelta):
                value = format_duration(value)
            elif isinstance(value, tuple):
                value = [p.text for p in value]
            out[f.name.replace("_", "-")] = value
        return out


def _integer(value: Any, option: str) -> int:
    if isinstance(value, bool):
        raise PolicyError(f"{option}: must be a whole number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PolicyError(f"{option}: {value!r} must be a whole number") from None
