"""Errors as GitHub's Maven, RubyGems and NuGet registries answer them: a status and a
`text/plain` message, which those clients print (Maven 3.8 the status line, `gem` the body,
nuget.exe a warning), and a Basic challenge, which they answer with their configured
credentials. One table from domain errors to statuses serves all three.

A missing or refused credential is answered with the words GitHub's registries use, so a
user's search for them finds GitHub's advice.
"""

from __future__ import annotations

from packyard.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unprocessable,
    nearest,
)
from packyard.http.request import BodyRefused
from packyard.http.response import Response

TEXT = "text/plain; charset=utf-8"
CHALLENGE = 'Basic realm="GitHub Package Registry"'
NOT_AUTHENTICATED = (
    "Your request could not be authenticated by the GitHub Packages service. "
    "Please ensure your access token is valid and has the appropriate scopes configured."
)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    BadRequest: 400,
    Unprocessable: 422,  # Maven: GitHub's answer to an upper-case artifactId
    RateLimited: 429,
}


def text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status,
        content=(message.rstrip("\n") + "\n").encode(),
        headers={"Content-Type": TEXT, **(headers or {})},
    )


def text_error(
    error: DomainError, *, unauthenticated: str | None = NOT_AUTHENTICATED
) -> tuple[int, str, dict[str, str]]:
    """The status, message and headers `error` is answered with; a 401 says
    `unauthenticated` (GitHub's words), or the error's own message when that is None."""
    status = nearest(STATUS_BY_ERROR, error) or 500
    headers: dict[str, str] = {}
    message = error.message
    if status == 401:
        headers["WWW-Authenticate"] = CHALLENGE
        message = unauthenticated or message
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return status, message, headers


def error_response(
    error: DomainError, *, unauthenticated: str | None = NOT_AUTHENTICATED
) -> Response:
    return text(*text_error(error, unauthenticated=unauthenticated))


def server_error() -> Response:
    """What a bug or a lost database answers: no traceback."""
    return text(500, "Internal Server Error")


def refused(refusal: BodyRefused) -> Response:
    """A body too large (413) or whose client went silent (408), said as every other
    error of these registries is."""
    return text(refusal.status, refusal.message)
