"""Package settings from the web: visibility and deleting the package behind a typed name,
the owner's deleted packages with restore; only administrators reach any of it."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from packyard.domain.rules import PACKAGE_DOWNLOAD_LIMIT_MESSAGE, PUBLIC_IS_FINAL_MESSAGE
from packyard.services.settings import INHERITED_VISIBILITY
from packyard.web.settings import NOT_CONFIRMED
from tests.conftest import ALICE, ALICE_OAUTH, BOB_READ, Api
from tests.web.conftest import PRIVATE, PUBLIC, Browser

SETTINGS = f"{PUBLIC}/settings"
REST = "/users/alice/packages/container/tools%2Fcli"


def _visibility(api: Api) -> str:
    return str(api.get(REST, ALICE).json()["visibility"])


def test_an_admin_changes_visibility_after_typing_the_name(
    browser: Browser, stranger: Browser, carol: str, api: Api
) -> None:
    """acme's private web-ui: internal, then public after the typed name; never private again."""
    rest = "/orgs/acme/packages/npm/web-ui"
    settings = f"{PRIVATE}/settings"
    browser.sign_in(carol)
    page = browser.get(settings)
    assert page.status_code == 200 and "change package visibility" in page.text
    assert 'value="internal"' in page.text  # an organization's package
    csrf = browser.csrf(settings)
    for typed in ("", "web", "WEB-UI"):
        refused = browser.post(
            f"{settings}/visibility", {"csrf": csrf, "visibility": "public", "confirm": typed}
        )
        assert refused.status_code == 422 and escape(NOT_CONFIRMED) in refused.text
    assert api.get(rest, carol).json()["visibility"] == "private"
    for visibility in ("internal", "public"):
        changed = browser.post(
            f"{settings}/visibility", {"csrf": csrf, "visibility": visibility, "confirm": "web-ui"}
        )
        assert changed.status_code == 303
        assert changed.headers["location"] == f"{settings}?changed=visibility"
        assert f"now {visibility}" in browser.get(changed.headers["location"]).text
        # GitHub's package object has only public and private: internal reads as private.
        shown = "private" if visibility == "internal" else visibility
        assert api.get(rest, carol).json()["visibility"] == shown
    assert stranger.get(PRIVATE).status_code == 200
    page = browser.get(settings)
    assert escape(PUBLIC_IS_FINAL_MESSAGE) in page.text and 'name="visibility"' not in page.text
    for visibility in ("private", "internal"):
        refused = browser.post(
            f"{settings}/visibility", {"csrf": csrf, "visibility": visibility, "confirm": "web-ui"}
        )
        assert refused.status_code == 422 and escape(PUBLIC_IS_FINAL_MESSAGE) in refused.text
    assert api.get(rest, carol).json()["visibility"] == "public"


def test_settings_need_an_administrator(
    browser: Browser, stranger: Browser, world: Any, api: Api
) -> None:
    assert stranger.get(SETTINGS).status_code == 401  # the sign-in form
    # bob may read tools/cli (a grant); his token lacks write:packages, which REST checks
    # before the role (GitHub's order): 403, with the scopes it needs.
    browser.sign_in(BOB_READ)
    page = browser.get(SETTINGS)
    assert page.status_code == 403 and "write:packages" in page.text
    assert (
        browser.get(f"{PRIVATE}/settings").content
        == browser.get("/orgs/acme/packages/npm/package/nothing/settings").content
    )
    # Even with a form of its own (its CSRF token), the change is refused as the page is.
    refused = browser.post(
        f"{SETTINGS}/visibility",
        {"csrf": browser.csrf("/"), "visibility": "private", "confirm": "tools/cli"},
    )
    assert refused.status_code == 403 and _visibility(api) == "public"


def test_a_form_without_its_csrf_token_changes_nothing(
    browser: Browser, world: Any, api: Api
) -> None:
    browser.sign_in(ALICE)
    refused = browser.post(
        f"{SETTINGS}/visibility", {"visibility": "private", "confirm": "tools/cli"}
    )
    assert refused.status_code == 403 and _visibility(api) == "public"


def test_a_repository_scoped_package_follows_its_repository(
    browser: Browser, maven_lib: str
) -> None:
    path = f"{maven_lib}/settings"
    browser.sign_in(ALICE)
    page = browser.get(path).text
    assert "inherits its visibility" in page and "alice/tools" in page
    assert 'name="visibility"' not in page
    refused = browser.post(
        f"{path}/visibility",
        {"csrf": browser.csrf(path), "visibility": "private", "confirm": "com.example.lib"},
    )
    assert refused.status_code == 422 and escape(INHERITED_VISIBILITY) in refused.text


def test_delete_the_package_then_restore_it_from_the_deleted_packages(
    browser: Browser, world: Any, api: Api, carol: str
) -> None:
    browser.sign_in(carol)
    path = f"{PRIVATE}/settings"
    csrf = browser.csrf(path)
    refused = browser.post(f"{path}/delete", {"csrf": csrf, "confirm": "web"})
    assert refused.status_code == 422
    deleted = browser.post(f"{path}/delete", {"csrf": csrf, "confirm": "web-ui"})
    assert deleted.status_code == 303
    listing_path = deleted.headers["location"]
    assert listing_path == "/organizations/acme/settings/packages"
    assert browser.get(PRIVATE).status_code == 404
    listing = browser.get(listing_path).text
    assert "web-ui" in listing and f"{PRIVATE}/restore" in listing
    csrf = browser.csrf(listing_path)
    found = api.get("/orgs/acme/packages/npm/web-ui/versions?state=deleted", carol)
    assert found.status_code == 200  # the deleted package's versions, as REST lists them
    assert browser.post(f"{PRIVATE}/restore", {"csrf": csrf, "confirm": "x"}).status_code == 422
    restored = browser.post(f"{PRIVATE}/restore", {"csrf": csrf, "confirm": "web-ui"})
    assert restored.status_code == 303 and restored.headers["location"] == PRIVATE
    assert browser.get(PRIVATE).status_code == 200
    assert "No deleted packages" in browser.get(listing_path).text


def test_deleting_a_public_package_keeps_githubs_download_rule(
    browser: Browser, world: Any
) -> None:
    browser.sign_in(ALICE)
    refused = browser.post(
        f"{SETTINGS}/delete", {"csrf": browser.csrf(SETTINGS), "confirm": "tools/cli"}
    )
    assert refused.status_code == 400
    assert escape(PACKAGE_DOWNLOAD_LIMIT_MESSAGE) in refused.text
    assert browser.get(PUBLIC).status_code == 200


def test_deleting_asks_what_the_rest_delete_asks(browser: Browser, world: Any) -> None:
    """A token with delete:packages but not write:packages may not open the settings, and
    its delete is still the REST API's: here refused by the download rule, not by scopes."""
    browser.sign_in(ALICE_OAUTH)
    assert browser.get(SETTINGS).status_code == 403
    refused = browser.post(
        f"{SETTINGS}/delete", {"csrf": browser.csrf("/"), "confirm": "tools/cli"}
    )
    assert refused.status_code == 400
    assert escape(PACKAGE_DOWNLOAD_LIMIT_MESSAGE) in refused.text
