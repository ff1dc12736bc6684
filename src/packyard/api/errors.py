"""The one table from domain errors to GitHub's JSON error responses."""

from __future__ import annotations

from packyard.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    SecondaryRateLimited,
    Unauthenticated,
    Unprocessable,
    nearest,
)

DOCS = "https://docs.github.com/rest"
PACKAGES_DOCS = "https://docs.github.com/rest/packages/packages"

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unprocessable: 422,
    RateLimited: 429,
    SecondaryRateLimited: 403,
}


def status_for(error: DomainError) -> int:
    status = nearest(STATUS_BY_ERROR, error)
    return 500 if status is None else status


def error_body(message: str, status: int, documentation_url: str = DOCS) -> dict[str, str]:
    return {"message": message, "documentation_url": documentation_url, "status": str(status)}
