"""Who may use a package besides its owner, as GitHub's package settings manage it: people
with a role ("Manage access"), repositories whose workflows may use it ("Manage Actions
access"), and whether a package linked to a repository inherits the repository's access.

Only a package's administrators manage its access (`Operation.ADMINISTER`, with the 404
before 403 of every other check), and only for the packages whose access is their own
(granular: container, npm, NuGet, RubyGems); a Maven or Docker package follows its
repository's. A grant takes effect at once: `domain.permissions.package_role` reads it on the
next request. Teams are not modelled in Packyard, so a grant names a user or a repository.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from packyard.core.access import sees_repository
from packyard.core.context import Context
from packyard.core.delete import audit
from packyard.core.ports import Transaction
from packyard.domain.errors import Unprocessable
from packyard.domain.formats import traits
from packyard.domain.permissions import Operation
from packyard.domain.types import Account, Actor, Package, Repository, Role
from packyard.services.packages import PackageAddress, live_package

INHERITED_ACCESS = (
    "This package's access follows its repository's: manage the repository's collaborators."
)
UNKNOWN_ROLE = "Choose a role: read, write or admin."
UNKNOWN_KIND = "Choose whom to give access: a user or a repository."
NO_SUCH_USER = "There is no user {login!r}."
OWNER_IS_ADMIN = "{login} owns this package and is always its admin."
NO_SUCH_REPOSITORY = "There is no repository {name!r}."
NOT_GRANTED = "{name} has no access of its own to this package."

ROLES = {"read": Role.READ, "write": Role.WRITE, "admin": Role.ADMIN}


class Grantee(enum.StrEnum):
    USER = "user"
    REPOSITORY = "repository"


@dataclass(frozen=True, slots=True)
class Grant:
    user: Account | None
    repository: Repository | None
    role: Role

    @property
    def name(self) -> str:
        """A user's login or a repository's full name: what the forms send back."""
        if self.user is not None:
            return self.user.login
        assert self.repository is not None  # one of the two, by the table's rows
        return self.repository.full_name

    @property
    def role_name(self) -> str | None:
        return _role(self.role)


@dataclass(frozen=True, slots=True)
class PackageGrants:
    users: list[Grant]
    repositories: list[Grant]


def grants_of(tx: Transaction, package: Package) -> PackageGrants:
    users: list[Grant] = []
    repositories: list[Grant] = []
    for user_id, repository_id, role in tx.packages.package_grants(package.id):
        if user_id is not None:
            user = tx.accounts.find_account(user_id)
            if user is not None:
                users.append(Grant(user, None, role))
        elif repository_id is not None:
            repository = tx.accounts.get_repository(repository_id)
            if repository is not None:
                repositories.append(Grant(None, repository, role))
    return PackageGrants(users, repositories)


def _administered(tx: Transaction, ctx: Context, address: PackageAddress) -> Package:
    package = live_package(tx, ctx, address, Operation.ADMINISTER)
    if not traits(package.package_type).granular:
        raise Unprocessable(INHERITED_ACCESS)
    return package


def _grantee(
    tx: Transaction, actor: Actor, package: Package, kind: str, name: str
) -> tuple[Account | None, Repository | None]:
    """The user or repository a form names, if it may hold a grant on the package."""
    name = name.strip()
    if kind == Grantee.USER:
        user = tx.accounts.find_account_by_login(name.removeprefix("@"))
        if user is None or user.is_org:
            raise Unprocessable(NO_SUCH_USER.format(login=name))
        if user.id == package.owner.id:
            raise Unprocessable(OWNER_IS_ADMIN.format(login=user.login))
        return user, None
    if kind == Grantee.REPOSITORY:
        owner_login, _, repository_name = name.partition("/")
        owner = tx.accounts.find_account_by_login(owner_login)
        repository = (
            tx.accounts.find_repository(owner.id, repository_name)
            if owner is not None and repository_name
            else None
        )
        # A repository the administrator may not see is one that does not exist, unless
        # it already holds a grant here (the settings page lists it, to change or remove).
        if repository is None or not (
            sees_repository(tx, actor, repository)
            or tx.packages.package_grant(package.id, None, repository.id) is not Role.NONE
        ):
            raise Unprocessable(NO_SUCH_REPOSITORY.format(name=name))
        return None, repository
    raise Unprocessable(UNKNOWN_KIND)


def grant(ctx: Context, address: PackageAddress, kind: str, name: str, role: str) -> None:
    """Give a user or a repository a role on the package, or change the one it has."""
    wanted = ROLES.get(role)
    if wanted is None:
        raise Unprocessable(UNKNOWN_ROLE)
    _set_role(ctx, address, kind, name, wanted)


def remove(ctx: Context, address: PackageAddress, kind: str, name: str) -> None:
    """Take a user's or a repository's own role away (what it has through its repository
    or the owner stays)."""
    _set_role(ctx, address, kind, name, Role.NONE)


def _set_role(ctx: Context, address: PackageAddress, kind: str, name: str, wanted: Role) -> None:
    """One grant's role set (`Role.NONE`: removed), audited with the role it had."""
    with ctx.store.write() as tx:
        package = _administered(tx, ctx, address)
        user, repository = _grantee(tx, ctx.actor, package, kind, name)
        user_id = user.id if user else None
        repository_id = repository.id if repository else None
        before = tx.packages.package_grant(package.id, user_id, repository_id)
        if before is wanted:
            if wanted is Role.NONE:
                raise Unprocessable(NOT_GRANTED.format(name=name.strip()))
            return
        if wanted is Role.NONE:
            tx.packages.remove_package_grant(package.id, user_id, repository_id)
        else:
            tx.packages.set_package_grant(package.id, user_id, repository_id, wanted)
        grantee = Grant(user, repository, wanted).name
        audit(
            ctx,
            tx,
            "package.grant",
            package,
            None,
            {kind: grantee, "role": _role(before)},
            {kind: grantee, "role": _role(wanted)},
        )


def set_inheritance(ctx: Context, address: PackageAddress, inherit: bool) -> Package:
    """Whether a package linked to a repository takes its collaborators' roles."""
    with ctx.store.write() as tx:
        package = _administered(tx, ctx, address)
        if package.inherit_access is not inherit:
            tx.packages.set_inherit_access(package.id, inherit, ctx.now)
            audit(
                ctx,
                tx,
                "package.inherit_access",
                package,
                None,
                {"inherit_access": package.inherit_access},
                {"inherit_access": inherit},
            )
        return package


def _role(role: Role) -> str | None:
    return None if role is Role.NONE else role.name.lower()
