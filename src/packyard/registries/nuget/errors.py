"""NuGet's answers: the plain-text errors GitHub's registries share
(`registries/text_errors.py`), with the message also in `X-NuGet-Warning`, the header
nuget.exe and `dotnet nuget` print as a `warn :` line beside the status (its reason phrase
is HTTP's own, never ours). nuget.config's `packageSourceCredentials` are sent only after
the Basic challenge."""

from __future__ import annotations

from packyard.domain.errors import DomainError
from packyard.http.request import BodyRefused
from packyard.http.response import Response
from packyard.registries.text_errors import server_error, text, text_error

__all__ = ["error_response", "refused", "server_error", "text"]

WARNING_HEADER = "X-NuGet-Warning"


def warning(message: str) -> str:
    """`message` as a header value: one line, ASCII (a header is Latin-1 on the wire and
    an id may not be)."""
    return " ".join(message.split()).encode("ascii", "replace").decode("ascii")


def error_response(error: DomainError) -> Response:
    status, message, headers = text_error(error)
    return text(status, message, {**headers, WARNING_HEADER: warning(message)})


def refused(refusal: BodyRefused) -> Response:
    """A body too large (413) or whose client went silent (408), with its warning."""
    return text(refusal.status, refusal.message, {WARNING_HEADER: warning(refusal.message)})
