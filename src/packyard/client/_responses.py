"""From an HTTP answer to a typed value or a typed error."""

from __future__ import annotations

from typing import Any

import httpx

from packyard.client import errors
from packyard.client._flow import is_rate_limited, reset_time

_LAST_TAGGED = "last tagged version of a package"
_LAST_VERSION = "last version of a package"
_DOWNLOADS = "downloads cannot be deleted"

_BY_STATUS: dict[int, type[errors.HTTPStatusError]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    422: errors.ValidationFailed,
}


def _scopes(value: str | None) -> frozenset[str]:
    return frozenset(s.strip() for s in (value or "").split(",") if s.strip())


def message_of(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return response.text or response.reason_phrase
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return response.reason_phrase


def raise_for(response: httpx.Response) -> None:
    """Raise the error a 4xx/5xx answer stands for; return quietly otherwise."""
    status = response.status_code
    if status < 400:
        return
    message = message_of(response)
    if status in (403, 429) and is_rate_limited(response):
        raise errors.RateLimited(response, message, reset_time(response))
    if status == 400:
        if _LAST_TAGGED in message:
            raise errors.LastTaggedVersionError(response, message)
        if _LAST_VERSION in message:
            raise errors.LastVersionError(response, message)
        if _DOWNLOADS in message:
            raise errors.DownloadLimitError(response, message)
    if status == 403 and "scope" in message.lower():
        raise errors.ScopeError(
            response,
            message,
            accepted_scopes=_scopes(response.headers.get("x-accepted-oauth-scopes")),
            granted_scopes=_scopes(response.headers.get("x-oauth-scopes")),
        )
    if status >= 500:
        raise errors.ServerError(response, message)
    raise _BY_STATUS.get(status, errors.HTTPStatusError)(response, message)


def next_link(response: httpx.Response) -> str | None:
    link = response.links.get("next")
    return link.get("url") if link else None
