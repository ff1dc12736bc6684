"""`Client`: the SDK's entry point."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from packyard.client import errors
from packyard.client._flow import PointsBudget, RetryPolicy, run_sync
from packyard.client._looks import refused_404, version_exists
from packyard.client._operations import OPERATIONS
from packyard.client._requests import (
    GITHUB_API,
    Configured,
    endpoint,
    list_operation,
    prepare,
    result,
)
from packyard.client._responses import next_link
from packyard.client.extensions import PackyardExtensions
from packyard.client.models import Package, PackageVersion
from packyard.client.oci import RegistryClient
from packyard.client.rest import Rest

Outcome = Literal["deleted", "gone", "failed"]
Scope = Literal["user", "org", "users"]

# Each operation by scope: the authenticated user's own, an organization's, another user's.
_SCOPED_NAMES = {
    "list_packages": (
        "list_packages_for_authenticated_user",
        "list_packages_for_organization",
        "list_packages_for_user",
    ),
    "list_versions": (
        "get_all_package_versions_for_package_owned_by_authenticated_user",
        "get_all_package_versions_for_package_owned_by_org",
        "get_all_package_versions_for_package_owned_by_user",
    ),
    "delete_version": (
        "delete_package_version_for_authenticated_user",
        "delete_package_version_for_org",
        "delete_package_version_for_user",
    ),
    "restore_version": (
        "restore_package_version_for_authenticated_user",
        "restore_package_version_for_org",
        "restore_package_version_for_user",
    ),
    "delete_package": (
        "delete_package_for_authenticated_user",
        "delete_package_for_org",
        "delete_package_for_user",
    ),
    "restore_package": (
        "restore_package_for_authenticated_user",
        "restore_package_for_org",
        "restore_package_for_user",
    ),
}


@dataclass(frozen=True)
class DeleteResult:
    """What happened to one version in `delete_versions`: deleted, already gone, or failed.

    >>> DeleteResult(101, "gone").outcome
    'gone'
    """

    package_version_id: int
    outcome: Outcome
    error: errors.PackyardClientError | None = None


class Client(Configured, PackyardExtensions):
    """A client for GitHub's packages API, on api.github.com or on a Packyard.

    >>> client = Client(token="ghp_...", base_url="http://127.0.0.1:8080/api/v3")
    >>> for version in client.iter_versions("alice", "container", "tools/cli"):  # doctest: +SKIP
    ...     print(version.id, version.tags)
    """

    def __init__(
        self,
        token: str | None = None,
        base_url: str = GITHUB_API,
        registry_url: str | None = None,
        *,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        budget: PointsBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token, base_url, registry_url, retry, budget, monotonic, wall_clock)
        self._sleep = sleep
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self._login: str | None = None
        self._scopes: dict[str, Scope] = {}
        self._registry: RegistryClient | None = None
        self.rest = Rest(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # plumbing -----------------------------------------------------------------------

    def _send(self, method: str, url: str, params: dict[str, str], endpoint: str) -> httpx.Response:
        try:
            return run_sync(
                self._flow(method, url, params, endpoint), self._http, self._headers, self._sleep
            )
        except httpx.TransportError as error:
            raise errors.TransportError(f"{method} {url}: {error}") from error

    def _operation(self, name: str, arguments: dict[str, Any]) -> Any:
        operation = OPERATIONS[name]
        url, query = prepare(self.base_url, name, arguments)
        return result(operation, self._send(operation.method, url, query, endpoint(operation)))

    @property
    def registry(self) -> RegistryClient:
        """The container registry beside this API (ghcr.io for api.github.com), with the
        same token: `client.registry.manifest("alice/app", "latest")`."""
        if self._registry is None:
            self._registry = self._registry_client(inspect=False)
        return self._registry

    def inspector(self) -> RegistryClient:
        """The same registry, for reads that inspect rather than pull: a Packyard does not
        count them as downloads."""
        return self._registry_client(inspect=True)

    def _registry_client(self, *, inspect: bool) -> RegistryClient:
        return RegistryClient(
            self.registry_url,
            username=self.authenticated_login() or "token" if self.token else None,
            password=self.token,
            http_client=self._http,
            inspect=inspect,
        )

    # pagination ---------------------------------------------------------------------

    def paginate(self, method: Callable[..., list[Any]], **arguments: Any) -> Iterator[Any]:
        """Every item of a list operation, page after page, following `Link: rel="next"`.

        >>> client = Client(token="ghp_...")
        >>> versions = client.paginate(  # doctest: +SKIP
        ...     client.rest.packages.get_all_package_versions_for_package_owned_by_user,
        ...     package_type="npm", package_name="hello", username="alice")
        """
        operation = list_operation(method.__name__, arguments)
        url, query = prepare(self.base_url, method.__name__, arguments)
        while True:
            response = self._send("GET", url, query, endpoint(operation))
            yield from result(operation, response)
            following = next_link(response)
            if following is None:
                return
            url, query = following, {}

    def authenticated_login(self) -> str | None:
        """The token's own login (`GET /user`), asked once; None for app tokens."""
        if self._login is None and self.token:
            try:
                self._login = self.rest.users.get_authenticated().login
            except errors.Forbidden:
                self._login = ""
        return self._login or None

    def scope_of(self, owner: str) -> Scope:
        """Which family of calls reaches `owner`'s packages with this token: `user` (its
        own), `org`, or `users` (another user's); asked once per owner."""
        key = owner.lower()
        if key not in self._scopes:
            login = self.authenticated_login()
            if login is not None and login.lower() == key:
                self._scopes[key] = "user"
            elif self.rest.users.get_by_username(username=owner).is_org:
                self._scopes[key] = "org"
            else:
                self._scopes[key] = "users"
        return self._scopes[key]

    def _scoped(self, operation: str, owner: str) -> tuple[str, dict[str, Any]]:
        """The operation's name in `owner`'s scope, and the argument that names the owner."""
        scope = self.scope_of(owner)
        names = _SCOPED_NAMES[operation]
        if scope == "user":
            return names[0], {}
        if scope == "org":
            return names[1], {"org": owner}
        return names[2], {"username": owner}

    def iter_versions(
        self, owner: str, package_type: str, package_name: str, state: str | None = None
    ) -> Iterator[PackageVersion]:
        """Every version of a package through the right scope for this token: `/user` for
        its own packages, `/orgs` for an organization's, `/users` otherwise."""
        name, where = self._scoped("list_versions", owner)
        return self.paginate(
            getattr(self.rest.packages, name),
            package_type=package_type,
            package_name=package_name,
            state=state,
            **where,
        )

    def iter_packages(self, owner: str, package_type: str) -> Iterator[Package]:
        """Every package of one type that `owner` holds and this token may see."""
        name, where = self._scoped("list_packages", owner)
        return self.paginate(getattr(self.rest.packages, name), package_type=package_type, **where)

    def restore_version(
        self, owner: str, package_type: str, package_name: str, package_version_id: int
    ) -> None:
        """Restore a deleted version (within GitHub's 30 days) in `owner`'s scope."""
        name, where = self._scoped("restore_version", owner)
        self._operation(
            name,
            {
                "package_type": package_type,
                "package_name": package_name,
                "package_version_id": package_version_id,
                **where,
            },
        )

    def delete_package(self, owner: str, package_type: str, package_name: str) -> None:
        name, where = self._scoped("delete_package", owner)
        self._operation(name, {"package_type": package_type, "package_name": package_name, **where})

    def restore_package(
        self, owner: str, package_type: str, package_name: str, token: str | None = None
    ) -> None:
        name, where = self._scoped("restore_package", owner)
        self._operation(
            name,
            {"package_type": package_type, "package_name": package_name, "token": token, **where},
        )

    # bulk deletes -------------------------------------------------------------------

    def delete_versions(
        self,
        owner: str,
        package_type: str,
        package_name: str,
        package_version_ids: Iterable[int],
        *,
        concurrency: int = 4,
        on_result: Callable[[DeleteResult], None] | None = None,
    ) -> list[DeleteResult]:
        """Delete many versions, a few at a time. A 404 is "gone" only once a second look
        finds the version not there: GitHub answers 404 too to a caller who may see the
        package but is not its admin, and then the version is "failed" with that reason.

        >>> results = Client(token="ghp_...").delete_versions(  # doctest: +SKIP
        ...     "acme", "container", "app", [101, 102])
        >>> [r.outcome for r in results]  # doctest: +SKIP
        ['deleted', 'gone']
        """
        name, where = self._scoped("delete_version", owner)

        def delete(version_id: int) -> DeleteResult:
            try:
                self._operation(
                    name,
                    {
                        "package_type": package_type,
                        "package_name": package_name,
                        "package_version_id": version_id,
                        **where,
                    },
                )
            except errors.NotFound as not_found:
                reason = refused_404(
                    "version",
                    lambda: version_exists(self, owner, package_type, package_name, version_id),
                )
                if reason is None:
                    return DeleteResult(version_id, "gone")
                return DeleteResult(
                    version_id, "failed", errors.NotFound(not_found.response, reason)
                )
            except errors.PackyardClientError as error:
                return DeleteResult(version_id, "failed", error)
            return DeleteResult(version_id, "deleted")

        def reported(version_id: int) -> DeleteResult:
            result = delete(version_id)
            if on_result is not None:
                on_result(result)
            return result

        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            return list(pool.map(reported, package_version_ids))
