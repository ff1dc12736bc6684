"""What the services need from storage. `storage/db` implements these; tests may too."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from packyard.domain.types import (
    Account,
    OrgRole,
    Package,
    PackageType,
    Repository,
    RepositoryPermission,
    Role,
    TokenKind,
    Version,
    Visibility,
)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    user: Account | None
    kind: TokenKind
    scopes: frozenset[str]
    repository_id: int | None
    packages_permission: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    packages: int
    versions: int


class Transaction(Protocol):
    """One open transaction on the store."""

    # accounts, orgs, repositories
    def find_account_by_login(self, login: str) -> Account | None: ...
    def find_account(self, account_id: int) -> Account | None: ...
    def create_account(
        self, login: str, type_: str, name: str | None, site_admin: bool, now: datetime
    ) -> Account: ...
    def update_account(self, account_id: int, name: str | None, site_admin: bool) -> None: ...
    def org_role(self, org_id: int, user_id: int) -> OrgRole | None: ...
    def set_org_role(self, org_id: int, user_id: int, role: OrgRole) -> None: ...
    def find_repository(self, owner_id: int, name: str) -> Repository | None: ...
    def get_repository(self, repository_id: int) -> Repository | None: ...
    def upsert_repository(
        self, owner_id: int, name: str, visibility: Visibility, now: datetime
    ) -> int: ...
    def collaborator_permission(
        self, repository_id: int, user_id: int
    ) -> RepositoryPermission | None: ...
    def set_collaborator(
        self, repository_id: int, user_id: int, permission: RepositoryPermission
    ) -> None: ...

    # tokens
    def find_token(self, token_hash: str) -> TokenRecord | None: ...
    def token_owner_id(self, token_hash: str) -> int | None: ...
    def upsert_token(self, token_hash: str, prefix: str, values: dict[str, Any]) -> int: ...
    def touch_token(self, token_id: int, now: datetime) -> None: ...
    def revoke_token(self, token_hash: str, now: datetime) -> bool: ...

    # packages
    def find_package(
        self, owner_id: int, package_type: PackageType, name: str
    ) -> Package | None: ...
    def find_owner_and_package(
        self, login: str, package_type: str, name: str
    ) -> tuple[Account | None, Package | None]: ...
    def find_deleted_packages(
        self, owner_id: int, package_type: PackageType, name: str
    ) -> list[Package]: ...
    def list_packages(self, owner_id: int, package_type: PackageType) -> list[Package]: ...
    def page_packages(
        self,
        owner_id: int,
        package_type: PackageType,
        visibilities: Sequence[Visibility] | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Package], int]: ...
    def upsert_package(
        self, owner_id: int, package_type: PackageType, name: str, values: dict[str, Any]
    ) -> int: ...
    def package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None
    ) -> Role: ...
    def set_package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None, role: Role
    ) -> None: ...
    def lock_package(self, package_id: int) -> bool: ...
    def soft_delete_package(self, package_id: int, now: datetime) -> bool: ...
    def restore_package(self, package_id: int, now: datetime) -> bool: ...
    def max_download_count(self, package_id: int) -> int: ...

    # versions
    def find_version(self, package_id: int, version_id: int) -> Version | None: ...
    def find_version_by_name(self, package_id: int, name: str) -> Version | None: ...
    def page_versions(
        self, package_id: int, deleted: bool, offset: int, limit: int
    ) -> tuple[list[Version], int]: ...
    def version_counts(self, package_id: int) -> tuple[int, int]: ...
    def upsert_version(
        self, package_id: int, name: str, values: dict[str, Any], tags: Sequence[str]
    ) -> int: ...
    def soft_delete_version(self, version: Version, now: datetime) -> bool: ...
    def restore_version(self, version: Version, now: datetime) -> bool: ...

    # housekeeping
    def audit(
        self,
        action: str,
        *,
        at: datetime,
        actor_id: int | None,
        token_id: int | None,
        request_id: str | None,
        package_id: int | None,
        version_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None: ...
    def purge_deleted(self, cutoff: datetime) -> PurgeCounts: ...


class Store(Protocol):
    def lookup_token(self, token_hash: str) -> TokenRecord | None: ...
    def write(self) -> AbstractContextManager[Transaction]: ...
    def read(self) -> AbstractContextManager[Transaction]: ...
