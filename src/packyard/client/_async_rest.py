"""`async_client.rest.*`: the awaitable twin of `packyard.client.rest`.

Generated from rest.py by scripts/generate_async_rest.py; do not edit by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from packyard.client.models import Owner, Package, PackageVersion, RateLimit

if TYPE_CHECKING:
    from packyard.client._async_client import AsyncClient


class _AsyncNamespace:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def _call(self, name: str, **arguments: Any) -> Any:
        return await self._client._operation(name, arguments)


class AsyncPackagesApi(_AsyncNamespace):
    """Awaitable twin of `PackagesApi`: the same methods, each a coroutine."""

    async def list_packages_for_authenticated_user(
        self,
        *,
        package_type: str,
        visibility: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[Package]:
        return cast(
            list[Package],
            await self._call(
                "list_packages_for_authenticated_user",
                package_type=package_type,
                visibility=visibility,
                page=page,
                per_page=per_page,
            ),
        )

    async def get_package_for_authenticated_user(
        self, *, package_type: str, package_name: str
    ) -> Package:
        return cast(
            Package,
            await self._call(
                "get_package_for_authenticated_user",
                package_type=package_type,
                package_name=package_name,
            ),
        )

    async def delete_package_for_authenticated_user(
        self, *, package_type: str, package_name: str
    ) -> None:
        await self._call(
            "delete_package_for_authenticated_user",
            package_type=package_type,
            package_name=package_name,
        )

    async def restore_package_for_authenticated_user(
        self, *, package_type: str, package_name: str, token: str | None = None
    ) -> None:
        await self._call(
            "restore_package_for_authenticated_user",
            package_type=package_type,
            package_name=package_name,
            token=token,
        )

    async def get_all_package_versions_for_package_owned_by_authenticated_user(
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
            await self._call(
                "get_all_package_versions_for_package_owned_by_authenticated_user",
                package_type=package_type,
                package_name=package_name,
                state=state,
                page=page,
                per_page=per_page,
            ),
        )

    async def get_package_version_for_authenticated_user(
        self, *, package_type: str, package_name: str, package_version_id: int
    ) -> PackageVersion:
        return cast(
            PackageVersion,
            await self._call(
                "get_package_version_for_authenticated_user",
                package_type=package_type,
                package_name=package_name,
                package_version_id=package_version_id,
            ),
        )

    async def delete_package_version_for_authenticated_user(
        self, *, package_type: str, package_name: str, package_version_id: int
    ) -> None:
        await self._call(
            "delete_package_version_for_authenticated_user",
            package_type=package_type,
            package_name=package_name,
            package_version_id=package_version_id,
        )

    async def restore_package_version_for_authenticated_user(
        self, *, package_type: str, package_name: str, package_version_id: int
    ) -> None:
        await self._call(
            "restore_package_version_for_authenticated_user",
            package_type=package_type,
            package_name=package_name,
            package_version_id=package_version_id,
        )

    async def list_docker_migration_conflicting_packages_for_authenticated_user(
        self,
    ) -> list[Package]:
        return cast(
            list[Package],
            await self._call("list_docker_migration_conflicting_packages_for_authenticated_user"),
        )

    async def list_packages_for_user(
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
            await self._call(
                "list_packages_for_user",
                username=username,
                package_type=package_type,
                visibility=visibility,
                page=page,
                per_page=per_page,
            ),
        )

    async def get_package_for_user(
        self, *, package_type: str, package_name: str, username: str
    ) -> Package:
        return cast(
            Package,
            await self._call(
                "get_package_for_user",
                package_type=package_type,
                package_name=package_name,
                username=username,
            ),
        )

    async def delete_package_for_user(
        self, *, package_type: str, package_name: str, username: str
    ) -> None:
        await self._call(
            "delete_package_for_user",
            package_type=package_type,
            package_name=package_name,
            username=username,
        )

    async def restore_package_for_user(
        self, *, package_type: str, package_name: str, username: str, token: str | None = None
    ) -> None:
        await self._call(
            "restore_package_for_user",
            package_type=package_type,
            package_name=package_name,
            username=username,
            token=token,
        )

    async def get_all_package_versions_for_package_owned_by_user(
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
            await self._call(
                "get_all_package_versions_for_package_owned_by_user",
                package_type=package_type,
                package_name=package_name,
                username=username,
                state=state,
                page=page,
                per_page=per_page,
            ),
        )

    async def get_package_version_for_user(
        self, *, package_type: str, package_name: str, package_version_id: int, username: str
    ) -> PackageVersion:
        return cast(
            PackageVersion,
            await self._call(
                "get_package_version_for_user",
                package_type=package_type,
                package_name=package_name,
                package_version_id=package_version_id,
                username=username,
            ),
        )

    async def delete_package_version_for_user(
        self, *, package_type: str, package_name: str, username: str, package_version_id: int
    ) -> None:
        await self._call(
            "delete_package_version_for_user",
            package_type=package_type,
            package_name=package_name,
            username=username,
            package_version_id=package_version_id,
        )

    async def restore_package_version_for_user(
        self, *, package_type: str, package_name: str, username: str, package_version_id: int
    ) -> None:
        await self._call(
            "restore_package_version_for_user",
            package_type=package_type,
            package_name=package_name,
            username=username,
            package_version_id=package_version_id,
        )

    async def list_docker_migration_conflicting_packages_for_user(
        self, *, username: str
    ) -> list[Package]:
        return cast(
            list[Package],
            await self._call(
                "list_docker_migration_conflicting_packages_for_user", username=username
            ),
        )

    async def list_packages_for_organization(
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
            await self._call(
                "list_packages_for_organization",
                org=org,
                package_type=package_type,
                visibility=visibility,
                page=page,
                per_page=per_page,
            ),
        )

    async def get_package_for_organization(
        self, *, package_type: str, package_name: str, org: str
    ) -> Package:
        return cast(
            Package,
            await self._call(
                "get_package_for_organization",
                package_type=package_type,
                package_name=package_name,
                org=org,
            ),
        )

    async def delete_package_for_org(
        self, *, package_type: str, package_name: str, org: str
    ) -> None:
        await self._call(
            "delete_package_for_org", package_type=package_type, package_name=package_name, org=org
        )

    async def restore_package_for_org(
        self, *, package_type: str, package_name: str, org: str, token: str | None = None
    ) -> None:
        await self._call(
            "restore_package_for_org",
            package_type=package_type,
            package_name=package_name,
            org=org,
            token=token,
        )

    async def get_all_package_versions_for_package_owned_by_org(
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
            await self._call(
                "get_all_package_versions_for_package_owned_by_org",
                package_type=package_type,
                package_name=package_name,
                org=org,
                state=state,
                page=page,
                per_page=per_page,
            ),
        )

    async def get_package_version_for_organization(
        self, *, package_type: str, package_name: str, org: str, package_version_id: int
    ) -> PackageVersion:
        return cast(
            PackageVersion,
            await self._call(
                "get_package_version_for_organization",
                package_type=package_type,
                package_name=package_name,
                org=org,
                package_version_id=package_version_id,
            ),
        )

    async def delete_package_version_for_org(
        self, *, package_type: str, package_name: str, org: str, package_version_id: int
    ) -> None:
        await self._call(
            "delete_package_version_for_org",
            package_type=package_type,
            package_name=package_name,
            org=org,
            package_version_id=package_version_id,
        )

    async def restore_package_version_for_org(
        self, *, package_type: str, package_name: str, org: str, package_version_id: int
    ) -> None:
        await self._call(
            "restore_package_version_for_org",
            package_type=package_type,
            package_name=package_name,
            org=org,
            package_version_id=package_version_id,
        )

    async def list_docker_migration_conflicting_packages_for_organization(
        self, *, org: str
    ) -> list[Package]:
        return cast(
            list[Package],
            await self._call(
                "list_docker_migration_conflicting_packages_for_organization", org=org
            ),
        )


class AsyncUsersApi(_AsyncNamespace):
    """Awaitable twin of `UsersApi`: the same methods, each a coroutine."""

    async def get_authenticated(self) -> Owner:
        return cast(Owner, await self._call("get_authenticated"))

    async def get_by_username(self, *, username: str) -> Owner:
        return cast(Owner, await self._call("get_by_username", username=username))


class AsyncRateLimitApi(_AsyncNamespace):
    """Awaitable twin of `RateLimitApi`: the same methods, each a coroutine."""

    async def get(self) -> dict[str, RateLimit]:
        return cast(dict[str, RateLimit], await self._call("get"))


class AsyncRest:
    """The namespaces under `async_client.rest`, as on the sync client."""

    def __init__(self, client: AsyncClient) -> None:
        self.packages = AsyncPackagesApi(client)
        self.users = AsyncUsersApi(client)
        self.rate_limit = AsyncRateLimitApi(client)
