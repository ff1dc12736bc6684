"""The one table from domain errors to RubyGems' answers: a status and a `text/plain`
message, which `gem` prints as it is and Bundler shows with the status.

A missing or refused credential is answered with the words GitHub's registries use, so a
user's search for them finds GitHub's advice; with a Basic challenge, which Bundler answers
by asking for the source's credentials.
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
    Unprocessable: 422,
    RateLimited: 429,
}


def text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status,
        content=(message.rstrip("\n") + "\n").encode(),
        headers={"Content-Type": TEXT, **(headers or {})},
    )


def error_response(error: DomainError) -> Response:
    status = nearest(STATUS_BY_ERROR, error) or 500
    headers: dict[str, str] = {}
    message = error.message
    if status == 401:
        headers["WWW-Authenticate"] = CHALLENGE
        message = NOT_AUTHENTICATED
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return text(status, message, headers)


def server_error() -> Response:
    """What a bug or a lost database answers: no traceback."""
    return text(500, "Internal Server Error")
