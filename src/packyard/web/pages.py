"""The pages' routes and handlers: each parses, calls one service, renders.

Errors travel as domain exceptions to `web.errors`; nothing here decides a status.

    /                                          home
    /login                GET, POST            sign in with a Packyard token
    /logout               POST                 sign out
    /users/OWNER/packages/TYPE/package/NAME    a package (and /orgs/ORG/…)
        …/versions        ?state=deleted&page= its versions
    /users/OWNER/packages/TYPE/NAME/VERSION_ID a version (the REST API's version `html_url`)
    /orgs/ORG/packages    ?ecosystem=&q=&page= an organization's packages
    /USER                 ?tab=packages&…      a user's packages
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from packyard.auth.sessions import new_nonce
from packyard.auth.tokens import SigningKeys
from packyard.config import Settings
from packyard.core.context import Context
from packyard.domain.errors import NotFound
from packyard.domain.formats import traits
from packyard.domain.pagination import PageRequest, last_page, page_request
from packyard.domain.types import PackageType
from packyard.http.request import Request
from packyard.http.response import Response
from packyard.http.router import Route
from packyard.services import browse, packages
from packyard.services.access import NOT_FOUND, OwnerScope
from packyard.services.auth import sign_in
from packyard.services.packages import PackageAddress
from packyard.web.install import install_snippets
from packyard.web.render import Page, owner_packages_path
from packyard.web.session import cookie_header

RECENT_VERSIONS = 5
PER_PAGE = 30
_MAX_PAGE_DIGITS = 6  # page 999,999 of 30: past any package's versions
_MAX_ID_DIGITS = 9  # ids are 32-bit: a longer number is no row's, and not worth parsing


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler is given: the context, the request, its path parameters and form."""

    ctx: Context
    request: Request
    params: dict[str, str]
    form: dict[str, str]
    page: Page
    keys: SigningKeys
    settings: Settings
    secure: bool


Handler = Callable[[Call], Response]
WebRoute = Route[Handler, None]


def _page(call: Call) -> PageRequest:
    """`?page=N`: anything but a small positive number is the first page."""
    raw = call.request.query.get("page", "")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= _MAX_PAGE_DIGITS else 1
    return page_request(number, PER_PAGE)


_SCOPES = {"users": OwnerScope.USERS, "orgs": OwnerScope.ORGS}


def _address(call: Call) -> PackageAddress:
    scope = _SCOPES.get(call.params["scope"])
    if scope is None:
        raise NotFound(NOT_FOUND)
    return PackageAddress(scope, call.params["owner"], call.params["type"], call.params["name"])


def _local(target: str) -> str:
    """Where to go after signing in: a path on this site, never another host. Browsers drop
    tabs and newlines from a URL (`/<TAB>/evil` is `//evil`) and read `\\` as `/`; a control
    character would also break the Location header: printable ASCII without spaces only."""
    printable = target.isascii() and target.isprintable() and " " not in target
    if printable and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


# handlers -----------------------------------------------------------------------------


def home(call: Call) -> Response:
    return call.page.render("home.html")


def login_form(call: Call) -> Response:
    target = _local(call.request.query.get("next", ""))
    return call.page.render("login.html", message="", next=target)


def login(call: Call) -> Response:
    token = call.form.get("token", "").strip()
    cookie = sign_in(call.ctx.store, call.keys, token, call.ctx.now, new_nonce())
    header = cookie_header(cookie, signed_in=True, secure=call.secure)
    return call.page.redirect(_local(call.form.get("next", "")) or "/", {"Set-Cookie": header})


def logout(call: Call) -> Response:
    header = cookie_header(new_nonce(), signed_in=False, secure=call.secure)
    return call.page.redirect("/", {"Set-Cookie": header})


def package(call: Call) -> Response:
    summary = browse.package_summary(call.ctx, _address(call), RECENT_VERSIONS)
    view = summary.view
    snippets = install_snippets(
        view.package,
        view.repository,
        summary.recent,
        call.settings.base_url,
        call.settings.docker_port,
    )
    return call.page.render(
        "package.html",
        summary=summary,
        package=view.package,
        repository=view.repository,
        snippets=snippets,
        tagged=traits(view.package.package_type).tagged,
    )


def versions(call: Call) -> Response:
    state = "deleted" if call.request.query.get("state") == "deleted" else "active"
    page = _page(call)
    result = packages.list_versions(call.ctx, _address(call), state, page)
    return call.page.render(
        "versions.html",
        package=result.package,
        versions=result.versions,
        total=result.total,
        state=state,
        page=page.page,
        last=last_page(result.total, page.per_page),
        tagged=traits(result.package.package_type).tagged,
    )


def version(call: Call) -> Response:
    raw = call.params["version_id"]
    version_id = (
        int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= _MAX_ID_DIGITS else None
    )
    result = packages.get_version(call.ctx, _address(call), version_id)
    return call.page.render(
        "version.html",
        package=result.package,
        version=result.versions[0],
        tagged=traits(result.package.package_type).tagged,
    )


def _listing(call: Call, scope: OwnerScope, login: str) -> Response:
    ecosystem = call.request.query.get("ecosystem") or None
    query = call.request.query.get("q", "")
    page = _page(call)
    result = browse.search_packages(call.ctx, scope, login, ecosystem, query, page)
    return call.page.render(
        "packages.html",
        owner=result.owner,
        views=result.packages,
        total=result.total,
        ecosystem=ecosystem or "",
        ecosystems=[t.value for t in PackageType],
        q=query,
        page=page.page,
        last=last_page(result.total, page.per_page),
        base=owner_packages_path(result.owner),
    )


def org_packages(call: Call) -> Response:
    return _listing(call, OwnerScope.ORGS, call.params["owner"])


def user_packages(call: Call) -> Response:
    return _listing(call, OwnerScope.USERS, call.params["owner"])


# the table ----------------------------------------------------------------------------


_PACKAGE = ("{scope}", "{owner}", "packages", "{type}", "package", "{name}")

ROUTES: list[WebRoute] = [
    Route("GET", (), home, None),
    Route("GET", ("login",), login_form, None),
    Route("POST", ("login",), login, None),
    Route("POST", ("logout",), logout, None),
    Route("GET", _PACKAGE, package, None),
    Route("GET", (*_PACKAGE, "versions"), versions, None),
    # GitHub's version URL has no `package` segment: after the package page's pattern, so
    # `/…/TYPE/package/NAME` stays the package.
    Route(
        "GET", ("{scope}", "{owner}", "packages", "{type}", "{name}", "{version_id}"), version, None
    ),
    Route("GET", ("orgs", "{owner}", "packages"), org_packages, None),
    # Last: one segment is a user's page, whatever the login (GitHub reserves the names of
    # its own pages, `login` among them, so no account holds one).
    Route("GET", ("{owner}",), user_packages, None),
]
