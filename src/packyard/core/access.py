"""Who may read, publish to and delete a package, for every registry alike.

Each check raises the domain's `Unauthenticated`, `Forbidden` or `NotFound`, which every
wire format maps to its own protocol. What a caller may not see is refused exactly as what
does not exist: a stranger pushing to someone's private package hears the same "you may not
create packages here" as for a name nobody has taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from packyard.core.ports import Transaction
from packyard.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated
from packyard.domain.formats import traits
from packyard.domain.permissions import (
    REQUIRED_SCOPES,
    AccessFacts,
    Denial,
    Operation,
    authorize,
    missing_scopes,
    package_role,
    repository_role,
    required_scopes,
)
from packyard.domain.types import (
    Account,
    AccountType,
    Actor,
    OrgRole,
    Package,
    PackageType,
    Repository,
    RepositoryPermission,
    Role,
)

REQUIRES_AUTHENTICATION = "authentication required"
READ_SCOPES_MESSAGE = "reading packages needs a token with read:packages"
PUBLISH_SCOPES_MESSAGE = "publishing needs a token with read:packages and write:packages"
DELETE_SCOPES_MESSAGE = "deleting needs a token with read:packages and delete:packages"
_SCOPES_MESSAGES = {
    Operation.READ: READ_SCOPES_MESSAGE,
    Operation.PUBLISH: PUBLISH_SCOPES_MESSAGE,
    Operation.DELETE: DELETE_SCOPES_MESSAGE,
}


@dataclass(frozen=True, slots=True)
class Target:
    """A package as a registry names it: its owner, type and name, and the live package if
    there is one (a first publish creates it)."""

    owner: Account
    package_type: PackageType
    name: str
    package: Package | None
    label: str  # how the registry's clients name it, in messages: "repository alice/app"
    # For a repository-scoped format (Maven, legacy Docker), the repository its URL names:
    # access is that repository's, and a package of another repository is not this one.
    repository: Repository | None = None

    @property
    def repository_scoped(self) -> bool:
        return not traits(self.package_type).granular

    def elsewhere(self, package: Package) -> bool:
        """Whether `package` belongs to another repository than the one the URL names."""
        return self.repository is not None and package.repository_id != self.repository.id


# The stand-in account of an owner nobody has: no row has this id, so nothing is found
# under it and no caller is it.
UNCLAIMED_OWNER_ID = 0


def find_owner(tx: Transaction, login: str) -> Account:
    """The account `login` names; for a login nobody has, a stand-in with no packages, so
    that a registry answers it exactly as an owner whose packages the caller may not see:
    anonymous callers asked to log in, "not known", "you may not create packages in its
    namespace", an empty feed — never a 404 where a private package answers 401 or 403."""
    owner = tx.accounts.find_account_by_login(login)
    if owner is None:
        return Account(id=UNCLAIMED_OWNER_ID, login=login, type=AccountType.USER)
    return owner


def find_target(
    tx: Transaction,
    owner_login: str,
    package_type: PackageType,
    name: str,
    label: str | None = None,
    repository: Repository | None = None,
) -> Target:
    """The package `name` of `owner_login` (see `find_owner` for a login nobody has)."""
    owner = find_owner(tx, owner_login)
    package = (
        tx.packages.find_package(owner.id, package_type, name)
        if owner.id != UNCLAIMED_OWNER_ID
        else None
    )
    return Target(owner, package_type, name, package, label or name, repository)


def check_scopes(
    actor: Actor, operation: Operation, *, anonymous: str | None = REQUIRES_AUTHENTICATION
) -> None:
    """Before existence is looked at: a token whose scopes cannot `operation` anywhere is
    refused so (and learns nothing of what exists); an anonymous caller is asked to log in
    with the message `anonymous`, or passes when it is None (to see what is public)."""
    if actor.anonymous:
        if anonymous is not None:
            raise Unauthenticated(anonymous)
        return
    scopes = REQUIRED_SCOPES[operation]
    if missing_scopes(actor, scopes):
        raise Forbidden(_SCOPES_MESSAGES[operation], scopes)


