"""Each package type as the core sees it: pure traits, and hooks into the shared paths.

A format overrides only the hooks it needs; the composition root registers one object per
`PackageType`, and generic code calls `ctx.formats[package.package_type]` instead of asking
`if package_type is X`. Types with no registry yet are served by the plain `Format`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from packyard.core.ports import BlobStore, Transaction
from packyard.domain.files import BuildRecord
from packyard.domain.formats import FormatTraits, traits
from packyard.domain.types import Package, PackageType, Version

if TYPE_CHECKING:  # the context holds the formats: a type only, never an import cycle
    from packyard.core.context import Context


class ContentInvalid(ValueError):
    """A seed file's `content:` that the format cannot build; the message says why."""


@dataclass(frozen=True, slots=True)
class ContentRequest:
    """A seed file's `content:` for one version (shared/spec/seed-format.md), read: what a
    format builds as real bytes, the way its clients would have pushed them."""

    owner: str  # the owner's login
    package: str  # the package's name, as the REST API names it
    version: str | None  # the file's version name; None where the content names it (a digest)
    kind: str
    platforms: tuple[str, ...] = ()
    attestation: bool = False
    files: tuple[tuple[str, str], ...] = ()  # (path, text), as the file lists them
    description: str | None = None
    license: str | None = None


class Content(Protocol):
    """Bytes a format built for one seeded version, ready to be published through the
    format's own publish path (the one its clients' pushes take)."""

    @property
    def version(self) -> str:
        """The version these bytes are: a manifest's digest, an npm version number."""
        ...

    @property
    def extra_versions(self) -> int:
        """How many versions beyond `version` it publishes (an index's platforms, ...)."""
        ...

    def publish(self, ctx: Context, blobs: BlobStore) -> None:
        """Publish as the format's clients do, as `ctx.actor`; publishing again (a second
        load of the same seed) changes nothing."""
        ...


@dataclass(frozen=True, slots=True)
class Part:
    """One thing a version is made of or points at, as its page lists it: a platform of an
    image index, a layer or config, a referrer (a signature, an attestation, an SBOM)."""

    label: str  # "linux/arm64", "layer", an artifact type
    digest: str
    size: int
    media_type: str
    version_id: int | None = None  # a version with a page of its own (a platform, a referrer)


@dataclass(frozen=True, slots=True)
class VersionContents:
    media_type: str
    platforms: list[Part]
    layers: list[Part]
    referrers: list[Part]

    @property
    def size(self) -> int:
        """The layers' and config's bytes (an index's are its platforms')."""
        return sum(p.size for p in self.layers)


class Format:
    def __init__(self, package_type: PackageType) -> None:
        self.traits: FormatTraits = traits(package_type)

    @property
    def package_type(self) -> PackageType:
        return self.traits.package_type

    def before_delete(self, tx: Transaction, package: Package, version: Version) -> None:
        """Refuse a version delete by raising; runs under the package's lock."""

    def after_delete(
        self, tx: Transaction, package: Package, version: Version, now: datetime
    ) -> list[int]:
        """Repair what the delete left behind; returns ids of further versions deleted."""
        return []

    def purge(self, tx: Transaction, cutoff: datetime) -> None:
        """Remove for good what this format deleted inside live versions before `cutoff`
        (a SNAPSHOT's builds); their bytes then go with GC like any version's."""

    # Builds: a format may keep several inside one version (Maven's SNAPSHOT deploys), each
    # deleted and restored on its own. The plain format has none.
    def builds(
        self, tx: Transaction, package: Package, version: Version, deleted: bool
    ) -> list[BuildRecord]:
        """The version's active (or deleted) builds, newest first."""
        return []

    def find_build(
        self, tx: Transaction, package: Package, version: Version, build_id: int
    ) -> BuildRecord | None:
        return None

    def delete_build(
        self, tx: Transaction, package: Package, version: Version, build: BuildRecord, now: datetime
    ) -> bool:
        """Soft-delete `build`, or raise the format's refusal; False if it is gone."""
        return False

    def restore_build(
        self, tx: Transaction, package: Package, version: Version, build: BuildRecord, now: datetime
    ) -> bool:
        return False

    def extra_references(self, tx: Transaction, recent_since: datetime) -> set[str]:
        """Digests this format needs kept beyond its versions' files."""
        return set()

    def forget_unreferenced(self, tx: Transaction, cutoff: datetime) -> None:
        """Before GC reclaims bytes: drop rows of this format's, older than `cutoff`, that
        name bytes no version of theirs holds any more (they may be about to vanish)."""

    def forget_uploads(self, tx: Transaction, upload_ids: list[str]) -> None:
        """GC cancelled these abandoned uploads' bytes: drop what this format kept of them."""

    def build_content(self, request: ContentRequest) -> Content:
        """Real bytes for a seeded version (`packyard seed`'s `content:`), built without
        touching the store; `ContentInvalid` if this format cannot build what is asked."""
        raise ContentInvalid(f"{self.package_type.value} versions cannot be given content")

    def contents(
        self, tx: Transaction, package: Package, version: Version
    ) -> VersionContents | None:
        """What the version is made of, if this format keeps its structure (containers)."""
        return None

    def readme(self, tx: Transaction, package: Package, version: Version) -> str | None:
        """The readme the version was published with (Markdown, the publisher's text), if
        this format keeps one."""
        return None

    def coordinates(self, tx: Transaction, package: Package) -> tuple[str, str] | None:
        """The (group, artifact) a client names the package by, where its REST name joins
        two that cannot be told apart from it (Maven's `groupId.artifactId`, either of
        which may hold dots); None where the name is all a client needs."""
        return None

    def migration_conflicts(self, tx: Transaction, owner_id: int) -> list[Package]:
        """The owner's packages of this type whose move to another registry failed because
        their new name was taken (GitHub's `docker/conflicts`)."""
        return []


class Formats:
    """The registered formats, one per package type; unregistered types get the plain one."""

    def __init__(self, registered: Iterable[Format] = ()) -> None:
        self._by_type = {t: Format(t) for t in PackageType}
        for fmt in registered:
            self._by_type[fmt.package_type] = fmt

    def __getitem__(self, package_type: PackageType) -> Format:
        return self._by_type[package_type]

    def __iter__(self) -> Iterator[Format]:
        return iter(self._by_type.values())
