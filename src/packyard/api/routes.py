"""The REST routes: each declares its operation, whether it needs a login, and its docs.

The handlers are `api.handlers`. `Route` has no defaults for what a route needs, so a route
that forgets to declare it fails at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

from packyard.api import handlers as h
from packyard.api.errors import PACKAGES_DOCS
from packyard.api.handlers import Handler
from packyard.domain.errors import NotFound
from packyard.domain.permissions import Operation
from packyard.http.router import Router as RawRouter
from packyard.services.access import NOT_FOUND


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
            h.list_packages,
            Operation.READ,
            login,
            f"list-packages-for-{namespace}",
            f"list-packages-for-{listing_suffix}",
            counts_against_quota=True,
        ),
        Route(
            "GET",
            pkg,
            h.get_package,
            Operation.READ,
            login,
            f"get-a-package-for-{doc_suffix}",
            f"get-package-for-{listing_suffix}",
            counts_against_quota=True,
        ),
        Route(
            "DELETE",
            pkg,
            h.delete_package,
            Operation.DELETE,
            True,
            f"delete-a-package-for-{doc_suffix}",
            f"delete-package-for-{for_}",
            counts_against_quota=True,
        ),
        Route(
            "POST",
            (*pkg, "restore"),
            h.restore_package,
            Operation.RESTORE,
            True,
            f"restore-a-package-for-{doc_suffix}",
            f"restore-package-for-{for_}",
            counts_against_quota=True,
        ),
        Route(
            "GET",
            (*pkg, "versions"),
            h.list_versions,
            Operation.READ,
            login,
            f"list-package-versions-for-a-package-owned-by-{docs_owned}",
            f"get-all-package-versions-for-package-owned-by-{owned}",
            counts_against_quota=True,
        ),
        Route(
            "GET",
            ver,
            h.get_version,
            Operation.READ,
            login,
            f"get-a-package-version-for-{doc_suffix}",
            f"get-package-version-for-{listing_suffix}",
            counts_against_quota=True,
        ),
        Route(
            "DELETE",
            ver,
            h.delete_version,
            Operation.DELETE,
            True,
            delete_version_doc,
            f"delete-package-version-for-{for_}",
            counts_against_quota=True,
        ),
        Route(
            "POST",
            (*ver, "restore"),
            h.restore_version,
            Operation.RESTORE,
            True,
            restore_version_doc,
            f"restore-package-version-for-{for_}",
            counts_against_quota=True,
        ),
        Route(
            "GET",
            (*prefix, "docker", "conflicts"),
            h.docker_conflicts,
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
    pkg = (EXTENSION_PREFIX, *prefix, "packages", "{package_type}", "{package_name}")
    builds = (*pkg, "versions", "{package_version_id}", "builds")
    version_doc = f"get-a-package-version-for-{doc_suffix}"
    return [
        Route(
            "GET",
            builds,
            h.list_builds,
            Operation.READ,
            kind == "user",
            version_doc,
            f"packyard/list-builds-for-{op_suffix}",
            counts_against_quota=True,
        ),
        Route(
            "DELETE",
            (*builds, "{build_id}"),
            h.delete_build,
            Operation.DELETE,
            True,
            version_doc,
            f"packyard/delete-build-for-{op_suffix}",
            counts_against_quota=True,
        ),
        Route(
            "POST",
            (*builds, "{build_id}", "restore"),
            h.restore_build,
            Operation.RESTORE,
            True,
            version_doc,
            f"packyard/restore-build-for-{op_suffix}",
            counts_against_quota=True,
        ),
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
            h.version_downloads,
            Operation.READ,
            kind == "user",
            f"get-a-package-for-{doc_suffix}",
            f"packyard/version-downloads-for-{op_suffix}",
            counts_against_quota=True,
        ),
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
        h.get_authenticated_user,
        None,
        True,
        "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        "users/get-authenticated",
        counts_against_quota=True,
    ),
    Route(
        "GET",
        ("users", "{username}"),
        h.get_user,
        None,
        False,
        "https://docs.github.com/rest/users/users#get-a-user",
        "users/get-by-username",
        counts_against_quota=True,
    ),
    # `/api/v3` and `/api/v3/` both answer the root, as `api.github.com` with and without
    # its slash do: the router strips slashes, so the empty pattern matches both.
    Route(
        "GET",
        (),
        h.get_root,
        None,
        False,
        "https://docs.github.com/rest/meta/meta#github-api-root",
        "meta/root",
        counts_against_quota=True,
    ),
    Route(
        "GET",
        ("meta",),
        h.get_meta,
        None,
        False,
        "https://docs.github.com/rest/meta/meta#get-apiname-meta-information",
        "meta/get",
        counts_against_quota=True,
    ),
    Route(
        "GET",
        ("rate_limit",),
        h.get_rate_limit,
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
