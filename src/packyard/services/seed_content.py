"""`packyard seed`'s `content:`: real bytes for a seeded version, published the way the
format's clients publish (a push through /v2/, `npm publish`), inside the seed's one
transaction.

The seed does not know how an image or a tarball is made: it reads the `content:` key into
a `ContentRequest`, and the version's format builds the bytes (`Format.build_content`, in
the format's own folder) and publishes them through its own service. Services never import
registries; the registered formats come in through `load_seed`'s caller (the CLI, the
tests), as they do for every other use case.

Order, and why: the file's rows are written first, every version included, so versions keep
the ids the file's order gives them whether or not they have content; then each version's
content is published, which fills the seeded version (a publish adopts a version that holds
no file) and adds what comes with it (an index's platforms, an attestation) after them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packyard.core.context import Context
from packyard.core.formats import Content, ContentInvalid, ContentRequest, Formats
from packyard.core.ports import BlobStore, Store, TokenRecord, Transaction
from packyard.domain.errors import DomainError
from packyard.domain.rules import DEFAULT_RESTORE_WINDOW
from packyard.domain.types import Account, Actor, PackageType, Scope, TokenKind
from packyard.services.seed_schema import SeedChecker

# The seed publishes as the package's owner, through no token: nothing a publish writes
# records a token, and the owner (a user, or the organization itself) is the package's admin,
# so no grant the file does not list is added.
NO_TOKEN_ID = 0


@dataclass(frozen=True, slots=True)
class ContentPorts:
    """What publishing content needs beyond the store: the formats that build and publish
    it, and the blob store its bytes go to."""

    formats: Formats
    blobs: BlobStore


@dataclass(frozen=True, slots=True)
class PendingContent:
    """A version's content, built and checked, to publish once every row is written."""

    path: str  # the version's, for errors
    owner: Account
    content: Content
    created_at: datetime


def read_content(
    check: SeedChecker,
    ports: ContentPorts | None,
    value: Any,
    path: str,
    ptype: PackageType,
    request: dict[str, Any],
) -> Content | None:
    """The built content of a version's `content:` (a kind, or a mapping), or None with
    the errors recorded at `path`. `request` holds the owner, package and version fields."""
    spec = {"kind": value} if isinstance(value, str) else check.mapping(value, path, "content")
    if spec is None:
        return None
    kind = check.string(spec.get("kind"), f"{path}.kind")
    platforms = _strings(check, spec.get("platforms"), f"{path}.platforms")
    attestation = check.boolean(spec.get("attestation"), f"{path}.attestation", False)
    files = _files(check, spec.get("files"), f"{path}.files")
    if kind is None or platforms is None or files is None:
        return None
    if ports is None:
        check.error(path, "content needs a blob store: load it with `packyard seed`")
        return None
    try:
        return ports.formats[ptype].build_content(
            ContentRequest(
                kind=kind, platforms=platforms, attestation=attestation, files=files, **request
            )
        )
    except ContentInvalid as error:
        check.error(path, str(error))
        return None


def _strings(check: SeedChecker, value: Any, path: str) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        check.error(path, "must be a list of strings")
        return None
    return tuple(value)


def _files(check: SeedChecker, value: Any, path: str) -> tuple[tuple[str, str], ...] | None:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        check.error(path, "must map file paths to their text")
        return None
    return tuple(value.items())


def publish_contents(
    tx: Transaction, ports: ContentPorts, pending: list[PendingContent], check: SeedChecker
) -> None:
    """Publish each version's content in the seed's transaction, as its owner, at the
    version's own time (what comes with it is as old as it is)."""
    store = _InTransaction(tx)
    for item in pending:
        actor = Actor(
            user=item.owner,
            token_id=NO_TOKEN_ID,
            kind=TokenKind.CLASSIC,
            scopes=frozenset({Scope.READ_PACKAGES, Scope.WRITE_PACKAGES}),
        )
        ctx = Context(store, actor, item.created_at, DEFAULT_RESTORE_WINDOW, ports.formats)
        try:
            item.content.publish(ctx, ports.blobs)
        except DomainError as error:  # an error of ours: the bytes are built to be accepted
            check.error(f"{item.path}.content", f"publishing it failed: {error.message}")


class _InTransaction:
    """A store whose every transaction is the seed's open one: what a publish writes joins
    the seed's single transaction, and a seed that fails leaves none of it behind (bytes
    already written are unreferenced, and collected like any abandoned push's)."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def lookup_token(self, token_hash: str) -> TokenRecord | None:
        return self._tx.tokens.find_token(token_hash)

    def lookup_token_by_id(self, token_id: int) -> tuple[TokenRecord, str] | None:
        return self._tx.tokens.find_token_by_id(token_id)

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        yield self._tx

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        yield self._tx

    @contextmanager
    def gc_leader(self) -> Iterator[bool]:
        yield False

    # A seed is one process's one transaction: no downloads are pending anywhere for it.
    def hold_downloads(self, slot: int) -> bool:
        return True

    def release_downloads(self, slot: int) -> None:
        pass

    def await_downloads(self) -> None:
        pass


def _conforms(tx: Transaction) -> Store:
    """Never called: mypy checks here that `_InTransaction` is a `Store`."""
    return _InTransaction(tx)
