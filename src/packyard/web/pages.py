"""The pages' routes and handlers: each parses, calls one service, renders.

Errors travel as domain exceptions to `web.errors`; nothing here decides a status.

    /                                          home
    /login                GET, POST            sign in with a Packyard token
    /logout               POST                 sign out
    /users/OWNER/packages/TYPE/package/NAME    a package (and /orgs/ORG/…)
        …/versions        ?state=deleted&page= its versions (containers: &filters[version_type]=
                                               tagged|untagged)
        …/versions/ID/delete  GET, POST        delete a version (type the name to confirm)
        …/versions/ID/restore POST             restore a deleted one
        …/settings        GET                  its settings (administrators)
        …/settings/visibility, …/settings/delete  POST  change visibility, delete the package
        …/settings/access, …/access/remove, …/inherit  POST  grant, remove, inherit access
        …/restore         POST                 restore a deleted package
    /settings/packages, /organizations/ORG/settings/packages   deleted packages to restore
    /users/OWNER/packages/TYPE/NAME/VERSION_ID a version (the REST API's version `html_url`)
    /orgs/ORG/packages    ?ecosystem=&q=&page= an organization's packages
    /USER                 ?tab=packages&…      a user's packages
    /OWNER/REPO/packages  ?ecosystem=&q=&page= the packages linked to a repository
"""

from __future__ import annotations

from packyard.auth.sessions import new_nonce
from packyard.domain.pages import version_pages_prefix
from packyard.domain.pagination import PageRequest, last_page
from packyard.domain.permissions import Operation
from packyard.domain.types import PackageType, Repository
from packyard.http.response import Response
from packyard.http.router import Route
from packyard.services import browse
from packyard.services.access import OwnerScope
from packyard.services.auth import sign_in
from packyard.services.packages import PackagePage
from packyard.web import actions
from packyard.web import settings as package_settings
from packyard.web.call import (
    ANYONE,
    SIGNED_IN,
    Call,
    Handler,
    WebRoute,
    address,
    local,
    page_of,
    version_id,
)
from packyard.web.chart import CHART_DAYS, download_chart
from packyard.web.install import install_snippets
from packyard.web.markdown import render_readme
from packyard.web.render import (
    owner_packages_path,
    package_path,
    repository_packages_path,
    tagged,
)
from packyard.web.rows import RowsOf
from packyard.web.session import cookie_header

RECENT_VERSIONS = 5


# handlers -----------------------------------------------------------------------------


def home(call: Call) -> Response:
    return call.page.render("home.html")


def login_form(call: Call) -> Response:
    target = local(call.request.query.get("next", ""))
    return call.page.render("login.html", message="", next=target)


def login(call: Call) -> Response:
    token = call.form.get("token", "").strip()
    cookie = sign_in(call.ctx.store, call.keys, token, call.ctx.now, new_nonce())
    header = cookie_header(cookie, signed_in=True, secure=call.secure)
    return call.page.redirect(local(call.form.get("next", "")) or "/", {"Set-Cookie": header})


def logout(call: Call) -> Response:
    header = cookie_header(new_nonce(), signed_in=False, secure=call.secure)
    return call.page.redirect("/", {"Set-Cookie": header})


def package(call: Call) -> Response:
    summary = browse.package_summary(call.ctx, address(call), RECENT_VERSIONS, CHART_DAYS)
    view = summary.view
    snippets = install_snippets(
        view.package,
        view.repository,
        summary.recent,
        call.settings.base_url,
        call.settings.docker_port,
        summary.coordinates,
    )
    return call.page.render(
        "package.html",
        summary=summary,
        package=view.package,
        repository=view.repository,
        snippets=snippets,
        readme=render_readme(summary.readme),
        chart=download_chart(summary.daily),
    )


# GitHub's versions page filters a container's versions by `filters[version_type]`.
VERSION_TYPE = "filters[version_type]"


def versions(call: Call) -> Response:
    state = "deleted" if call.request.query.get("state") == "deleted" else "active"
    version_type = call.request.query.get(VERSION_TYPE) or None if state == "active" else None
    page = page_of(call)
    rows = call.page.version_rows
    listing = browse.version_listing(call.ctx, address(call), state, page, version_type, rows.kept)
    result, offers = listing.page, listing.offers
    package = result.package
    # Paths worked out once for the page, not once per row.
    actions = offers.restore if state == "deleted" else offers.delete
    shared = RowsOf(
        state=state,
        base=package_path(package) + "/versions",
        version_prefix=version_pages_prefix(package),
        with_tags=tagged(package),
        actions=actions,
        # Only a restore form carries the session's CSRF token: other rows are shared
        # between sessions.
        csrf=call.page.csrf if actions and state == "deleted" else "",
    )
    return call.page.render_around(
        "versions.html",
        rows.render(result, shared) if result.ids else None,
        offers=offers,
        package=package,
        shared=shared,
        total=result.total,
        version_type=version_type,
        version_type_key=VERSION_TYPE,
        page=page.page,
        last=last_page(result.total, page.per_page),
    )


