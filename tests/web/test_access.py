"""Managing a package's access from its settings page: people and repositories with a role,
and whether a linked package inherits its repository's access. Each change is seen at once
by the REST API and the registries, because they read the same grants."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from packyard.domain.types import PackageType
from packyard.services.grants import (
    INHERITED_ACCESS,
    NO_SUCH_REPOSITORY,
    NO_SUCH_USER,
    NOT_GRANTED,
    OWNER_IS_ADMIN,
    UNKNOWN_KIND,
    UNKNOWN_ROLE,
)
from tests.conftest import ACTIONS_WEB, ALICE, BOB_READ, Api, Clock, seed
from tests.web.conftest import PRIVATE, PUBLIC, Browser

SETTINGS = f"{PRIVATE}/settings"
REST = "/orgs/acme/packages/npm/web-ui"


def _post(browser: Browser, action: str, **form: str) -> Any:
    return browser.post(f"{SETTINGS}/{action}", {"csrf": browser.csrf(SETTINGS), **form})


def test_an_admin_gives_a_person_a_role_changes_it_and_takes_it_away(
    browser: Browser, carol: str, api: Api, store: Any
) -> None:
    # bob's token reads packages; acme's private package is not his to see.
    assert api.get(REST, BOB_READ).status_code == 404
    browser.sign_in(carol)
    page = browser.get(SETTINGS).text
    assert "Manage access" in page and "No one has been given access of their own." in page
    given = _post(browser, "access", kind="user", name="bob", role="read")
    assert given.status_code == 303 and given.headers["location"] == f"{SETTINGS}?changed=access"
    assert api.get(REST, BOB_READ).status_code == 200
    listed = browser.get(given.headers["location"]).text
    assert "access was changed" in listed and "<code>bob</code>" in listed
    assert 'value="read" selected' in listed
    assert _post(browser, "access", kind="user", name="@bob", role="admin").status_code == 303
    assert 'value="admin" selected' in browser.get(SETTINGS).text
    with store.read() as tx:
        package = tx.packages.find_package(
            tx.accounts.find_account_by_login("acme").id, PackageType.NPM, "web-ui"
        )
        assert [role.name for _u, _r, role in tx.packages.package_grants(package.id)] == ["ADMIN"]
    assert _post(browser, "access/remove", kind="user", name="bob").status_code == 303
    assert api.get(REST, BOB_READ).status_code == 404
    again = _post(browser, "access/remove", kind="user", name="bob")
    assert again.status_code == 422 and escape(NOT_GRANTED.format(name="bob")) in again.text


def test_what_a_grant_form_refuses(browser: Browser, carol: str) -> None:
    browser.sign_in(carol)
    refusals = [
        ({"kind": "user", "name": "nobody", "role": "read"}, NO_SUCH_USER.format(login="nobody")),
        # An organization is not a person.
        ({"kind": "user", "name": "acme", "role": "read"}, NO_SUCH_USER.format(login="acme")),
        ({"kind": "user", "name": "bob", "role": "owner"}, UNKNOWN_ROLE),
        ({"kind": "team", "name": "bob", "role": "read"}, UNKNOWN_KIND),
        (
            {"kind": "repository", "name": "acme/nope", "role": "read"},
            NO_SUCH_REPOSITORY.format(name="acme/nope"),
        ),
        (
            {"kind": "repository", "name": "no-slash", "role": "read"},
            NO_SUCH_REPOSITORY.format(name="no-slash"),
        ),
    ]
    for form, message in refusals:
        refused = _post(browser, "access", **form)
        assert refused.status_code == 422, form
        assert escape(message) in refused.text, form
    assert "No one has been given access of their own." in browser.get(SETTINGS).text


def test_the_owner_is_always_admin_and_a_hidden_repository_does_not_exist(
    browser: Browser, world: Any, store: Any, clock: Clock
) -> None:
    seed(
        store,
        {
            "users": [{"login": "erin"}],
            "repositories": [{"owner": "erin", "name": "secret", "visibility": "private"}],
        },
        clock.now,
    )
    browser.sign_in(ALICE)
    settings = f"{PUBLIC}/settings"
    csrf = browser.csrf(settings)
    owner = browser.post(
        f"{settings}/access", {"csrf": csrf, "kind": "user", "name": "alice", "role": "read"}
    )
    assert owner.status_code == 422 and escape(OWNER_IS_ADMIN.format(login="alice")) in owner.text
    hidden = browser.post(
        f"{settings}/access",
        {"csrf": csrf, "kind": "repository", "name": "erin/secret", "role": "read"},
    )
    missing = browser.post(
        f"{settings}/access",
        {"csrf": csrf, "kind": "repository", "name": "erin/nothing", "role": "read"},
    )
    assert hidden.status_code == missing.status_code == 422
    assert escape(NO_SUCH_REPOSITORY.format(name="erin/secret")) in hidden.text


def test_actions_access_is_a_repositorys_role(browser: Browser, world: Any, api: Api) -> None:
    """acme/web's workflows have admin on alice's tools/cli (examples/world.yaml). alice
    cannot see acme/web (a private repository of an org she is not in), yet she manages the
    grant her package's page lists: read, its GITHUB_TOKEN may no longer delete a version;
    admin again, it may; removed, it may not, and she cannot give it back."""
    versions = "/users/alice/packages/container/tools%2Fcli/versions"
    browser.sign_in(ALICE)
    settings = f"{PUBLIC}/settings"
    page = browser.get(settings).text
    assert "Manage Actions access" in page and "<code>acme/web</code>" in page
    csrf = browser.csrf(settings)
    web = {"csrf": csrf, "kind": "repository", "name": "acme/web"}
    listed = api.get(versions, ACTIONS_WEB).json()
    untagged = [v for v in listed if not v["metadata"]["container"]["tags"]]
    assert browser.post(f"{settings}/access", {**web, "role": "read"}).status_code == 303
    assert api.delete(f"{versions}/{untagged[0]['id']}", ACTIONS_WEB).status_code == 404
    assert browser.post(f"{settings}/access", {**web, "role": "admin"}).status_code == 303
    assert api.delete(f"{versions}/{untagged[0]['id']}", ACTIONS_WEB).status_code == 204
    assert browser.post(f"{settings}/access/remove", web).status_code == 303
    # The workflow may read public tools/cli, not delete: a 404, as for every missing role.
    assert api.delete(f"{versions}/{untagged[1]['id']}", ACTIONS_WEB).status_code == 404
    again = browser.post(f"{settings}/access", {**web, "role": "admin"})
    assert again.status_code == 422
    assert escape(NO_SUCH_REPOSITORY.format(name="acme/web")) in again.text


def test_a_linked_package_inherits_its_repositorys_access_or_not(
    browser: Browser, world: Any, store: Any
) -> None:
    browser.sign_in(ALICE)
    settings = f"{PUBLIC}/settings"
    page = browser.get(settings).text
    assert "Inherit access from the source repository (alice/tools)" in page
    assert 'name="inherit" checked' not in page  # examples/world.yaml: inherit_access: false
    csrf = browser.csrf(settings)
    assert browser.post(f"{settings}/inherit", {"csrf": csrf, "inherit": "on"}).status_code == 303
    assert 'name="inherit" checked' in browser.get(settings).text
    with store.read() as tx:
        alice = tx.accounts.find_account_by_login("alice")
        package = tx.packages.find_package(alice.id, PackageType.CONTAINER, "tools/cli")
        assert package.inherit_access
    assert browser.post(f"{settings}/inherit", {"csrf": csrf}).status_code == 303
    assert 'name="inherit" checked' not in browser.get(settings).text


def test_a_maven_packages_access_is_its_repositorys(browser: Browser, maven_lib: str) -> None:
    browser.sign_in(ALICE)
    settings = f"{maven_lib}/settings"
    page = browser.get(settings)
    assert page.status_code == 200 and "Manage access" not in page.text
    refused = browser.post(
        f"{settings}/access",
        {"csrf": browser.csrf(settings), "kind": "user", "name": "bob", "role": "read"},
    )
    assert refused.status_code == 422 and escape(INHERITED_ACCESS) in refused.text


def test_only_administrators_manage_access(browser: Browser, world: Any, api: Api) -> None:
    browser.sign_in(BOB_READ)  # bob reads tools/cli through a grant
    settings = f"{PUBLIC}/settings"
    refused = browser.post(
        f"{settings}/access",
        {"csrf": browser.csrf("/"), "kind": "user", "name": "bob", "role": "admin"},
    )
    assert refused.status_code == 403  # his token lacks write:packages (GitHub's order)
    hidden = browser.post(
        f"{SETTINGS}/access",
        {"csrf": browser.csrf("/"), "kind": "user", "name": "bob", "role": "admin"},
    )
    nothing = browser.post(
        "/orgs/acme/packages/npm/package/nothing/settings/access",
        {"csrf": browser.csrf("/"), "kind": "user", "name": "bob", "role": "admin"},
    )
    assert hidden.status_code == 404 and hidden.content == nothing.content
    assert api.get(REST, BOB_READ).status_code == 404
