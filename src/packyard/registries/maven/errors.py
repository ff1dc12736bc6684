"""The one table from domain errors to Maven's answers: a status with a `text/plain`
message (Maven 3.8 prints the status line; newer clients print the body too), and Basic
challenges, which Maven answers by sending the credentials of its `settings.xml`."""

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

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    BadRequest: 400,
    Unprocessable: 422,  # GitHub's answer to an upper-case artifactId
    RateLimited: 429,
}


def error_response(error: DomainError) -> Response:
    status = nearest(STATUS_BY_ERROR, error) or 500
    headers = {"Content-Type": TEXT}
    if status == 401:
        headers["WWW-Authenticate"] = CHALLENGE
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return Response(status, content=(error.message + "\n").encode(), headers=headers)


def server_error() -> Response:
    """What a bug or a lost database answers: no traceback."""
    return Response(500, content=b"Internal Server Error\n", headers={"Content-Type": TEXT})
