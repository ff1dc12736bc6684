"""The SDK's exceptions.

PackyardClientError
├── TransportError                 the server could not be reached or did not answer
└── HTTPStatusError                the server answered 4xx/5xx (.status, .message, .response)
    ├── BadRequest                 400
    │   ├── LastVersionError       "You cannot delete the last version of a package..."
    │   ├── LastTaggedVersionError "You cannot delete the last tagged version..."
    │   └── DownloadLimitError     "...more than 5000 downloads cannot be deleted..."
    ├── Unauthorized               401
    ├── Forbidden                  403
    │   └── ScopeError             403 for missing scopes (.accepted_scopes, .granted_scopes)
    ├── NotFound                   404 (GitHub's answer for "cannot see" too)
    ├── Conflict                   409
    ├── ValidationFailed           422
    ├── RateLimited                403/429 for a primary or secondary limit (.reset_at)
    └── ServerError                5xx
"""

from __future__ import annotations

from datetime import datetime

import httpx


class PackyardClientError(Exception):
    """Base of every error this SDK raises.

    >>> try:
    ...     client.rest.packages.get_package_for_user(  # doctest: +SKIP
    ...         package_type="npm", package_name="x", username="alice")
    ... except PackyardClientError as error:
    ...     print(error)
    """


class TransportError(PackyardClientError):
    """The request never got an answer (connection refused, timeout, reset...).

    Raised after the retries: `except TransportError: ...` to treat the server as down.

    >>> issubclass(TransportError, PackyardClientError)
    True
    """


class HTTPStatusError(PackyardClientError):
    """The server answered 4xx or 5xx; `.status`, `.message` and `.response` say how.

    >>> issubclass(NotFound, HTTPStatusError)
    True
    """

    def __init__(self, response: httpx.Response, message: str) -> None:
        super().__init__(f"{response.status_code}: {message}")
        self.response = response
        self.status = response.status_code
        self.message = message


class BadRequest(HTTPStatusError):
    """400: GitHub refused the request as asked.

    >>> issubclass(DownloadLimitError, BadRequest)
    True
    """


class LastVersionError(BadRequest):
    """The only version of a maven or docker package: delete the package instead.

    >>> issubclass(LastVersionError, BadRequest)
    True
    """


class LastTaggedVersionError(BadRequest):
    """The only tagged version of a container package: delete the package instead.

    >>> issubclass(LastTaggedVersionError, BadRequest)
    True
    """


class DownloadLimitError(BadRequest):
    """A public version (or package) downloaded more than 5,000 times.

    >>> issubclass(DownloadLimitError, BadRequest)
    True
    """


class Unauthorized(HTTPStatusError):
    """401: no credentials, or bad, revoked or expired ones.

    >>> issubclass(Unauthorized, HTTPStatusError)
    True
    """


class Forbidden(HTTPStatusError):
    """403: the caller can see the resource but may not do this.

    >>> issubclass(ScopeError, Forbidden)
    True
    """


class ScopeError(Forbidden):
    """403 for missing scopes: `.accepted_scopes` is what the operation takes,
    `.granted_scopes` what the token has (from `X-Accepted-OAuth-Scopes` / `X-OAuth-Scopes`).

    >>> sorted({"read:packages", "delete:packages"} - {"read:packages"})
    ['delete:packages']
    """

    def __init__(
        self,
        response: httpx.Response,
        message: str,
        accepted_scopes: frozenset[str],
        granted_scopes: frozenset[str],
    ) -> None:
        super().__init__(response, message)
        self.accepted_scopes = accepted_scopes
        self.granted_scopes = granted_scopes


class NotFound(HTTPStatusError):
    """404: missing, or not visible to this caller (GitHub answers both alike).

    >>> issubclass(NotFound, HTTPStatusError)
    True
    """


class Conflict(HTTPStatusError):
    """409: e.g. restoring a package whose name a live package has taken.

    >>> issubclass(Conflict, HTTPStatusError)
    True
    """


class ValidationFailed(HTTPStatusError):
    """422: a parameter GitHub does not accept (a bad `package_type`, say).

    >>> issubclass(ValidationFailed, HTTPStatusError)
    True
    """


class RateLimited(HTTPStatusError):
    """A primary or secondary rate limit that outlasted the client's patience;
    `.reset_at` is when the quota comes back, if the server said.

    >>> issubclass(RateLimited, HTTPStatusError)
    True
    """

    def __init__(self, response: httpx.Response, message: str, reset_at: datetime | None) -> None:
        super().__init__(response, message)
        self.reset_at = reset_at


class ServerError(HTTPStatusError):
    """5xx after the retries.

    >>> issubclass(ServerError, HTTPStatusError)
    True
    """
