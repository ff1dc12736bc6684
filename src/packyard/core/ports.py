"""What the core and the services need from storage, one small protocol per aggregate.
`storage/db` implements these; each format declares its own rows beside its code."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Generic, Protocol, TypeVar, runtime_checkable

from packyard.core.uploads import BlobUploadRows
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
    def find_owner_package_and_version(
        self, login: str, package_type: str, name: str, version_id: int | None
    ) -> tuple[Account | None, Package | None, Version | None]: ...
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
    # The version as the package's lock (`lock_package`, just taken) holds it, given what
    # this transaction `read` of it before taking the lock: read again unless nothing else
    # could have changed it in between.
    def version_under_lock(
        self, package_id: int, version_id: int, read: Version | None
    ) -> Version | None: ...
    def find_version_by_name(self, package_id: int, name: str) -> Version | None: ...
    def page_versions(
        self, package_id: int, shown: VersionFilter, offset: int, limit: int
    ) -> tuple[list[Version], int]: ...
    # (the page's version ids, the listing's total, the package's version generation, and
    # with `downloads` their download counts by id)
    def page_version_ids(
        self,
        package_id: int,
        shown: VersionFilter,
        offset: int,
        limit: int,
        *,
        downloads: bool = False,
    ) -> tuple[list[int], int, int, dict[int, int]]: ...
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


class ReclaimRows(Protocol):
    """Blobs garbage collection is reclaiming (core/reclaims.py draws the protocol)."""

    def mark(self, digests: Sequence[str], now: datetime) -> None:
        """Mark each as being reclaimed (`pending`), whatever an earlier sweep left."""
        ...

    def hold(self, digest: str) -> bool:
        """Lock the mark until the transaction ends: True if it is still pending (no
        publish vetoed it)."""
        ...

    def release(self, digest: str, deleted: bool, now: datetime) -> None:
        """After the delete: `reclaimed` if the bytes went, else the mark is dropped."""
        ...

    def state_of(self, digest: str) -> str | None: ...
    def veto(self, digest: str) -> bool:
        """Drop a pending mark (waiting for a sweep that holds it); True if one was dropped."""
        ...

    def forget(self, before: datetime) -> int: ...


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
    @property
    def reclaims(self) -> ReclaimRows: ...
    @property
    def blob_uploads(self) -> BlobUploadRows: ...
    def rows(self, key: RowsKey[R]) -> R:
        """A format's own rows, as the composition root registered them."""
        ...


class Store(Protocol):
    def lookup_token(self, token_hash: str) -> TokenRecord | None: ...
    # (the token of this id, revoked or expired ones too, and its stored hash)
    def lookup_token_by_id(self, token_id: int) -> tuple[TokenRecord, str] | None: ...
    def write(self) -> AbstractContextManager[Transaction]: ...
    def read(self) -> AbstractContextManager[Transaction]: ...
    def gc_leader(self) -> AbstractContextManager[bool]:
        """True inside if this process leads garbage collection now; False if another does."""
        ...

    # Downloads counted in memory and not yet written are visible to other processes as a
    # shared hold on one of two slots; `await_downloads` waits until every hold taken before
    # it is released (core.files explains the protocol). Where the store is one process's,
    # holds are always granted and there is nothing to wait for.
    def hold_downloads(self, slot: int) -> bool:
        """Take a shared hold on `slot` without waiting; False if a waiter is in the way."""
        ...

    def release_downloads(self, slot: int) -> None: ...

    def await_downloads(self) -> None:
        """Return once every hold taken before this call has been released."""
        ...


class BlobError(Exception):
    """A blob store's refusal; every implementation raises these, never its own."""


class UnknownUpload(BlobError):
    """The upload is not (or no longer) in the store: cancelled, or swept as abandoned."""


class OffsetMismatch(BlobError):
    def __init__(self, expected: int) -> None:
        super().__init__(f"upload continues at byte {expected}")
        self.expected = expected


class Reclaims(Protocol):
    """What a blob store that cannot delete atomically with `touch` (S3) asks the database
    after a touch: whether the sweep in progress may still delete the bytes it refreshed."""

    def spared(self, digest: str) -> bool:
        """True if no sweep will delete the blob on the strength of an age read before the
        caller's touch; False if one reclaimed it since marking it (the caller looks again:
        the bytes may have been written since)."""
        ...


class BlobStore(Protocol):
    """Content-addressed bytes: registries' layers, configs, manifests, tarballs."""

    @property
    def local(self) -> bool:
        """True if a read is local file I/O, cheap enough to do on the event loop; False if
        each call is a network round trip (S3), which callers make from a worker thread."""
        ...

    def size(self, digest: str) -> int | None: ...
    def exists(self, digest: str) -> bool: ...
    def download_url(self, digest: str, method: str) -> str | None:
        """Where a client may `method` (GET or HEAD) the blob itself, bypassing the server —
        a short-lived presigned URL, when the store is told to hand them out — or None."""
        ...

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


@runtime_checkable
class FileBlobStore(Protocol):
    """A blob store whose blobs are local files (the filesystem's): a download opens the
    blob's file while it is looked up, and the server sends it zero-copy (`sendfile`). A
    store of objects (S3) has no files to open: its blobs are read in chunks."""

    def open_file(self, digest: str) -> BinaryIO | None:
        """The blob's file, open for reading; None if the blob is not stored. The caller
        closes it; a delete meanwhile does not cut its bytes short (POSIX keeps them)."""
        ...


__all__ = [
    "AccountRows",
    "BlobError",
    "BlobStore",
    "FileBlobStore",
    "FileRecord",
    "FileRows",
    "Housekeeping",
    "NewFile",
    "OffsetMismatch",
    "PackageRows",
    "PurgeCounts",
    "ReclaimRows",
    "Reclaims",
    "RowsKey",
    "Store",
    "TokenRecord",
    "TokenRows",
    "Transaction",
    "UnknownUpload",
    "VersionRows",
]
