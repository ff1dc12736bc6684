"""`client.rest.*`: GitHub's packages operations under githubkit's names.

Every method takes keyword arguments only and percent-encodes path values itself, so a
container called `tools/cli` is passed as `"tools/cli"`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from packyard.client.models import Owner, Package, PackageVersion, RateLimit

if TYPE_CHECKING:
    from packyard.client._client import Client


class _Namespace:
    def __init__(self, client: Client) -> None:
        self._client = client

    def _call(self, name: str, **arguments: Any) -> Any:
        return self._client._operation(name, arguments)


class PackagesApi(_Namespace):
    """The 27 packages operations.

    >>> from packyard.client import Client
    >>> client = Client(token="ghp_...", base_url="http://127.0.0.1:8080/api/v3")
    >>> client.rest.packages.delete_package_version_for_user(  # doctest: +SKIP
    ...     package_type="container", package_name="tools/cli", username="alice",
    ...     package_version_id=3)
    """

    # /user --------------------------------------------------------------------------

    def list_packages_for_authenticated_user(
        self,
        *,
        package_type: str,
        visibility: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[Package]:
        return cast(
            list[Package],
            self._call(
                "list_packages_for_authenticated_user",
                package_type=package_type,
                visibility=visibility,
                page=page,
                per_page=per_page,
            ),
        )

    def get_package_for_authenticated_user(
        self, *, package_type: str, package_name: str
    ) -> Package:
        return cast(
            Package,
            self._call(
                "get_package_for_authenticated_user",
                package_type=package_type,
                package_name=package_name,
            ),
        )

    def delete_package_for_authenticated_user(
        self, *, package_type: str, package_name: str
    ) -> None:
        self._call(
            "delete_package_for_authenticated_user",
            package_type=package_type,
            package_name=package_name,
        )

    def restore_package_for_authenticated_user(
        self, *, package_type: str, package_name: str, token: str | None = None
    ) -> None:
        self._call(
            "restore_package_for_authenticated_user",
            package_type=package_type,
            package_name=package_name,
            token=token,
        )

    def get_all_package_versions_for_package_owned_by_authenticated_user(
        self,
        *,
        package_type: str,
        package_name: str,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[PackageVersion]:
        return cast(
            list[PackageVersion],
            self._call(
                "get_all_package_versions_for_package_owned_by_authenticated_user",
                package_type=package_type,
                package_name=package_name,
                state=state,
                page=page,
                per_page=per_page,
            ),
        )

    def get_package_version_for_authenticated_user(
        self, *, package_type: str, package_name: str, package_version_id: int
    ) -> PackageVersion:
        return cast(
            PackageVersion,
            self._call(
                "get_package_version_for_authenticated_user",
                package_type=package_type,
                package_name=package_name,
                package_version_id=package_version_id,
            ),
        )

    def delete_package_version_for_authenticated_user(
        self, *, package_type: str, package_name: str, package_version_id: int
    ) -> None:
        self._call(
            "delete_package_version_for_authenticated_user",
            package_type=package_type,
            package_name=package_name,
            package_version_id=package_version_id,
        )

    def restore_package_version_for_authenticated_user(
        self, *, package_type: str, package_name: str, package_version_id: int
    ) -> None:
        self._call(
            "restore_package_version_for_authenticated_user",
            package_type=package_type,
            package_name=package_name,
            package_version_id=package_version_id,
        )

    def list_docker_migration_conflicting_packages_for_authenticated_user(
        self,
    ) -> list[Package]:
        return cast(
            list[Package],
            self._call("list_docker_migration_conflicting_packages_for_authenticated_user"),
        )

    # /users/{username} --------------------------------------------------------------

    def list_packages_for_user(
        self,
        *,
        username: str,
        package_type: str,
        visibility: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[Package]:
        return cast(
            list[Package],
            self._call(
                "list_packages_for_user",
                username=username,
                package_type=package_type,
                visibility=visibility,
                page=page,
                per_page=per_page,
            ),
        )

    def get_package_for_user(
        self, *, package_type: str, package_name: str, username: str
    ) -> Package:
        return cast(
            Package,
            self._call(
                "get_package_for_user",
                package_type=package_type,
                package_name=package_name,
                username=username,
            ),
        )

    def delete_package_for_user(
        self, *, package_type: str, package_name: str, username: str
    ) -> None:
        self._call(
            "delete_package_for_user",
            package_type=package_type,
            package_name=package_name,
            username=username,
        )

    def restore_package_for_user(
        self,
        *,
        package_type: str,
        package_name: str,
        username: str,
        token: str | None = None,
    ) -> None:
        self._call(
            "restore_package_for_user",
            package_type=package_type,
            package_name=package_name,
            username=username,
            token=token,
        )

    def get_all_package_versions_for_package_owned_by_user(
        self,
        *,
        package_type: str,
        package_name: str,
        username: str,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[PackageVersion]:
        return cast(
            list[PackageVersion],
            self._call(
                "get_all_package_versions_for_package_owned_by_user",
                package_type=package_type,
                package_name=package_name,
                username=username,
                state=state,
                page=page,
                per_page=per_page,
            ),
        )

    def get_package_version_for_user(
        self, *, package_type: str, package_name: str, package_version_id: int, username: str
    ) -> PackageVersion:
        return cast(
            PackageVersion,
            self._call(
                "get_package_version_for_user",
                package_type=package_type,
                package_name=package_name,
                package_version_id=package_version_id,
                username=username,
            ),
        )

    def delete_package_version_for_user(
        self, *, package_type: str, package_name: str, username: str, package_version_id: int
    ) -> None:
        self._call(
            "delete_package_version_for_user",
            package_type=package_type,
            package_name=package_name,
            username=username,
            package_version_id=package_version_id,
        )

    def restore_package_version_for_user(
        self, *, package_type: str, package_name: str, username: str, package_version_id: int
    ) -> None:
        self._call(
            "restore_package_version_for_user",
            package_type=package_type,
            package_name=package_name,
            username=username,
            package_version_id=package_version_id,
        )

    def list_docker_migration_conflicting_packages_for_user(
        self, *, username: str
    ) -> list[Package]:
        return cast(
            list[Package],
            self._call("list_docker_migration_conflicting_packages_for_user", username=username),
        )

    # /orgs/{org} --------------------------------------------------------------------

    def list_packages_for_organization(
        self,
        *,
        org: str,
        package_type: str,
        visibility: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[Package]:
        return cast(
            list[Package],
            self._call(
                "list_packages_for_organization",
                org=org,
                package_type=package_type,
                visibility=visibility,
                page=page,
                per_page=per_page,
            ),
        )

    def get_package_for_organization(
        self, *, package_type: str, package_name: str, org: str
    ) -> Package:
        return cast(
            Package,
            self._call(
                "get_package_for_organization",
                package_type=package_type,
                package_name=package_name,
                org=org,
            ),
        )

    def delete_package_for_org(self, *, package_type: str, package_name: str, org: str) -> None:
        self._call(
            "delete_package_for_org", package_type=package_type, package_name=package_name, org=org
        )

    def restore_package_for_org(
        self, *, package_type: str, package_name: str, org: str, token: str | None = None
    ) -> None:
        self._call(
            "restore_package_for_org",
            package_type=package_type,
            package_name=package_name,
            org=org,
            token=token,
        )

    def get_all_package_versions_for_package_owned_by_org(
        self,
        *,
        package_type: str,
        package_name: str,
        org: str,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[PackageVersion]:
        return cast(
            list[PackageVersion],
            self._call(
                "get_all_package_versions_for_package_owned_by_org",
                package_type=package_type,
                package_name=package_name,
                org=org,
                state=state,
                page=page,
                per_page=per_page,
            ),
        )

    def get_package_version_for_organization(
        self, *, package_type: str, package_name: str, org: str, package_version_id: int
    ) -> PackageVersion:
        return cast(
            PackageVersion,
            self._call(
                "get_package_version_for_organization",
                package_type=package_type,
                package_name=package_name,
                org=org,
                package_version_id=package_version_id,
            ),
        )

    def delete_package_version_for_org(
        self, *, package_type: str, package_name: str, org: str, package_version_id: int
    ) -> None:
        self._call(
            "delete_package_version_for_org",
            package_type=package_type,
            package_name=package_name,
            org=org,
            package_version_id=package_version_id,
        )

    def restore_package_version_for_org(
        self, *, package_type: str, package_name: str, org: str, package_version_id: int
    ) -> None:
        self._call(
            "restore_package_version_for_org",
            package_type=package_type,
            package_name=package_name,
            org=org,
            package_version_id=package_version_id,
        )

    def list_docker_migration_conflicting_packages_for_organization(
        self, *, org: str
    ) -> list[Package]:
        return cast(
            list[Package],
            self._call("list_docker_migration_conflicting_packages_for_organization", org=org),
        )


class UsersApi(_Namespace):
    """`users.get_authenticated()` and `users.get_by_username(username=...)`.

    >>> Client(token="ghp_...").rest.users.get_authenticated().login  # doctest: +SKIP
    'alice'
    """

    def get_authenticated(self) -> Owner:
        return cast(Owner, self._call("get_authenticated"))

    def get_by_username(self, *, username: str) -> Owner:
        return cast(Owner, self._call("get_by_username", username=username))


class RateLimitApi(_Namespace):
    """`rate_limit.get()`: the quota per resource (`core`, `search`, ...).

    >>> Client(token="ghp_...").rest.rate_limit.get()["core"].remaining  # doctest: +SKIP
    4999
    """

    def get(self) -> dict[str, RateLimit]:
        return cast(dict[str, RateLimit], self._call("get"))


class Rest:
    """The namespaces under `client.rest`, as githubkit and octokit arrange them.

    >>> Client().rest.packages  # doctest: +ELLIPSIS
    <packyard.client.rest.PackagesApi object at ...>
    """

    def __init__(self, client: Client) -> None:
        self.packages = PackagesApi(client)
        self.users = UsersApi(client)
        self.rate_limit = RateLimitApi(client)
