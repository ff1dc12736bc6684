"""Deleting and restoring versions from the versions page: the REST API's services, rules
and messages, behind a typed confirmation and the form's CSRF token."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from packyard.domain.rules import LAST_TAGGED_VERSION_MESSAGE, VERSION_DOWNLOAD_LIMIT_MESSAGE
from packyard.web.actions import NOT_CONFIRMED
from tests.conftest import ALICE, BOB_READ, Api, Clock, seed
from tests.web.conftest import PUBLIC, Browser

REST = "/users/alice/packages/container/tools%2Fcli/versions"
VERSIONS = f"{PUBLIC}/versions"


def _untagged(api: Api) -> dict[str, Any]:
    return next(v for v in api.get(REST, ALICE).json() if not v["metadata"]["container"]["tags"])


def _state(api: Api, version_id: int) -> str:
    found = api.get(f"{REST}/{version_id}", ALICE)
    return "active" if found.status_code == 200 else "gone"


def test_delete_an_untagged_version_then_restore_it(browser: Browser, world: Any, api: Api) -> None:
    version = _untagged(api)
    browser.sign_in(ALICE)
    listing = browser.get(VERSIONS).text
    assert f'href="{VERSIONS}/{version["id"]}/delete"' in listing
    confirm = browser.get(f"{VERSIONS}/{version['id']}/delete")
    assert confirm.status_code == 200 and "I understand the consequences" in confirm.text
    csrf = browser.csrf(f"{VERSIONS}/{version['id']}/delete")
    deleted = browser.post(
        f"{VERSIONS}/{version['id']}/delete", {"csrf": csrf, "confirm": "tools/cli"}
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"{VERSIONS}?state=deleted"
    assert _state(api, version["id"]) == "gone"
    gone = browser.get(f"{VERSIONS}?state=deleted").text
    assert version["name"] in gone and f"{VERSIONS}/{version['id']}/restore" in gone
    restored = browser.post(
        f"{VERSIONS}/{version['id']}/restore", {"csrf": browser.csrf(f"{VERSIONS}?state=deleted")}
    )
    assert restored.status_code == 303 and restored.headers["location"] == VERSIONS
    assert _state(api, version["id"]) == "active"


def test_nothing_is_deleted_without_the_typed_name_or_the_csrf_token(
    browser: Browser, world: Any, api: Api
) -> None:
    version = _untagged(api)
    browser.sign_in(ALICE)
    path = f"{VERSIONS}/{version['id']}/delete"
    csrf = browser.csrf(path)
    for typed in ("", "tools", "TOOLS/CLI"):
        refused = browser.post(path, {"csrf": csrf, "confirm": typed})
        assert refused.status_code == 422 and escape(NOT_CONFIRMED) in refused.text
    forged = browser.post(path, {"confirm": "tools/cli"})
    assert forged.status_code == 403
    assert _state(api, version["id"]) == "active"


def test_githubs_rules_and_messages_apply(
    browser: Browser, world: Any, api: Api, store: Any, clock: Clock
) -> None:
    listed = api.get(REST, ALICE).json()
    popular = next(v for v in listed if "latest" in v["metadata"]["container"]["tags"])
    browser.sign_in(ALICE)
    path = f"{VERSIONS}/{popular['id']}/delete"
    refused = browser.post(path, {"csrf": browser.csrf(path), "confirm": "tools/cli"})
    assert refused.status_code == 400
    assert escape(VERSION_DOWNLOAD_LIMIT_MESSAGE) in refused.text
    seed(
        store,
        {
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "container",
                    "name": "one",
                    "visibility": "private",
                    "versions": [{"name": "sha256:" + "1" * 64, "tags": ["v1"]}],
                }
            ]
        },
        clock.now,
    )
    [only] = api.get("/users/alice/packages/container/one/versions", ALICE).json()
    path = f"/users/alice/packages/container/package/one/versions/{only['id']}/delete"
    last = browser.post(path, {"csrf": browser.csrf(path), "confirm": "one"})
    assert last.status_code == 400 and escape(LAST_TAGGED_VERSION_MESSAGE) in last.text


def test_who_may_not_delete_hears_what_the_rest_api_says(
    browser: Browser, world: Any, api: Api
) -> None:
    version = _untagged(api)
    path = f"{VERSIONS}/{version['id']}/delete"
    anonymous = browser.post(path, {"csrf": browser.csrf(), "confirm": "tools/cli"})
    assert anonymous.status_code == api.delete(f"{REST}/{version['id']}").status_code == 401
    browser.sign_in(BOB_READ)  # may read, not delete
    as_bob = browser.post(path, {"csrf": browser.csrf("/"), "confirm": "tools/cli"})
    rest = api.delete(f"{REST}/{version['id']}", BOB_READ)
    assert as_bob.status_code == rest.status_code
    if as_bob.status_code == 403:
        assert escape(rest.json()["message"]) in as_bob.text
    assert _state(api, version["id"]) == "active"
