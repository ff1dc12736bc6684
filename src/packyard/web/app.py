"""The web pages, at GitHub's paths on the API's port: one ASGI app the composition root
mounts below every other surface (it never sees /api/v3, /v2/, /_registry/ or /_packyard/).

Per request: the session cookie becomes an actor (`services.auth.session_actor`: the same
token checks as the REST API's), the route's handler calls one service and renders a
template, and a domain error becomes its page in `web.errors`. A browser without a cookie is
given an anonymous one, so even the sign-in form's CSRF token is tied to something. Every
answer carries the security headers below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib import resources
from urllib.parse import parse_qsl

from packyard.auth.sessions import Session, csrf_valid, new_nonce, read_session
from packyard.auth.tokens import SigningKeys
from packyard.config import Settings
from packyard.core.context import Context
from packyard.core.files import settle_downloads
from packyard.core.formats import Formats
from packyard.core.ports import Store
from packyard.domain.errors import DomainError, NotFound, Unauthenticated
from packyard.http.asgi import AsgiScope, Receive, Send
from packyard.http.exchange import exchange, exchange_inline, plain_refusal
from packyard.http.request import BodyRefused, Request
from packyard.http.response import Response
from packyard.http.router import Router
from packyard.http.threads import in_thread
from packyard.services.access import REQUIRES_AUTHENTICATION
from packyard.services.auth import session_actor
from packyard.web.call import Call, WebRoute
from packyard.web.errors import CsrfRefused, error_page
from packyard.web.pages import ROUTES
from packyard.web.render import Renderer
from packyard.web.session import cookie_header, read_cookie

Clock = Callable[[], datetime]
# A form here is a token or a few fields: anything larger is not one of ours.
FORM_LIMIT = 16 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"

SECURITY_HEADERS = {
    # No script at all, inline or not; styles from our one stylesheet; forms post here only.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
STYLESHEET = resources.files("packyard.web").joinpath("static/packyard.css").read_bytes()


class WebApp:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        formats: Formats,
        keys: SigningKeys,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.formats = formats
        self.keys = keys
        self.clock = clock
        self.router: Router[WebRoute] = Router(ROUTES)
        self.renderer = Renderer()
        self.secure = settings.base_url.startswith("https:")

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        request = Request.from_scope(scope, receive, "")
        request.body_limit = FORM_LIMIT
        if request.method in ("GET", "HEAD"):
            # Inline, as the REST API answers: a page is a few indexed reads and a render.
            # In worker threads, 50 concurrent pages fought over the GIL (296 pages/s, p99
            # 407 ms, against 752/s for one client at a time).
            await exchange_inline(request, send, self._read, self._failure, _refused)
        else:
            await exchange(request, send, self._respond, self._failure, _refused)

    def _read(self, request: Request) -> Response:
        if request.raw_path == "/_static/packyard.css":
            return _with_security(
                Response(
                    200,
                    content=STYLESHEET,
                    headers={
                        "Content-Type": "text/css; charset=utf-8",
                        "Cache-Control": "public, max-age=3600",
                    },
                    etag=True,
                )
            )
        return self.handle(request, {})

    async def _respond(self, request: Request) -> Response:
        form: dict[str, str] = {}
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if request.method == "POST" and content_type == FORM_TYPE:
            body = (await request.body()).decode("utf-8", "replace")
            form = dict(parse_qsl(body, keep_blank_values=True))
        # Services are synchronous (a database transaction): off the event loop.
        return await in_thread(self.handle, request, form)

    def handle(self, request: Request, form: dict[str, str]) -> Response:
        now = self.clock()
        session = read_session(read_cookie(request.headers.get("cookie", "")))
        fresh = session is None
        if session is None:
            nonce = new_nonce()
            session = Session(nonce, nonce)
        actor = session_actor(self.store, self.keys, session, now)
        ctx = Context(self.store, actor, now, self.settings.restore_window, self.formats, "")
        page = self.renderer.page(actor, self.keys, session.value, request)
        try:
            # HEAD is GET without the body (`Response.send` leaves it out).
            method = "GET" if request.method == "HEAD" else request.method
            matched = self.router.match(method, request.raw_path)
            if matched is None:
                raise NotFound("Not Found")
            route, params = matched
            if route.method == "POST" and not csrf_valid(
                self.keys, session.value, form.get("csrf")
            ):
                raise CsrfRefused()
            if route.needs.signed_in and actor.anonymous:
                raise Unauthenticated(REQUIRES_AUTHENTICATION)
            if route.method == "POST":
                # Downloads are written behind the pulls: a delete's 5,000-download rule
                # counts every download answered before it, by any process, as the REST
                # API's does (a form is rare: the wait for other processes is cheap here).
                settle_downloads(self.store)
            response = route.handler(
                Call(ctx, request, params, form, page, self.keys, self.settings, self.secure)
            )
        except DomainError as error:
            response = error_page(page, error)
        if fresh and "Set-Cookie" not in response.headers:
            response.headers["Set-Cookie"] = cookie_header(
                session.value, signed_in=False, secure=self.secure
            )
        response.headers.setdefault("Cache-Control", "no-store")
        return _with_security(response)

    def _failure(self) -> Response:
        return _with_security(
            Response(
                500,
                content=self.renderer.server_error(),
                headers={"Content-Type": "text/html; charset=utf-8"},
            )
        )


def _refused(refused: BodyRefused) -> Response:
    """A body too large or too slow for a form: plain text, with the headers all answers carry."""
    return _with_security(plain_refusal(refused))


def _with_security(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
