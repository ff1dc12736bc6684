"""Domain exceptions. Each wire format maps them to its own error bodies in one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

V = TypeVar("V")


class DomainError(Exception):
    """Base of every error a use case raises on purpose; `message` is shown to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class Unauthenticated(DomainError):
    pass


class Forbidden(DomainError):
    """The caller can see the resource but may not act; carries what would be accepted."""

    def __init__(self, message: str, accepted_scopes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.accepted_scopes = accepted_scopes


class BadRequest(DomainError):
    pass


class Conflict(DomainError):
    pass


class Unprocessable(DomainError):
    pass


class RateLimited(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SecondaryRateLimited(RateLimited):
    """Too many points too fast: GitHub answers 403 with Retry-After, not 429."""


def nearest(table: Mapping[type[DomainError], V], error: DomainError) -> V | None:
    """The row of a wire format's error table for `error`: its own class's, or its nearest
    ancestor's (each protocol maps the domain's errors in one such table)."""
    for cls in type(error).__mro__:
        if cls in table:
            return table[cls]
    return None
