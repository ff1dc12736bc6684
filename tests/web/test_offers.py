"""A page offers Delete, Restore and the settings only to whom the services would let take
them (`core.access.allows`); the services still refuse everyone else when they post."""

from __future__ import annotations

from typing import Any

from tests.conftest import ALICE, Api, Clock
from tests.web.conftest import PUBLIC, Browser, full_token

REST = "/users/alice/packages/container/tools%2Fcli/versions"
VERSIONS = f"{PUBLIC}/versions"
# bob reads tools/cli by a grant; with every package scope, only his role stands in the way.
BOB_FULL = "ghp_bob_full_00000000000000000000000000000"


def _bob(store: Any, clock: Clock) -> str:
    return full_token(store, clock, "bob", BOB_FULL)


def _untagged(api: Api) -> dict[str, Any]:
    return next(v for v in api.get(REST, ALICE).json() if not v["metadata"]["container"]["tags"])


def _offered(browser: Browser, version_id: int) -> dict[str, bool]:
    package = browser.get(PUBLIC).text
    listing = browser.get(VERSIONS).text
    page = browser.get(f"{PUBLIC.replace('/package/', '/')}/{version_id}").text
    return {
        "settings": f'href="{PUBLIC}/settings"' in package,
        "delete in the list": f'href="{VERSIONS}/{version_id}/delete"' in listing,
        "delete on the version": f'href="{VERSIONS}/{version_id}/delete"' in page,
        "actions column": ">Actions<" in listing,
    }


def test_a_reader_is_offered_no_delete_and_no_settings(
    browser: Browser, world: Any, api: Api, store: Any, clock: Clock
) -> None:
    version = _untagged(api)
    browser.sign_in(_bob(store, clock))
    assert browser.get(PUBLIC).status_code == 200  # he may read it
    assert not any(_offered(browser, version["id"]).values())


def test_the_administrator_is_offered_them(browser: Browser, world: Any, api: Api) -> None:
    version = _untagged(api)
    browser.sign_in(ALICE)
    assert all(_offered(browser, version["id"]).values())


def test_signed_out_nothing_is_offered(browser: Browser, world: Any, api: Api) -> None:
    version = _untagged(api)
    assert not any(_offered(browser, version["id"]).values())


def test_restore_is_offered_to_the_administrator_only(
    browser: Browser, stranger: Browser, world: Any, api: Api, store: Any, clock: Clock
) -> None:
    version = _untagged(api)
    assert api.delete(f"{REST}/{version['id']}", ALICE).status_code == 204
    restore = f"{VERSIONS}/{version['id']}/restore"
    browser.sign_in(ALICE)
    assert restore in browser.get(f"{VERSIONS}?state=deleted").text
    stranger.sign_in(_bob(store, clock))
    # bob may not list deleted versions at all: the page is the REST API's refusal.
    assert restore not in stranger.get(f"{VERSIONS}?state=deleted").text


def test_a_reader_who_posts_anyway_is_still_refused(
    browser: Browser, world: Any, api: Api, store: Any, clock: Clock
) -> None:
    version = _untagged(api)
    bob = _bob(store, clock)
    browser.sign_in(bob)
    path = f"{VERSIONS}/{version['id']}/delete"
    # The confirmation page is refused as the delete is: nothing to confirm.
    confirmation = browser.get(path)
    refused = browser.post(path, {"csrf": browser.csrf("/"), "confirm": "tools/cli"})
    rest = api.delete(f"{REST}/{version['id']}", bob)
    # The REST API's answer for a reader's delete (GitHub's: his role does not suffice).
    assert refused.status_code == rest.status_code and rest.status_code in (403, 404)
    assert confirmation.status_code == rest.status_code
    assert "I understand the consequences" not in confirmation.text
    settings = browser.post(
        f"{PUBLIC}/settings/delete", {"csrf": browser.csrf("/"), "confirm": "tools/cli"}
    )
    assert settings.status_code in (403, 404)
    assert api.get(f"{REST}/{version['id']}", ALICE).status_code == 200
