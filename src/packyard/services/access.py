"""Resolving owners and packages for a caller, with GitHub's 404-before-403 discipline."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from packyard.core.access import access_facts
from packyard.core.delete import PACKAGE_NOT_FOUND
from packyard.core.ports import Transaction
from packyard.domain.errors import Forbidden, NotFound, Unprocessable
from packyard.domain.formats import package_name
from packyard.domain.permissions import (
    Decision,
    Denial,
    Operation,
    authorize,
    listing_decision,
)
from packyard.domain.types import (
    Account,
    Actor,
    Package,
    PackageType,
    Repository,
    TokenKind,
    Version,
)

NOT_FOUND = "Not Found"
REQUIRES_AUTHENTICATION = "Requires authentication"
INTEGRATION_FORBIDDEN = "Resource not accessible by integration"
FINE_GRAINED_FORBIDDEN = (
    "Fine-grained personal access tokens are not supported by GitHub Packages. "
    "Use a personal access token (classic) instead."
)
PACKAGE_TYPES = ", ".join(t.value for t in PackageType)
# Each type by its URL value: a lookup here is a twentieth of calling the enum (twice a
# REST request, the two calls were ~8k of a REST delete's 683k instructions under callgrind).
PACKAGE_TYPE_BY_VALUE = {t.value: t for t in PackageType}


class OwnerScope(enum.Enum):
    """Which of GitHub's three URL families addressed the owner."""

    AUTHENTICATED_USER = "user"
    USERS = "users"
    ORGS = "orgs"


@dataclass(frozen=True, slots=True)
class PackageView:
    package: Package
    repository: Repository | None


def missing_scopes_message(accepted: tuple[str, ...]) -> str:
    return (
        "You need at least "
        + ", ".join(sorted(accepted))
        + " scope(s) to perform this operation. Your token does not have the required scopes."
    )


def refuse_fine_grained(actor: Actor) -> None:
    if actor.kind is TokenKind.FINE_GRAINED:
        raise Forbidden(FINE_GRAINED_FORBIDDEN)


def resolve_owner(tx: Transaction, actor: Actor, scope: OwnerScope, login: str | None) -> Account:
    refuse_fine_grained(actor)
    if scope is OwnerScope.AUTHENTICATED_USER:
        if actor.user is None:
            raise Forbidden(INTEGRATION_FORBIDDEN)
        return actor.user
    return check_owner(tx.accounts.find_account_by_login(login or ""), scope)


def check_owner(owner: Account | None, scope: OwnerScope) -> Account:
    """`/orgs/{org}` takes organizations only; `/users/{username}` takes both, as GitHub's."""
    if owner is None or (scope is OwnerScope.ORGS and not owner.is_org):
        raise NotFound(NOT_FOUND)
    return owner


def locate_package(
    tx: Transaction,
    actor: Actor,
    scope: OwnerScope,
    login: str | None,
    package_type: str,
    name: str,
) -> tuple[Account, PackageType, Package | None]:
    """Owner (404), then type (422), then the live package if any, in GitHub's order."""
    if scope is OwnerScope.AUTHENTICATED_USER:
        owner = resolve_owner(tx, actor, scope, login)
        ptype = parse_package_type(package_type)
        return (
            owner,
            ptype,
            tx.packages.find_package(owner.id, ptype, rest_name(ptype, owner, name)),
        )
    name = _stored_name(actor, login, package_type, name)
    found, package = tx.packages.find_owner_and_package(login or "", package_type, name)
    owner = check_owner(found, scope)
    return owner, parse_package_type(package_type), package


def _stored_name(actor: Actor, login: str | None, package_type: str, name: str) -> str:
    """Where the URL names the owner: a fine-grained token refused (GitHub's 403), then the
    package's name as stored, read with the owner in one statement."""
    refuse_fine_grained(actor)
    ptype = PACKAGE_TYPE_BY_VALUE.get(package_type)
    if ptype is not None:  # an unknown type is a 422, after the owner's 404
        # The URL's login: an owner it does not name has no package under it anyway.
        return package_name(ptype, login or "", name)
    return name


def locate_version(
    tx: Transaction,
    actor: Actor,
    scope: OwnerScope,
    login: str | None,
    package_type: str,
    name: str,
    version_id: int | None,
) -> tuple[Package | None, Version | None]:
    """`locate_package`, its checks in its order, and the package's version `version_id`
    (None for no id), read with the package where the URL names the owner: one statement."""
    if scope is OwnerScope.AUTHENTICATED_USER:
        _owner, _type, package = locate_package(tx, actor, scope, login, package_type, name)
        found = tx.versions.find_version(package.id, version_id) if package and version_id else None
        return package, found
    name = _stored_name(actor, login, package_type, name)
    owner, package, version = tx.packages.find_owner_package_and_version(
        login or "", package_type, name, version_id
    )
    check_owner(owner, scope)
    parse_package_type(package_type)
    return package, version


def rest_name(package_type: PackageType, owner: Account, name: str) -> str:
    """The package a REST URL's name addresses: GitHub's name, which for npm has no scope.
    For compatibility (Packyard named npm packages `@owner/name` once), an npm name scoped
    with its owner finds the package too."""
    return package_name(package_type, owner.login, name)


def parse_package_type(value: str | None) -> PackageType:
    ptype = PACKAGE_TYPE_BY_VALUE.get(value or "")
    if ptype is None:
        raise Unprocessable(
            f"Invalid value for `package_type`: {value!r}. Must be one of: {PACKAGE_TYPES}."
        )
    return ptype


def enforce(decision: Decision, not_found_message: str = PACKAGE_NOT_FOUND) -> None:
    """The one place where a denial becomes 404 (cannot see, cannot act) or 403 (scopes)."""
    if decision.denial is Denial.MISSING_SCOPES:
        raise Forbidden(missing_scopes_message(decision.accepted_scopes), decision.accepted_scopes)
    if decision.denial is not None:
        raise NotFound(not_found_message)


def authorized_package(
    tx: Transaction, actor: Actor, package: Package | None, operation: Operation
) -> Package:
    if package is None:
        raise NotFound(PACKAGE_NOT_FOUND)
    enforce(authorize(actor, package, access_facts(tx, actor, package), operation))
    return package


def enforce_listing(actor: Actor, operation: Operation) -> None:
    enforce(listing_decision(actor, operation))


def view(tx: Transaction, package: Package) -> PackageView:
    repository = (
        tx.accounts.get_repository(package.repository_id)
        if package.repository_id is not None
        else None
    )
    return PackageView(package, repository)
