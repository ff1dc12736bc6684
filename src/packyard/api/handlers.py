"""The REST handlers: each parses its request, calls one service and renders the answer.

Errors travel as domain exceptions to `api.errors`; nothing here decides a status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from packyard.api.ratelimit import RateLimiter
from packyard.api.render import Renderer
from packyard.core.context import Context
from packyard.domain.errors import Unprocessable
from packyard.domain.ids import ascii_digits, parse_id
from packyard.domain.pagination import MAX_PER_PAGE, PageRequest, last_page, page_request
from packyard.http.request import Request
from packyard.http.response import JSON_TYPE, Response
from packyard.services import accounts, builds, downloads, meta, packages
from packyard.services.access import OwnerScope
from packyard.services.packages import PackageAddress


# Not frozen, as Context is not (see there): one is built per request, and nothing changes
# one once built.
@dataclass(slots=True)
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


# parameters ---------------------------------------------------------------------------


# Past this page every listing is empty; the bound keeps `page * per_page` an offset SQL's
# BIGINT holds whatever digits a caller sends.
MAX_PAGE = 2**31 - 1
# Enough digits for the bound above; more are not parsed, only known to be too many.
_MAX_DIGITS = 10


def _int_param(request: Request, name: str, maximum: int) -> int | None:
    """An integer query parameter, capped at `maximum` (a larger one asks for more than
    there is, as `per_page=500` does); one that is not an integer in ASCII digits is 422."""
    value = request.query.get(name)
    if value is None or value == "":
        return None
    digits = value[1:] if value[0] in "+-" else value
    if not ascii_digits(digits):
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise Unprocessable(f"Invalid value for `{name}`: {shown!r}. Must be an integer.")
    digits = digits.lstrip("0") or "0"
    number = maximum if len(digits) > _MAX_DIGITS else min(int(digits), maximum)
    return -number if value[0] == "-" else number


def _page(request: Request) -> PageRequest:
    return page_request(
        _int_param(request, "page", MAX_PAGE), _int_param(request, "per_page", MAX_PER_PAGE)
    )


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
    return parse_id(call.params["package_version_id"])


# What a listing's `Link` carries over from its request: the parameters it read and
# validated, nothing else. Copying the raw query let a caller write a `rel="next"` on
# another host into the header, which paginating clients follow with their token.
_LINKED_PARAMETERS = ("package_type", "visibility", "state")


def _link_header(call: Call, page: PageRequest, total: int) -> dict[str, str]:
    last = last_page(total, page.per_page)
    query = call.request.query
    kept: list[tuple[str, str]] = []
    for name in query:  # in the request's order, as GitHub keeps it
        if name == "per_page":
            kept.append((name, str(page.per_page)))
        elif name in _LINKED_PARAMETERS:
            kept.append((name, quote(query[name], safe="")))
    # The path is the caller's too: it matched a route, but a segment may still hold
    # anything a request line carries (`<`, `>`, `"`, `,`).
    base = call.api_url + quote(call.request.raw_path, safe="/%@:")

    def url(number: int) -> str:
        parts = [f"{k}={v}" for k, v in kept] + [f"page={number}"]
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
    result = packages.list_kept_versions(
        call.ctx, _address(call), call.request.query.get("state"), page, call.render.kept_versions
    )
    headers = {"Content-Type": JSON_TYPE, **_link_header(call, page, result.total)}
    return Response(200, headers=headers, content=call.render.versions_json(result))


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


def _build_id(call: Call) -> int | None:
    return parse_id(call.params["build_id"])


def list_builds(call: Call) -> Response:
    """Packyard's own: a version's builds (a Maven SNAPSHOT's deploys), newest first."""
    found = builds.list_builds(
        call.ctx, _address(call), _version_id(call), call.request.query.get("state")
    )
    return Response(
        200,
        [
            {
                "id": b.id,
                "name": b.name,
                "build_number": b.number,
                **b.properties,
                "created_at": b.created_at,
                "deleted_at": b.deleted_at,
                "files": [{"name": f.name, "size": f.size} for f in b.files],
            }
            for b in found
        ],
    )


def delete_build(call: Call) -> Response:
    builds.delete_build(call.ctx, _address(call), _version_id(call), _build_id(call))
    return Response(204)


def restore_build(call: Call) -> Response:
    builds.restore_build(call.ctx, _address(call), _version_id(call), _build_id(call))
    return Response(204)


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


def get_root(call: Call) -> Response:
    """GitHub's root document: URL templates, nothing to look up."""
    return Response(200, call.render.root(call.request.headers.get("x-github-api-version")))


def get_meta(call: Call) -> Response:
    return Response(200, call.render.api_overview(meta.server_facts()))


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