def _version_page(template: str, operation: Operation) -> Handler:
    """A live version's page: its own (`version.html`), or the confirmation of its delete
    (for those its delete would not refuse)."""

    def handler(call: Call) -> Response:
        found = browse.version_detail(call.ctx, address(call), version_id(call), operation)
        return call.page.render(
            template,
            package=found.package,
            version=found.version,
            contents=found.contents,
            files=found.files,
            files_size=found.files_size,
            offers=found.offers,
        )

    return handler


version = _version_page("version.html", Operation.READ)
confirm_delete = _version_page("delete_version.html", Operation.DELETE)


def _search(call: Call) -> browse.PackageSearch:
    query = call.request.query
    return browse.PackageSearch(
        query.get("ecosystem") or None,
        query.get("visibility") or None,
        query.get("q", ""),
        query.get("sort") or None,
    )


def _listing(call: Call, scope: OwnerScope, login: str) -> Response:
    search, page = _search(call), page_of(call)
    result = browse.search_packages(call.ctx, scope, login, search, page)
    return _render_listing(call, result, search, page, None)


def repository_packages(call: Call) -> Response:
    search, page = _search(call), page_of(call)
    found = browse.repository_packages(
        call.ctx, call.params["owner"], call.params["repo"], search, page
    )
    return _render_listing(call, found.page, search, page, found.repository)


def _render_listing(
    call: Call,
    result: PackagePage,
    search: browse.PackageSearch,
    page: PageRequest,
    repository: Repository | None,
) -> Response:
    base = repository_packages_path(repository) if repository else owner_packages_path(result.owner)
    return call.page.render(
        "packages.html",
        owner=result.owner,
        views=result.packages,
        total=result.total,
        search=search,
        ecosystems=[t.value for t in PackageType],
        page=page.page,
        last=last_page(result.total, page.per_page),
        base=base,
        repository=repository,
    )


def org_packages(call: Call) -> Response:
    return _listing(call, OwnerScope.ORGS, call.params["owner"])


def user_packages(call: Call) -> Response:
    return _listing(call, OwnerScope.USERS, call.params["owner"])


# the table ----------------------------------------------------------------------------


_PACKAGE = ("{scope}", "{owner}", "packages", "{type}", "package", "{name}")

ROUTES: list[WebRoute] = [
    Route("GET", (), home, ANYONE),
    Route("GET", ("login",), login_form, ANYONE),
    Route("POST", ("login",), login, ANYONE),
    Route("POST", ("logout",), logout, ANYONE),
    Route("GET", _PACKAGE, package, ANYONE),
    Route("GET", (*_PACKAGE, "versions"), versions, ANYONE),
    Route("GET", (*_PACKAGE, "versions", "{version_id}", "delete"), confirm_delete, SIGNED_IN),
    Route(
        "POST", (*_PACKAGE, "versions", "{version_id}", "delete"), actions.delete_version, SIGNED_IN
    ),
    Route(
        "POST",
        (*_PACKAGE, "versions", "{version_id}", "restore"),
        actions.restore_version,
        SIGNED_IN,
    ),
    Route("GET", (*_PACKAGE, "settings"), package_settings.page, SIGNED_IN),
    Route(
        "POST",
        (*_PACKAGE, "settings", "visibility"),
        package_settings.change_visibility,
        SIGNED_IN,
    ),
    Route("POST", (*_PACKAGE, "settings", "delete"), package_settings.delete_package, SIGNED_IN),
    Route("POST", (*_PACKAGE, "settings", "access"), package_settings.grant, SIGNED_IN),
    Route(
        "POST",
        (*_PACKAGE, "settings", "access", "remove"),
        package_settings.remove_grant,
        SIGNED_IN,
    ),
    Route("POST", (*_PACKAGE, "settings", "inherit"), package_settings.inherit_access, SIGNED_IN),
    Route("POST", (*_PACKAGE, "restore"), package_settings.restore_package, SIGNED_IN),
    Route("GET", ("settings", "packages"), package_settings.user_deleted, SIGNED_IN),
    Route(
        "GET",
        ("organizations", "{owner}", "settings", "packages"),
        package_settings.org_deleted,
        SIGNED_IN,
    ),
    # GitHub's version URL has no `package` segment: after the package page's pattern, so
    # `/…/TYPE/package/NAME` stays the package.
    Route(
        "GET",
        ("{scope}", "{owner}", "packages", "{type}", "{name}", "{version_id}"),
        version,
        ANYONE,
    ),
    Route("GET", ("orgs", "{owner}", "packages"), org_packages, ANYONE),
    Route("GET", ("{owner}", "{repo}", "packages"), repository_packages, ANYONE),
    # Last: one segment is a user's page, whatever the login (the names of the pages above,
    # `login` among them, are reserved as GitHub reserves them: domain.rules.RESERVED_LOGINS).
    Route("GET", ("{owner}",), user_packages, ANYONE),
]
