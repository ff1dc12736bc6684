"""The web pages' paths, as the REST API's `html_url`s name them."""

from __future__ import annotations

from datetime import UTC, datetime

from packyard.domain import pages
from packyard.domain.pages import encode_name, owner_path, package_page_path
from packyard.domain.types import Account, AccountType, Package, PackageType, Visibility

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def account(login: str, kind: AccountType = AccountType.USER) -> Account:
    return Account(id=1, login=login, type=kind, name=None, site_admin=False, created_at=NOW)


def test_quoted_text_is_kept_under_the_text_and_what_stays_unquoted() -> None:
    """Quoted names are kept (`pages._quoted`): a name kept quoted one way never answers
    for the same text quoted another (a package name keeps its `@`, a login does not)."""
    for _ in range(2):  # quoted, then kept
        assert encode_name("@acme/web-ui") == "@acme%2Fweb-ui"
        assert owner_path(account("@acme/web-ui")) == "/users/%40acme%2Fweb-ui"
        assert owner_path(account("acme", AccountType.ORGANIZATION)) == "/orgs/acme"
        assert encode_name("a b") == "a%20b"
    package = Package(
        id=1,
        owner=account("alice"),
        package_type=PackageType.CONTAINER,
        name="tools/cli",
        visibility=Visibility.PUBLIC,
        repository_id=None,
        inherit_access=False,
        created_at=NOW,
        updated_at=NOW,
    )
    assert package_page_path(package) == "/users/alice/packages/container/package/tools%2Fcli"


def test_kept_quoted_text_is_bounded() -> None:
    for n in range(pages.MAX_KEPT_QUOTED + 10):
        encode_name(f"name-{n}")
    assert len(pages._quoted) <= pages.MAX_KEPT_QUOTED
