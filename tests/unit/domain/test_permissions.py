from __future__ import annotations

from datetime import UTC, datetime

import pytest

from packyard.domain.permissions import (
    AccessFacts,
    Denial,
    Operation,
    authorize,
    package_role,
    scopes_for_actions,
)
from packyard.domain.types import (
    Account,
    AccountType,
    Actor,
    OrgRole,
    Package,
    PackageType,
    RepositoryPermission,
    Role,
    TokenKind,
    Visibility,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ALICE = Account(1, "alice", AccountType.USER)
BOB = Account(2, "bob", AccountType.USER)
ACME = Account(3, "acme", AccountType.ORGANIZATION)
ALL = frozenset({"read:packages", "write:packages", "delete:packages", "repo"})


def pkg(
    owner: Account = ALICE,
    ptype: PackageType = PackageType.CONTAINER,
    visibility: Visibility = Visibility.PRIVATE,
    repository_id: int | None = None,
    inherit: bool = True,
) -> Package:
    return Package(10, owner, ptype, "p", visibility, repository_id, inherit, T0, T0)


def actor(user: Account, scopes: frozenset[str] = ALL) -> Actor:
    return Actor(user, token_id=1, kind=TokenKind.CLASSIC, scopes=scopes)


def test_owner_and_org_owner_are_admins() -> None:
    assert package_role(actor(ALICE), pkg(), AccessFacts()) is Role.ADMIN
    org_pkg = pkg(ACME)
    assert package_role(actor(BOB), org_pkg, AccessFacts(org_role=OrgRole.ADMIN)) is Role.ADMIN
    assert package_role(actor(BOB), org_pkg, AccessFacts(org_role=OrgRole.MEMBER)) is Role.NONE


def test_internal_is_read_for_members_only() -> None:
    internal = pkg(ACME, visibility=Visibility.INTERNAL)
    assert package_role(actor(BOB), internal, AccessFacts(org_role=OrgRole.MEMBER)) is Role.READ
    assert package_role(actor(BOB), internal, AccessFacts()) is Role.NONE


@pytest.mark.parametrize(
    ("permission", "role"),
    [
        (RepositoryPermission.READ, Role.READ),
        (RepositoryPermission.TRIAGE, Role.READ),
        (RepositoryPermission.WRITE, Role.WRITE),
        (RepositoryPermission.MAINTAIN, Role.WRITE),
        (RepositoryPermission.ADMIN, Role.ADMIN),
    ],
)
def test_inherited_repository_roles(permission: RepositoryPermission, role: Role) -> None:
    facts = AccessFacts(repository_permission=permission, repository_visibility=Visibility.PRIVATE)
    assert package_role(actor(BOB), pkg(repository_id=5), facts) is role
    # Granular packages stop inheriting when told to; repository-scoped ones never do.
    assert package_role(actor(BOB), pkg(repository_id=5, inherit=False), facts) is Role.NONE
    maven = pkg(ptype=PackageType.MAVEN, repository_id=5, inherit=False)
    assert package_role(actor(BOB), maven, facts) is role


def test_grants_do_not_apply_to_repository_scoped_types() -> None:
    facts = AccessFacts(grant=Role.ADMIN)
    assert package_role(actor(BOB), pkg(), facts) is Role.ADMIN
    assert package_role(actor(BOB), pkg(ptype=PackageType.DOCKER), facts) is Role.NONE


def test_order_visibility_then_scopes_then_role() -> None:
    private = pkg()
    reader = AccessFacts(grant=Role.READ)
    no_scopes = actor(BOB, frozenset())
    assert authorize(no_scopes, private, AccessFacts(), Operation.READ).denial is Denial.NOT_VISIBLE
    assert authorize(no_scopes, private, reader, Operation.READ).denial is Denial.MISSING_SCOPES
    read_only = actor(BOB, frozenset({"read:packages"}))
    assert authorize(read_only, private, reader, Operation.DELETE).denial is Denial.MISSING_SCOPES
    assert authorize(actor(BOB), private, reader, Operation.DELETE).denial is (
        Denial.INSUFFICIENT_ROLE
    )
    assert authorize(actor(BOB), private, AccessFacts(grant=Role.ADMIN), Operation.DELETE).allowed


def test_an_allowing_decision_is_shared_per_set_of_accepted_scopes() -> None:
    owner, admin = actor(ALICE), AccessFacts()
    decision = authorize(owner, pkg(), admin, Operation.DELETE)
    assert decision.allowed and decision.accepted_scopes == ("delete:packages", "read:packages")
    assert authorize(owner, pkg(), admin, Operation.DELETE) is decision
    maven = authorize(owner, pkg(ptype=PackageType.MAVEN), admin, Operation.DELETE)
    assert maven.allowed and "repo" in maven.accepted_scopes


def test_scopes_narrow_never_widen() -> None:
    stranger = actor(BOB)
    assert not authorize(stranger, pkg(), AccessFacts(), Operation.DELETE).allowed


def test_private_repository_scoped_types_need_repo_scope() -> None:
    maven = pkg(ptype=PackageType.MAVEN)
    scoped = actor(ALICE, frozenset({"read:packages", "delete:packages"}))
    decision = authorize(scoped, maven, AccessFacts(), Operation.DELETE)
    assert decision.denial is Denial.MISSING_SCOPES and "repo" in decision.accepted_scopes
    public = pkg(ptype=PackageType.MAVEN, visibility=Visibility.PUBLIC)
    assert authorize(scoped, public, AccessFacts(), Operation.DELETE).allowed


def test_actions_permissions_become_scopes() -> None:
    assert "delete:packages" in scopes_for_actions("write")
    assert scopes_for_actions("read") == frozenset({"read:packages"})
    assert scopes_for_actions(None) == frozenset()


@pytest.mark.parametrize("ptype", [PackageType.CONTAINER, PackageType.NPM, PackageType.RUBYGEMS])
def test_a_linked_package_inherits_permissions_but_not_visibility(ptype: PackageType) -> None:
    # GitHub: linked "automatically inherits the linked repository's access permissions,
    # but not its visibility". A private package of a public repository stays private.
    private = pkg(ptype=ptype, repository_id=5)
    public_repo = AccessFacts(repository_visibility=Visibility.PUBLIC)
    assert package_role(actor(BOB), private, public_repo) is Role.NONE
    internal_repo = AccessFacts(org_role=OrgRole.MEMBER, repository_visibility=Visibility.INTERNAL)
    assert package_role(actor(BOB), pkg(ACME, ptype, repository_id=5), internal_repo) is Role.NONE
    collaborator = AccessFacts(
        repository_permission=RepositoryPermission.WRITE, repository_visibility=Visibility.PUBLIC
    )
    assert package_role(actor(BOB), private, collaborator) is Role.WRITE
    # Repository-scoped packages have the repository's visibility as their own.
    maven = pkg(ptype=PackageType.MAVEN, visibility=Visibility.PUBLIC, repository_id=5)
    assert package_role(actor(BOB), maven, public_repo) is Role.READ
