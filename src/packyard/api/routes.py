"""The REST routes: each declares its operation, whether it needs a login, and its docs.

A handler parses, calls one service and renders; errors travel as domain exceptions to
`api.errors`. `Route` has no defaults for what a route needs, so a route that forgets to
declare it fails at import time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from packyard.api.errors import PACKAGES_DOCS
from packyard.api.ratelimit import RateLimiter
from packyard.api.render import Renderer
from packyard.core.context import Context
from packyard.domain.errors import NotFound, Unprocessable
from packyard.domain.pagination import PageRequest, last_page, page_request
from packyard.domain.permissions import Operation
from packyard.http.request import Request
from packyard.http.response import Response
from packyard.http.router import Router as RawRouter
from packyard.services import accounts, downloads, packages
from packyard.services.access import NOT_FOUND, OwnerScope
from packyard.services.packages import PackageAddress


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler is given: the context, the request, the matched path parameters."""

    ctx: Context
    request: Request
    params: dict[str, str]
    render: Renderer
    api_url: str
    limiter: RateLimiter
    limit_key: str


Handler = Callable[[Call], Response]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: tuple[str, ...]
    handler: Handler
    operation: Operation | None  # None: not a packages operation (users, rate limit)
    requires_login: bool
    docs: str
    operation_id: str
    counts_against_quota: bool  # False: asking never spends quota (rate_limit)


# parameters ---------------------------------------------------------------------------


