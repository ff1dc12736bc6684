"""The one table from domain errors to npm's answers: `{"error": message}` with the status
npm's CLI explains to its user."""

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

JSON = "application/json"
# npm asks for a login again on a 401 that names a Bearer realm.
CHALLENGE = 'Bearer realm="npm"'

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    BadRequest: 400,
    Unprocessable: 400,  # npm has no 422 of its own: a bad request, said plainly
    RateLimited: 429,  # npm's CLI waits and retries on 429
}


def status_for(error: DomainError) -> int:
    """A refusal with no row here is still answered, as a 500 with its message."""
    status = nearest(STATUS_BY_ERROR, error)
    return 500 if status is None else status


def error_response(error: DomainError) -> Response:
    status = status_for(error)
    headers = {"Content-Type": JSON}
    if status == 401:
        headers["WWW-Authenticate"] = CHALLENGE
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return Response(status, {"error": error.message}, headers)


def server_error() -> Response:
    """What a bug or a lost database answers: npm's shape, no traceback."""
    return Response(500, {"error": "Internal Server Error"}, {"Content-Type": JSON})


def refused(refusal: BodyRefused) -> Response:
    """A body too large (413) or whose client went silent (408), in npm's shape."""
    return Response(refusal.status, {"error": refusal.message}, {"Content-Type": JSON})
