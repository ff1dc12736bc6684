"""A router on the raw path, where every route declares what it needs.

A route's path is a pattern of segments (`("users", "{username}")`; a `{name}` takes one
segment, percent-decoded after the split, so `tools%2Fcli` is one segment) or a matcher, a
function from the raw path to its parameters, for paths a pattern cannot say (OCI's names
hold `/` and are found from the end; npm's `@scope/name` comes as one segment or two).

Patterns are looked up by method and segment count, then compared in table order: the REST
API's fast path. Matchers come after, in table order, and the first that matches claims the
path: a method it has no route for is "not allowed" there (`knows()`), as OCI answers, not
tried against the next matcher.

`Route` has no defaults: what a route needs (`needs`, each app's own frozen dataclass, also
without defaults) is spelled out on every row, so a row that forgets fails at import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar
from urllib.parse import unquote

Pattern = tuple[str, ...]
Matcher = Callable[[str], "dict[str, str] | None"]
Params = dict[str, str]


class Routable(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def pattern(self) -> Pattern | Matcher: ...


H = TypeVar("H")
N = TypeVar("N")
R = TypeVar("R", bound=Routable)


@dataclass(frozen=True, slots=True)
class Route(Generic[H, N]):
    method: str
    pattern: Pattern | Matcher
    handler: H
    needs: N


def segments(raw_path: str) -> list[str]:
    stripped = raw_path.strip("/")
    return stripped.split("/") if stripped else []


def match_pattern(pattern: Pattern, parts: list[str]) -> Params | None:
    if len(pattern) != len(parts):
        return None
    params: Params = {}
    for expected, actual in zip(pattern, parts, strict=True):
        if expected.startswith("{"):
            params[expected[1:-1]] = unquote(actual)
        elif expected != actual:
            return None
    return params


class Router(Generic[R]):
    def __init__(self, routes: Sequence[R]) -> None:
        self.routes = tuple(routes)
        self._by_shape: dict[tuple[str, int], list[tuple[R, Pattern]]] = {}
        # One entry per matcher, in table order: the routes it leads to, by method.
        self._matchers: list[tuple[Matcher, dict[str, R]]] = []
        for route in routes:
            pattern = route.pattern
            if isinstance(pattern, tuple):
                shape = (route.method, len(pattern))
                self._by_shape.setdefault(shape, []).append((route, pattern))
                continue
            by_method = next((found for m, found in self._matchers if m is pattern), None)
            if by_method is None:
                by_method = {}
                self._matchers.append((pattern, by_method))
            if route.method in by_method:
                raise ValueError(f"two routes for {route.method} on {pattern!r}")
            by_method[route.method] = route

    def match(self, method: str, raw_path: str) -> tuple[R, Params] | None:
        """The route for `method` on `raw_path` and its parameters, or None."""
        stripped = raw_path.strip("/")
        parts = stripped.split("/") if stripped else []
        # `match_pattern` inlined: this loop is the REST API's per-request routing.
        for route, pattern in self._by_shape.get((method, len(parts)), ()):
            params: Params = {}
            for expected, actual in zip(pattern, parts, strict=True):
                if expected[0] == "{":
                    params[expected[1:-1]] = unquote(actual)
                elif expected != actual:
                    break
            else:
                return route, params
        for matcher, by_method in self._matchers:
            claimed = matcher(raw_path)
            if claimed is not None:
                route_for = by_method.get(method)
                return None if route_for is None else (route_for, claimed)
        return None

    def knows(self, raw_path: str) -> bool:
        """Whether some route, of any method, has this path (405 rather than 404)."""
        parts = segments(raw_path)
        for route in self.routes:
            pattern = route.pattern
            if isinstance(pattern, tuple):
                if match_pattern(pattern, parts) is not None:
                    return True
            elif pattern(raw_path) is not None:
                return True
        return False
