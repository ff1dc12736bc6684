"""GitHub's packages operations as the wire sees them: each name (githubkit's) with its
method, path template, how its answer is parsed, and whether it pages. The typed methods of
`client.rest` and its async twin call them by name; `_requests` builds each request from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from packyard.client.models import Owner, Package, PackageVersion, RateLimit

P = "/packages/{package_type}/{package_name}"
V = P + "/versions/{package_version_id}"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parse: Callable[[Any], Any] | None  # None: no body (204)
    pages: bool = False


def _many(model: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda data: [model(item) for item in data]


def _rate_limit(data: Any) -> dict[str, RateLimit]:
    return {name: RateLimit.from_json(item) for name, item in data["resources"].items()}


_PKG, _PKGS = Package.from_json, _many(Package.from_json)
_VER, _VERS = PackageVersion.from_json, _many(PackageVersion.from_json)

OPERATIONS: dict[str, Operation] = {}
for _scope, _prefix, _for, _for_long in [
    ("authenticated_user", "/user", "authenticated_user", "authenticated_user"),
    ("user", "/users/{username}", "user", "user"),
    ("org", "/orgs/{org}", "org", "organization"),
]:
    OPERATIONS.update(
        {
            f"list_packages_for_{_for_long}": Operation("GET", _prefix + "/packages", _PKGS, True),
            f"get_package_for_{_for_long}": Operation("GET", _prefix + P, _PKG),
            f"delete_package_for_{_for}": Operation("DELETE", _prefix + P, None),
            f"restore_package_for_{_for}": Operation("POST", _prefix + P + "/restore", None),
            f"get_all_package_versions_for_package_owned_by_{_for}": Operation(
                "GET", _prefix + P + "/versions", _VERS, True
            ),
            f"get_package_version_for_{_for_long}": Operation("GET", _prefix + V, _VER),
            f"delete_package_version_for_{_for}": Operation("DELETE", _prefix + V, None),
            f"restore_package_version_for_{_for}": Operation(
                "POST", _prefix + V + "/restore", None
            ),
            f"list_docker_migration_conflicting_packages_for_{_for_long}": Operation(
                "GET", _prefix + "/docker/conflicts", _PKGS
            ),
        }
    )
OPERATIONS.update(
    {
        "get_authenticated": Operation("GET", "/user", Owner.from_json),
        "get_by_username": Operation("GET", "/users/{username}", Owner.from_json),
        "get": Operation("GET", "/rate_limit", _rate_limit),
    }
)
