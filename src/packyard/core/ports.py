"""What the core and the services need from storage, one small protocol per aggregate.
`storage/db` implements these; each format declares its own rows beside its code."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from packyard.domain.files import FileRecord, NewFile
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
    VersionFilter,
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
class SeededVersion:
    """A version as a seed file gives it, matched by name: `values` holds its columns
    (download_count, created_at, updated_at, deleted_at, description, license), `tags`
    exactly its tags, or None to leave a live version's as they are (a format's own, such
    as npm's dist-tags)."""

    name: str
    values: dict[str, Any]
    tags: Sequence[str] | None


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    packages: int
    versions: int
    blobs: int = 0
    uploads: int = 0


class AccountRows(Protocol):
    """Accounts, organizations and repositories."""

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


class TokenRows(Protocol):
    """Tokens, by the hash of their text."""

    def find_token(self, token_hash: str) -> TokenRecord | None: ...
    def find_token_by_id(self, token_id: int) -> tuple[TokenRecord, str] | None: ...
    def token_owner_id(self, token_hash: str) -> int | None: ...
    def upsert_token(self, token_hash: str, prefix: str, values: dict[str, Any]) -> int: ...
    def touch_token(self, token_id: int, now: datetime) -> None: ...
    def revoke_token(self, token_hash: str, now: datetime) -> bool: ...


class PackageRows(Protocol):
    """Packages and who may do what to them."""

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
    def create_package(
        self,
        owner_id: int,
        package_type: PackageType,
        name: str,
        visibility: Visibility,
        repository_id: int | None,
        now: datetime,
    ) -> Package: ...
    def package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None
    ) -> Role: ...
    def package_grants(self, package_id: int) -> list[tuple[int | None, int | None, Role]]: ...
    def set_package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None, role: Role
    ) -> None: ...
    def remove_package_grant(
        self, package_id: int, user_id: int | None, repository_id: int | None
    ) -> bool: ...
    def set_inherit_access(self, package_id: int, inherit: bool, now: datetime) -> None: ...
    def lock_package(self, package_id: int) -> bool: ...
    def soft_delete_package(self, package_id: int, now: datetime) -> bool: ...
    def retype_package(self, package_id: int, package_type: PackageType, now: datetime) -> None: ...
    def restore_package(self, package_id: int, now: datetime) -> bool: ...
    def set_visibility(self, package_id: int, visibility: Visibility, now: datetime) -> None: ...
    def list_deleted_packages(self, owner_id: int) -> list[Package]: ...
    def max_download_count(self, package_id: int) -> int: ...
    def total_download_count(self, package_id: int) -> int: ...


class VersionRows(Protocol):
    """Versions, their tags and their downloads."""

    def find_version(self, package_id: int, version_id: int) -> Version | None: ...
    def find_version_by_name(self, package_id: int, name: str) -> Version | None: ...
    def page_versions(
        self, package_id: int, shown: VersionFilter, offset: int, limit: int
    ) -> tuple[list[Version], int]: ...
    # (the page's version ids, the listing's total, the package's version generation)
    def page_version_ids(
        self, package_id: int, shown: VersionFilter, offset: int, limit: int
    ) -> tuple[list[int], int, int]: ...
    def find_versions(self, package_id: int, version_ids: Sequence[int]) -> list[Version]: ...
    # (live versions, live tagged versions up to 2), each only if asked for (else None).
    def version_counts(
        self, package_id: int, *, active: bool = True, tagged: bool = True
    ) -> tuple[int | None, int | None]: ...
    def downloads_since(self, package_id: int, day: str) -> list[tuple[int, str, int]]: ...
    def daily_downloads(self, package_id: int, day: str) -> list[tuple[str, int]]: ...
    def upsert_versions(self, package_id: int, versions: Sequence[SeededVersion]) -> list[int]:
        """Seeded versions of one package, each matched by name, in the order given; their
        ids in that order. The package's live versions are counted once, after them all."""
        ...

    def create_version(
        self,
        package_id: int,
        name: str,
        now: datetime,
        description: str | None = None,
        license: str | None = None,
    ) -> int: ...
    def soft_delete_version(self, version: Version, now: datetime) -> bool: ...
    def restore_version(self, version: Version, now: datetime) -> bool: ...
    def move_tag(self, package_id: int, tag: str, version_id: int, now: datetime) -> None: ...
    def untag(self, package_id: int, tag: str) -> bool: ...
    def list_tags(self, package_id: int, last: str | None, limit: int | None) -> list[str]: ...
    def record_download(self, version_id: int, day: str, times: int = 1) -> None: ...


