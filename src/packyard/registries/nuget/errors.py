"""The one table from domain errors to NuGet's answers: a status, a `text/plain` message,
and the same message in `X-NuGet-Warning`, the header nuget.exe and `dotnet nuget` print as
a `warn :` line beside the status (its reason phrase is HTTP's own, never ours).

A missing or refused credential is answered with the words GitHub's registries use, and a
Basic challenge: nuget.config's `packageSourceCredentials` are sent only after one.
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
WARNING_HEADER = "X-NuGet-Warning"
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


def warning(message: str) -> str:
    """`message` as a header value: one line, ASCII (a header is Latin-1 on the wire and
    an id may not be)."""
    return " ".join(message.split()).encode("ascii", "replace").decode("ascii")


def error_response(error: DomainError) -> Response:
    status = nearest(STATUS_BY_ERROR, error) or 500
    message = NOT_AUTHENTICATED if status == 401 else error.message
    headers = {WARNING_HEADER: warning(message)}
    if status == 401:
        headers["WWW-Authenticate"] = CHALLENGE
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return text(status, message, headers)


def server_error() -> Response:
    """What a bug or a lost database answers: no traceback."""
    return text(500, "Internal Server Error")
