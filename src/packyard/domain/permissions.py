"""Who may do what to a package: GitHub's granular and repository-scoped models.

A token's scopes narrow what the caller's role allows; they never widen it. `authorize`
returns a reason rather than raising, so the API layer decides in one place that "cannot
see" reads as 404 and "can see, lacks scopes" as 403.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from packyard.domain.formats import TRAITS
from packyard.domain.types import (
    Actor,
    OrgRole,
    Package,
    RepositoryPermission,
    Role,
    Scope,
    TokenKind,
    Visibility,
)


class Operation(enum.Enum):
    # Hashed by identity, as members compare: `Enum`'s own hash is a Python call, made for
    # every lookup in the tables below (twice a permission check, four checks a page).
    __hash__ = object.__hash__

    READ = "read"
    DELETE = "delete"
    RESTORE = "restore"
    LIST_DELETED = "list_deleted"
    PUBLISH = "publish"  # through a registry: create versions, move tags
    ADMINISTER = "administer"  # a package's settings: its visibility (the web pages)


# What each operation asks of a classic or OAuth token (GitHub's X-Accepted-OAuth-Scopes).
REQUIRED_SCOPES: dict[Operation, tuple[str, ...]] = {
    Operation.READ: (Scope.READ_PACKAGES,),
    Operation.DELETE: (Scope.DELETE_PACKAGES, Scope.READ_PACKAGES),
    Operation.RESTORE: (Scope.READ_PACKAGES, Scope.WRITE_PACKAGES),
    Operation.LIST_DELETED: (Scope.DELETE_PACKAGES, Scope.READ_PACKAGES),
    Operation.PUBLISH: (Scope.READ_PACKAGES, Scope.WRITE_PACKAGES),
    Operation.ADMINISTER: (Scope.READ_PACKAGES, Scope.WRITE_PACKAGES),
}

# The role an operation needs once the scopes allow it.
REQUIRED_ROLE: dict[Operation, Role] = {
    Operation.READ: Role.READ,
    Operation.DELETE: Role.ADMIN,
    Operation.RESTORE: Role.ADMIN,
    Operation.LIST_DELETED: Role.ADMIN,
    Operation.PUBLISH: Role.WRITE,
    Operation.ADMINISTER: Role.ADMIN,
}

# From the traits table, once: these checks run on every request.
_REPOSITORY_SCOPED = frozenset(t for t, traits in TRAITS.items() if not traits.granular)

_REPOSITORY_ROLE = {
    RepositoryPermission.READ: Role.READ,
    RepositoryPermission.TRIAGE: Role.READ,
    RepositoryPermission.WRITE: Role.WRITE,
    RepositoryPermission.MAINTAIN: Role.WRITE,
    RepositoryPermission.ADMIN: Role.ADMIN,
}


@dataclass(frozen=True, slots=True)
class AccessFacts:
    """What the store knows about the caller's relation to one package."""

    org_role: OrgRole | None = None
    repository_permission: RepositoryPermission | None = None
    repository_visibility: Visibility | None = None
    grant: Role = Role.NONE


class Denial(enum.Enum):
    NOT_VISIBLE = "not_visible"
    MISSING_SCOPES = "missing_scopes"
    INSUFFICIENT_ROLE = "insufficient_role"


@dataclass(frozen=True, slots=True)
class Decision:
    denial: Denial | None
    accepted_scopes: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return self.denial is None


def repository_role(facts: AccessFacts) -> Role:
    role = (
        _REPOSITORY_ROLE.get(facts.repository_permission, Role.NONE)
        if (facts.repository_permission)
        else Role.NONE
    )
    if facts.repository_visibility is Visibility.PUBLIC:
        role = max(role, Role.READ)
    if facts.repository_visibility is Visibility.INTERNAL and facts.org_role is not None:
        role = max(role, Role.READ)
    return role


def package_role(actor: Actor, package: Package, facts: AccessFacts) -> Role:
    if actor.user is not None and actor.user.id == package.owner.id:
        return Role.ADMIN
    if package.owner.is_org and facts.org_role is OrgRole.ADMIN:
        return Role.ADMIN
    role = Role.NONE
    if package.visibility is Visibility.PUBLIC or (
        package.visibility is Visibility.INTERNAL and facts.org_role is not None
    ):
        role = Role.READ
    if package.package_type in _REPOSITORY_SCOPED:
        if package.repository_id is not None:
            role = max(role, repository_role(facts))
        return role
    role = max(role, facts.grant)
    if package.inherit_access and package.repository_id is not None:
        # A linked package "inherits the repository's access permissions, but not its
        # visibility" (GitHub): its collaborators' roles, not the read a public (or, for
        # members, internal) repository gives everyone.
        role = max(
            role, repository_role(AccessFacts(repository_permission=facts.repository_permission))
        )
    return role


def required_scopes(operation: Operation, package: Package) -> tuple[str, ...]:
    scopes = REQUIRED_SCOPES[operation]
    # Repository-scoped registries keep GitHub's extra demand for private repositories.
    if package.package_type in _REPOSITORY_SCOPED and package.visibility is not Visibility.PUBLIC:
        scopes = (*scopes, Scope.REPO)
    return scopes


def missing_scopes(actor: Actor, scopes: tuple[str, ...]) -> tuple[str, ...]:
    if actor.anonymous or actor.scopes.issuperset(scopes):
        return ()  # the common case, in one call
    # `repo` is what a personal token needs to reach a private repository; a workflow's
    # token reaches its own repository by construction (its role decides the rest).
    ignored = Scope.REPO if actor.kind is TokenKind.ACTIONS else None
    return tuple(s for s in scopes if s not in actor.scopes and s != ignored)


def authorize(actor: Actor, package: Package, facts: AccessFacts, operation: Operation) -> Decision:
    """GitHub's order: visibility first (404), then scopes (403), then role (404)."""
    accepted = required_scopes(operation, package)
    role = package_role(actor, package, facts)
    if role < Role.READ:
        return Decision(Denial.NOT_VISIBLE, accepted)
    if missing_scopes(actor, accepted):
        return Decision(Denial.MISSING_SCOPES, accepted)
    if role < REQUIRED_ROLE[operation]:
        return Decision(Denial.INSUFFICIENT_ROLE, accepted)
    return allowed(accepted)


def listing_decision(actor: Actor, operation: Operation) -> Decision:
    """Scope check for listings, whose resource (the owner) everyone can see."""
    accepted = REQUIRED_SCOPES[operation]
    if missing_scopes(actor, accepted):
        return Decision(Denial.MISSING_SCOPES, accepted)
    return allowed(accepted)


# Each set of accepted scopes' allowing decision, built once: decisions are frozen, and
# there are as many sets as operations (and their private-repository variants).
_ALLOWED: dict[tuple[str, ...], Decision] = {}


def allowed(accepted: tuple[str, ...]) -> Decision:
    decision = _ALLOWED.get(accepted)
    if decision is None:
        decision = _ALLOWED[accepted] = Decision(None, accepted)
    return decision


def scopes_for_actions(packages_permission: str | None) -> frozenset[str]:
    """A workflow's `permissions: packages:` block, expressed as the scopes it stands for."""
    if packages_permission == "write":
        return frozenset({Scope.READ_PACKAGES, Scope.WRITE_PACKAGES, Scope.DELETE_PACKAGES})
    if packages_permission == "read":
        return frozenset({Scope.READ_PACKAGES})
    return frozenset()
