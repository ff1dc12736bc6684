"""`/v2/NAME...` as the core sees it, and who may touch a repository's blobs."""

from __future__ import annotations

from packyard.core.access import (
    Target,
    deletable_package,
    may_create,
    not_known,
    readable_package,
    writable_package,
)
from packyard.core.context import Context
from packyard.core.ports import Transaction
from packyard.domain.digests import InvalidDigest, parse_digest
from packyard.domain.errors import Forbidden, NotFound
from packyard.domain.oci import DigestInvalid
from packyard.domain.types import Package
from packyard.registries.oci.naming import RepoName


def resolve(tx: Transaction, ctx: Context, name: RepoName) -> Target:
    """`/v2/NAME...` resolved by the naming of the endpoint it came through: the owner, the
    package name, the package if it exists. An OWNER no account has is answered as an
    owner's name nobody took (`find_target`); the legacy naming answers it as an unseen
    repository."""
    return name.resolve(tx, ctx.actor)


def readable_or_pushable(tx: Transaction, ctx: Context, target: Target) -> bool:
    """Whether the caller sees the repository's blobs and referrers: a reader of its
    package, or, before any manifest, whoever may push to it. To anyone else the repository
    looks as one they may not see does: not there (anonymous callers are asked to
    authenticate, either way).

    False: the repository is to look empty. One who may create packages in the owner's
    namespace (an organization's member) finds a free name pushable, and so empty; a
    package hidden from them must look the same, not unknown."""
    if target.package is not None:
        try:
            readable_package(tx, ctx.actor, target)
        except NotFound:
            if may_create(tx, ctx.actor, target):
                return False
            raise
        return True
    try:
        writable_package(tx, ctx.actor, target)
    except Forbidden:
        raise not_known(target) from None
    return True


def deletable(tx: Transaction, ctx: Context, target: Target) -> Package:
    """The package, if the caller may delete from it; locked for the delete."""
    package = deletable_package(tx, ctx.actor, target)
    tx.packages.lock_package(package.id)
    return package


def digest_param(value: str) -> str:
    try:
        return str(parse_digest(value))
    except InvalidDigest as error:
        raise DigestInvalid(str(error)) from None
