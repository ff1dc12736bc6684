"""GitHub's REST API under /api/v3, on the store and formats the composition root hands it."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from packyard.api.errors import error_body, status_for
from packyard.api.handlers import Call, version_downloads
from packyard.api.ratelimit import RateCounters, RateLimiter, SecondaryLimiter
from packyard.api.render import Renderer
from packyard.api.routes import ROUTES, Route, Router, docs_url
from packyard.auth.tokens import parse_authorization
from packyard.config import Settings
from packyard.core.context import Context
from packyard.core.files import settle_downloads
from packyard.core.formats import Formats
from packyard.core.ports import Store
from packyard.domain.errors import (
    BadRequest,
    DomainError,
    Forbidden,
    RateLimited,
    Unauthenticated,
)
from packyard.domain.permissions import REQUIRED_SCOPES
from packyard.domain.types import Actor
from packyard.http.asgi import AsgiScope, Receive, Send
from packyard.http.exchange import exchange_inline
from packyard.http.request import BodyRefused, MiB, Request
from packyard.http.response import Response
from packyard.services.access import REQUIRES_AUTHENTICATION
from packyard.services.auth import authenticate

API_PREFIX = "/api/v3"
# `X-Accepted-OAuth-Scopes` of each operation's routes, joined once.
ACCEPTED_SCOPES = {operation: ", ".join(scopes) for operation, scopes in REQUIRED_SCOPES.items()}
SUPPORTED_API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
DEFAULT_API_VERSION = "2022-11-28"
# No REST route reads a body today; one that does reads a small JSON document.
BODY_LIMIT = 1 * MiB

Clock = Callable[[], datetime]


class RestApi:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        formats: Formats,
        clock: Clock,
        counters: RateCounters | None = None,
    ) -> None:
        self.settings = settings
        self.formats = formats
        self.store = store
        self.clock = clock
        self.router = Router(ROUTES)
        self.render = Renderer(settings.api_url, settings.web_url)
        secondary = (
            SecondaryLimiter(*settings.secondary_rate_limit, counters=counters)
            if settings.secondary_rate_limit
            else None
        )
        self.limiter = RateLimiter(
            settings.rate_limit, settings.rate_limit_window, secondary, counters
        )
        # Request ids: unique per process by the prefix, cheap by the counter.
        self._request_prefix = uuid.uuid4().hex[:8].upper()
        self._request_numbers = itertools.count(1)
        self._last_granted: tuple[Actor | None, str] = (None, "")

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        # Inline, not in a worker thread: this is the benchmarked fast path, and it does no
        # blob I/O (its database work is a few indexed reads).
        request = Request.from_scope(scope, receive, API_PREFIX)
        request.body_limit = BODY_LIMIT
        await exchange_inline(request, send, self.handle, _failure, _refused)

    def handle(self, request: Request) -> Response:
        request_id = f"{self._request_prefix}{next(self._request_numbers):08X}"
        headers = {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Request-Id": request_id,
            "X-GitHub-Api-Version-Selected": DEFAULT_API_VERSION,
        }
        route: Route | None = None
        actor: Actor | None = None
        try:
            version = request.headers.get("x-github-api-version")
            if version is not None and version not in SUPPORTED_API_VERSIONS:
                raise BadRequest(f"The API version {version} is not supported.")
            if version is not None:
                headers["X-GitHub-Api-Version-Selected"] = version
            route, params = self.router.match(request.method, request.raw_path)
            now = self.clock()
            token = parse_authorization(request.headers.get("authorization"))
            actor = authenticate(self.store, token, now)
            if not actor.anonymous:
                headers["X-OAuth-Scopes"] = self._granted(actor)
            if route.operation is not None:
                headers["X-Accepted-OAuth-Scopes"] = ACCEPTED_SCOPES[route.operation]
            limit_key = self._limit_key(request, actor.token_id)
            if route.counts_against_quota:
                quota = self.limiter.hit(limit_key, time.time(), request.method)
                if quota is not None:
                    headers.update(quota.headers())
            if route.requires_login and actor.anonymous:
                raise Unauthenticated(REQUIRES_AUTHENTICATION)
            if request.method == "DELETE" or route.handler is version_downloads:
                # Downloads are written behind the pulls: the 5,000-download rule and the
                # report count every download answered before this request, by any process.
                settle_downloads(self.store)
            ctx = Context(
                self.store, actor, now, self.settings.restore_window, self.formats, request_id
            )
            response = route.handler(
                Call(
                    ctx,
                    request,
                    params,
                    self.render,
                    self.settings.api_url,
                    self.limiter,
                    limit_key,
                )
            )
        except DomainError as error:
            status = status_for(error)
            documentation = docs_url(route) if route else "https://docs.github.com/rest"
            if isinstance(error, Forbidden) and error.accepted_scopes:
                headers["X-Accepted-OAuth-Scopes"] = ", ".join(error.accepted_scopes)
            if isinstance(error, RateLimited):
                # As GitHub: the spent quota and its reset come with the refusal.
                headers["Retry-After"] = str(error.retry_after)
                limit_key = self._limit_key(request, actor.token_id if actor else None)
                headers.update(self.limiter.peek(limit_key, time.time()).headers())
            return Response(status, error_body(error.message, status, documentation), headers)
        response.headers.update(headers)
        return response

    def _granted(self, actor: Actor) -> str:
        """`X-OAuth-Scopes`: written once per actor (a token's, kept while its row is
        unchanged; see `services.auth`), not sorted and joined per request."""
        last = self._last_granted
        if last[0] is not actor:
            last = self._last_granted = (actor, ", ".join(sorted(actor.scopes)))
        return last[1]

    def _limit_key(self, request: Request, token_id: int | None) -> str:
        return f"token:{token_id}" if token_id is not None else f"ip:{request.client_host}"


def _refused(refused: BodyRefused) -> Response:
    """A body too large or too slow, in GitHub's shape."""
    return Response(refused.status, error_body(refused.message, refused.status))


def _failure() -> Response:
    """A bug or a lost database still answers in GitHub's shape (and is logged)."""
    return Response(500, error_body("Server Error", 500))