class FileRows(Protocol):
    """What every format's versions hold."""

    def add_file(self, version_id: int, package_id: int, file: NewFile, now: datetime) -> int: ...
    def files_of(self, version_id: int) -> list[FileRecord]: ...
    def find_file(self, version_id: int, name: str) -> FileRecord | None: ...
    def find_live_file(self, package_id: int, name: str) -> FileRecord | None: ...
    def live_files(self, package_ids: Sequence[int]) -> list[FileRecord]: ...
    def forget_files(self, file_ids: list[int]) -> None: ...
    def file_digests(self) -> set[str]: ...


class Housekeeping(Protocol):
    """The audit log, and purging what the restore window no longer holds."""

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


R = TypeVar("R")


class RowsKey(Generic[R]):
    """Names a format's own rows (its protocol is R): a format declares one beside its
    protocol, the composition root maps it to the storage that implements it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"RowsKey({self.name!r})"


class Transaction(Protocol):
    """One open transaction on the store: small repositories over one connection."""

    @property
    def accounts(self) -> AccountRows: ...
    @property
    def tokens(self) -> TokenRows: ...
    @property
    def packages(self) -> PackageRows: ...
    @property
    def versions(self) -> VersionRows: ...
    @property
    def files(self) -> FileRows: ...
    @property
    def housekeeping(self) -> Housekeeping: ...
    def rows(self, key: RowsKey[R]) -> R:
        """A format's own rows, as the composition root registered them."""
        ...


class Store(Protocol):
    def lookup_token(self, token_hash: str) -> TokenRecord | None: ...
    def write(self) -> AbstractContextManager[Transaction]: ...
    def read(self) -> AbstractContextManager[Transaction]: ...
    def gc_leader(self) -> AbstractContextManager[bool]:
        """True inside if this process leads garbage collection now; False if another does."""
        ...


class BlobError(Exception):
    """A blob store's refusal; every implementation raises these, never its own."""


class UnknownUpload(BlobError):
    """The upload is not (or no longer) in the store: cancelled, or swept as abandoned."""


class OffsetMismatch(BlobError):
    def __init__(self, expected: int) -> None:
        super().__init__(f"upload continues at byte {expected}")
        self.expected = expected


class BlobStore(Protocol):
    """Content-addressed bytes: registries' layers, configs, manifests, tarballs."""

    @property
    def local(self) -> bool:
        """True if a read is local file I/O, cheap enough to do on the event loop; False if
        each call is a network round trip (S3), which callers make from a worker thread."""
        ...

    def size(self, digest: str) -> int | None: ...
    def exists(self, digest: str) -> bool: ...
    def read(self, digest: str, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...
    def read_all(self, digest: str) -> bytes: ...
    def put(self, data: bytes, digest: str) -> int: ...
    def touch(self, digest: str) -> bool: ...
    def written_at(self, digest: str) -> float | None: ...
    def delete(self, digest: str) -> bool: ...
    def delete_if_older(self, digest: str, before: float) -> bool: ...
    def start_upload(self) -> str: ...
    def upload_size(self, upload_id: str) -> int: ...
    def append(self, upload_id: str, data: bytes, offset: int | None = None) -> int: ...
    def commit(self, upload_id: str, digest: str) -> int: ...
    def cancel(self, upload_id: str) -> bool: ...
    def uploads(self) -> list[str]: ...
    def stored(self) -> Iterator[tuple[str, float]]: ...
    def upload_started(self, upload_id: str) -> float: ...


__all__ = [
    "AccountRows",
    "BlobError",
    "BlobStore",
    "FileRecord",
    "FileRows",
    "Housekeeping",
    "NewFile",
    "OffsetMismatch",
    "PackageRows",
    "PurgeCounts",
    "RowsKey",
    "Store",
    "TokenRecord",
    "TokenRows",
    "Transaction",
    "UnknownUpload",
    "VersionRows",
]