def readable_package(tx: Transaction, actor: Actor, target: Target) -> Package:
    """The package, if the caller may read it. Anonymous callers learn to authenticate and
    nothing about existence; others see "not found" for what they may not see."""
    return _readable(tx, actor, target)[0]


def _readable(tx: Transaction, actor: Actor, target: Target) -> tuple[Package, AccessFacts]:
    """`readable_package`, with the facts it read (a delete decides on them too)."""
    package = target.package
    if package is not None and not target.elsewhere(package):
        facts = access_facts(tx, actor, package)
        decision = authorize(actor, package, facts, Operation.READ)
        if decision.allowed:
            return package, facts
        if not actor.anonymous and decision.denial is Denial.MISSING_SCOPES:
            # The caller may see the package (its repository, say): only scopes are missing.
            lacking = ", ".join(missing_scopes(actor, decision.accepted_scopes))
            raise Forbidden(f"the token lacks {lacking}", decision.accepted_scopes)
    if actor.anonymous:
        raise Unauthenticated(REQUIRES_AUTHENTICATION)
    raise not_known(target)


def readable_packages(tx: Transaction, actor: Actor, packages: Iterable[Package]) -> list[Package]:
    """Those of `packages` the caller may read (an index or a listing of several)."""
    return [
        p
        for p in packages
        if authorize(actor, p, access_facts(tx, actor, p), Operation.READ).allowed
    ]


def not_known(target: Target) -> NotFound:
    """What a caller hears of a package it may not see, and of one that does not exist."""
    return NotFound(f"{target.label} is not known")


def writable_package(
    tx: Transaction, actor: Actor, target: Target, *, creates: bool = True
) -> Package | None:
    """The package the caller may publish to, or None when the caller may create it.

    Scopes are checked before existence, so a token without write:packages learns nothing
    about which names are taken. A write that would create the package (`creates`) tells a
    caller who may create here that a name hidden from them is taken, as it must; one that
    only changes a package (a dist-tag, a deprecation) answers them as for a free name."""
    if actor.anonymous:
        raise Unauthenticated(REQUIRES_AUTHENTICATION)
    scopes = (
        required_scopes(Operation.PUBLISH, target.package)
        if target.package
        else REQUIRED_SCOPES[Operation.PUBLISH]
    )
    if missing_scopes(actor, scopes):
        raise Forbidden(PUBLISH_SCOPES_MESSAGE, scopes)
    package = target.package
    creator = may_create(tx, actor, target)
    if package is None:
        if not creator:
            raise Forbidden(_namespace_message(target))
        return None
    if target.elsewhere(package):
        if not creator:
            raise Forbidden(_namespace_message(target))
        # GitHub keeps one package per name and owner, whichever repository it came from.
        raise Conflict(
            f"{target.label} is published from another repository of {target.owner.login}; "
            "the same coordinates cannot be published from two repositories"
        )
    role = package_role(actor, package, access_facts(tx, actor, package))
    if role >= Role.WRITE:
        return package
    if role >= Role.READ:
        raise Forbidden(f"you may read {target.label} but not publish to it")
    if creator:
        if not creates:
            return None  # as for a free name: the caller answers that it has no package
        # A member who may create packages here would be told the name is free otherwise:
        # that it is taken is all they learn.
        raise Forbidden(f"you may not publish to {target.label}")
    raise Forbidden(_namespace_message(target))


def deletable_package(tx: Transaction, actor: Actor, target: Target) -> Package:
    """The package, if the caller may delete from it (admin, with delete:packages)."""
    package, facts = _readable(tx, actor, target)
    decision = authorize(actor, package, facts, Operation.DELETE)
    if decision.allowed:
        return package
    if decision.denial is Denial.MISSING_SCOPES:
        raise Forbidden(DELETE_SCOPES_MESSAGE, decision.accepted_scopes)
    raise Forbidden(f"deleting from {target.label} needs the admin role on it")