def _int_param(request: Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise Unprocessable(f"Invalid value for `{name}`: {value!r}. Must be an integer.") from None


def _page(request: Request) -> PageRequest:
    return page_request(_int_param(request, "page"), _int_param(request, "per_page"))


def _scope(call: Call) -> tuple[OwnerScope, str | None]:
    if "org" in call.params:
        return OwnerScope.ORGS, call.params["org"]
    if "username" in call.params:
        return OwnerScope.USERS, call.params["username"]
    return OwnerScope.AUTHENTICATED_USER, None


def _address(call: Call) -> PackageAddress:
    scope, login = _scope(call)
    return PackageAddress(scope, login, call.params["package_type"], call.params["package_name"])


def _version_id(call: Call) -> int | None:
    raw = call.params["package_version_id"]
    if not raw.isdigit() or int(raw) <= 0:
        return None
    return int(raw)


def _link_header(call: Call, page: PageRequest, total: int) -> dict[str, str]:
    last = last_page(total, page.per_page)
    query = {k: v for k, v in call.request.query.items() if k != "page"}
    base = call.api_url + call.request.raw_path

    def url(number: int) -> str:
        parts = [f"{k}={v}" for k, v in query.items()] + [f"page={number}"]
        return f"{base}?{'&'.join(parts)}"

    links = []
    if page.page < last:
        links += [f'<{url(page.page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page.page > 1:
        links += [f'<{url(min(page.page - 1, last))}>; rel="prev"', f'<{url(1)}>; rel="first"']
    return {"Link": ", ".join(links)} if links else {}


# handlers -----------------------------------------------------------------------------


def list_packages(call: Call) -> Response:
    scope, login = _scope(call)
    page = _page(call.request)
    result = packages.list_packages(
        call.ctx,
        scope,
        login,
        call.request.query.get("package_type"),
        call.request.query.get("visibility"),
        page,
    )
    body = [call.render.package(view) for view in result.packages]
    return Response(200, body, _link_header(call, page, result.total))


def get_package(call: Call) -> Response:
    return Response(200, call.render.package(packages.get_package(call.ctx, _address(call))))


def delete_package(call: Call) -> Response:
    packages.delete_package(call.ctx, _address(call))
    return Response(204)


def restore_package(call: Call) -> Response:
    packages.restore_package(call.ctx, _address(call), call.request.query.get("token"))
    return Response(204)


def list_versions(call: Call) -> Response:
    page = _page(call.request)
    result = packages.list_versions(call.ctx, _address(call), call.request.query.get("state"), page)
    body = call.render.versions(result.package, result.versions)
    return Response(200, body, _link_header(call, page, result.total))


def get_version(call: Call) -> Response:
    result = packages.get_version(call.ctx, _address(call), _version_id(call))
    return Response(200, call.render.version(result.package, result.versions[0]))


def delete_version(call: Call) -> Response:
    packages.delete_version(call.ctx, _address(call), _version_id(call))
    return Response(204)


def restore_version(call: Call) -> Response:
    packages.restore_version(call.ctx, _address(call), _version_id(call))
    return Response(204)


def version_downloads(call: Call) -> Response:
    """Packyard's own: `{"since": day, "versions": [{"id", "name", "downloads"}]}`."""
    report = downloads.downloads_since(call.ctx, _address(call), call.request.query.get("since"))
    body = {
        "package_type": report.package.package_type.value,
        "name": report.package.name,
        "since": report.since.isoformat(),
        "versions": [
            {"id": v.package_version_id, "name": v.name, "downloads": v.downloads}
            for v in report.versions
        ],
    }
    return Response(200, body)


def docker_conflicts(call: Call) -> Response:
    scope, login = _scope(call)
    views = packages.docker_conflicts(call.ctx, scope, login)
    return Response(200, [call.render.package(v) for v in views])


def get_authenticated_user(call: Call) -> Response:
    user = accounts.get_authenticated_user(call.ctx)
    return Response(200, call.render.full_user(user, private=True))


def get_user(call: Call) -> Response:
    account = accounts.get_account(call.ctx, call.params["username"])
    return Response(200, call.render.full_user(account, private=False))


def get_rate_limit(call: Call) -> Response:
    """GitHub's shape; asking for it never spends quota."""
    quota = call.limiter.peek(call.limit_key, time.time())
    entry = {
        "limit": quota.limit,
        "remaining": quota.remaining,
        "reset": quota.reset,
        "used": quota.used,
    }
    resources = {
        name: {**entry, "resource": name}
        for name in ("core", "search", "graphql", "integration_manifest")
    }
    # With limits off nothing advertises them, not even here: a client that budgets itself
    # once a server advertises limits (ours does) must not slow down against a Packyard
    # that has none.
    headers = quota.headers() if call.limiter.enabled else {}
    return Response(200, {"resources": resources, "rate": {**entry, "resource": "core"}}, headers)


# the table ----------------------------------------------------------------------------

_SCOPES = {
    "user": (("user",), "authenticated-user", "the-authenticated-user"),
    "users": (("users", "{username}"), "user", "a-user"),
    "orgs": (("orgs", "{org}"), "org", "an-organization"),
}


def _package_routes(kind: str) -> list[Route]:
    prefix, op_suffix, doc_suffix = _SCOPES[kind]
    pkg = (*prefix, "packages", "{package_type}", "{package_name}")
    ver = (*pkg, "versions", "{package_version_id}")
    login = kind == "user"
    org = kind == "orgs"
    for_ = "org" if org else op_suffix
    # GitHub's own naming is irregular (`..._for_org` beside `..._for_organization`);
    # operation ids are kept exactly as the OpenAPI description spells them.
    listing_suffix = "organization" if org else op_suffix
    owned = {"user": "authenticated-user", "users": "user", "orgs": "org"}[kind]
    docs_owned = {
        "user": "the-authenticated-user",
        "users": "a-user",
        "orgs": "an-organization",
    }[kind]
    namespace = "the-authenticated-users-namespace" if login else doc_suffix
    delete_version_doc = (
        "delete-a-package-version-for-the-authenticated-user"
        if login
        else f"delete-package-version-for-{doc_suffix}"
    )
    restore_version_doc = (
        "restore-a-package-version-for-the-authenticated-user"
        if login
        else f"restore-package-version-for-{doc_suffix}"
    )
    return [
        Route(
            "GET",
            (*prefix, "packages"),
            list_packages,
            Operation.READ,
            login,
            f"list-packages-for-{namespace}",
            f"list-packages-for-{listing_suffix}",
            counts_against_quota=True,
        ),
        Route(
            "GET",
            pkg,
            get_package,
            Operation.READ,
            login,
            f"get-a-package-for-{doc_suffix}",
            f"get-package-for-{listing_suffix}",
            counts_against_quota=True,
        ),
        Route(
            "DELETE",
            pkg,
            delete_package,
            Operation.DELETE,
            True,
            f"delete-a-package-for-{doc_suffix}",
            f"delete-package-for-{for_}",
            counts_against_quota=True,
        ),
        Route(
            "POST",
            (*pkg, "restore"),
            restore_package,
            Operation.RESTORE,
            True,
            f"restore-a-package-for-{doc_suffix}",
            f"restore-package-for-{for_}",
            counts_against_quota=True,
        ),
        Route(
            "GET",
            (*pkg, "versions"),
            list_versions,
            Operation.READ,
            login,
            f"list-package-versions-for-a-package-owned-by-{docs_owned}",
            f"get-all-package-versions-for-package-owned-by-{owned}",
            counts_against_quota=True,
        ),
        Route(
            "GET",
            ver,
            get_version,
            Operation.READ,
            login,
            f"get-a-package-version-for-{doc_suffix}",
            f"get-package-version-for-{listing_suffix}",
            counts_against_quota=True,
        ),
        Route(
            "DELETE",
            ver,
            delete_version,
            Operation.DELETE,
            True,
            delete_version_doc,
            f"delete-package-version-for-{for_}",
            counts_against_quota=True,
        ),
        Route(
            "POST",
            (*ver, "restore"),
            restore_version,
            Operation.RESTORE,
            True,
            restore_version_doc,
            f"restore-package-version-for-{for_}",
            counts_against_quota=True,
        ),
        Route(
            "GET",
            (*prefix, "docker", "conflicts"),
            docker_conflicts,
            Operation.READ,
            login,
            f"get-list-of-conflicting-packages-during-docker-migration-for-{listing_suffix}",
            f"list-docker-migration-conflicting-packages-for-{listing_suffix}",
            counts_against_quota=True,
        ),
    ]


# Packyard's own calls live under `/_packyard/`, beside GitHub's paths, never among them.
EXTENSION_PREFIX = "_packyard"


def _extension_routes(kind: str) -> list[Route]:
    prefix, op_suffix, doc_suffix = _SCOPES[kind]
    return [
        Route(
            "GET",
            (
                EXTENSION_PREFIX,
                *prefix,
                "packages",
                "{package_type}",
                "{package_name}",
                "downloads",
            ),
            version_downloads,
            Operation.READ,
            kind == "user",
            f"get-a-package-for-{doc_suffix}",
            f"packyard/version-downloads-for-{op_suffix}",
            counts_against_quota=True,
        )
    ]


ROUTES: list[Route] = [
    *_package_routes("user"),
    *_package_routes("users"),
    *_package_routes("orgs"),
    *_extension_routes("user"),
    *_extension_routes("users"),
    *_extension_routes("orgs"),
    Route(
        "GET",
        ("user",),
        get_authenticated_user,
        None,
        True,
        "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        "users/get-authenticated",
        counts_against_quota=True,
    ),
    Route(
        "GET",
        ("users", "{username}"),
        get_user,
        None,
        False,
        "https://docs.github.com/rest/users/users#get-a-user",
        "users/get-by-username",
        counts_against_quota=True,
    ),
    Route(
        "GET",
        ("rate_limit",),
        get_rate_limit,
        None,
        False,
        "https://docs.github.com/rest/rate-limit/rate-limit"
        "#get-rate-limit-status-for-the-authenticated-user",
        "rate-limit/get",
        counts_against_quota=False,
    ),
]


def docs_url(route: Route) -> str:
    return route.docs if route.docs.startswith("https://") else f"{PACKAGES_DOCS}#{route.docs}"


class Router(RawRouter[Route]):
    """The kit's router; a path GitHub does not serve, or a method it does not allow on a
    path, is a 404 there."""

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]]:
        found = super().match(method, raw_path)
        if found is None:
            raise NotFound(NOT_FOUND)
        return found