def allows(
    tx: Transaction, actor: Actor, package: Package, *operations: Operation
) -> tuple[bool, ...]:
    """Whether the caller may each of `operations` on `package`, by the rules the services
    enforce (`authorize`), its access facts looked up once: a page offers an action only to
    those the service would let take it."""
    return _allowed(actor, package, access_facts(tx, actor, package), operations)


# `authorize`'s verdicts kept under all they are a function of: a signed-in page asks three
# on every view (what it offers), ~4.5 µs a page where hashing the inputs is ~1 µs.
MAX_KEPT_VERDICTS = 4096


@lru_cache(maxsize=MAX_KEPT_VERDICTS)
def _allowed(
    actor: Actor, package: Package, facts: AccessFacts, operations: tuple[Operation, ...]
) -> tuple[bool, ...]:
    return tuple([authorize(actor, package, facts, op).allowed for op in operations])


def may_create(tx: Transaction, actor: Actor, target: Target) -> bool:
    """Whether the caller may create `target`: in the owner's namespace for granular
    formats; with write access to the URL's repository for repository-scoped ones."""
    if not target.repository_scoped:
        return may_create_in(tx, actor, target.owner)
    if target.repository is None:
        return False
    permission = _repository_permission(tx, actor, target.repository)
    return repository_role(AccessFacts(repository_permission=permission)) >= Role.WRITE


def sees_repository(tx: Transaction, actor: Actor, repository: Repository) -> bool:
    """Whether the caller may read the repository (public, a member's internal one, or
    one it has a permission on)."""
    user_id = actor.user_id
    org_role = (
        tx.accounts.org_role(repository.owner.id, user_id)
        if repository.owner.is_org and user_id is not None
        else None
    )
    facts = AccessFacts(
        org_role=org_role,
        repository_permission=_repository_permission(tx, actor, repository),
        repository_visibility=repository.visibility,
    )
    return repository_role(facts) >= Role.READ


def may_create_in(tx: Transaction, actor: Actor, owner: Account) -> bool:
    """A user creates packages in their own namespace and in organizations they belong to."""
    user = actor.user
    if user is None:
        return False
    return user.id == owner.id or (
        owner.is_org and tx.accounts.org_role(owner.id, user.id) is not None
    )


def _namespace_message(target: Target) -> str:
    if target.repository_scoped:
        where = target.repository.full_name if target.repository else target.owner.login
        return f"publishing to {target.label} needs write access to the repository {where}"
    return f"you may not create packages in {target.owner.login}'s namespace"


# What the owner's own requests know: nothing (the owner is admin whatever else holds). One
# frozen value every such request shares (a new one each time was ~9k of a REST delete's
# 717k instructions under callgrind).
OWNER_FACTS = AccessFacts()


def access_facts(tx: Transaction, actor: Actor, package: Package) -> AccessFacts:
    if actor.user is not None and actor.user.id == package.owner.id:
        return OWNER_FACTS  # skip the lookups
    org_role: OrgRole | None = None
    user_id = actor.user_id
    if package.owner.is_org and user_id is not None:
        org_role = tx.accounts.org_role(package.owner.id, user_id)
    repository = (
        tx.accounts.get_repository(package.repository_id)
        if package.repository_id is not None
        else None
    )
    return AccessFacts(
        org_role=org_role,
        repository_permission=_repository_permission(tx, actor, repository),
        repository_visibility=repository.visibility if repository else None,
        grant=tx.packages.package_grant(package.id, user_id, actor.actions_repository_id),
    )


def _repository_permission(
    tx: Transaction, actor: Actor, repository: Repository | None
) -> RepositoryPermission | None:
    if repository is None:
        return None
    if actor.actions_repository_id is not None:
        # A workflow's token writes to its own repository and nothing else.
        return RepositoryPermission.WRITE if actor.actions_repository_id == repository.id else None
    if actor.user is None:
        return None
    if repository.owner.id == actor.user.id:
        return RepositoryPermission.ADMIN
    if (
        repository.owner.is_org
        and tx.accounts.org_role(repository.owner.id, actor.user.id) is OrgRole.ADMIN
    ):
        return RepositoryPermission.ADMIN
    return tx.accounts.collaborator_permission(repository.id, actor.user.id)
