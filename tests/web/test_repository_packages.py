"""`/OWNER/REPO/packages`: the packages linked to a repository, for whoever may see it."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Browser


def test_a_public_repositorys_packages(browser: Browser, world: Any) -> None:
    page = browser.get("/alice/tools/packages")
    assert page.status_code == 200
    assert "Packages of alice/tools" in page.text and "tools/cli" in page.text
    assert (
        'href="/alice/tools/packages"'
        in browser.get("/users/alice/packages/container/package/tools%2Fcli").text
    )
    assert "No packages found" in browser.get("/alice/tools/packages?ecosystem=npm").text


def test_a_private_repository_is_a_404_to_a_stranger(
    browser: Browser, world: Any, carol: str
) -> None:
    hidden = browser.get("/acme/web/packages")
    assert hidden.status_code == 404
    assert hidden.content == browser.get("/acme/no-such-repository/packages").content
    assert browser.get("/nobody/web/packages").content == hidden.content
    browser.sign_in(carol)  # acme's admin
    page = browser.get("/acme/web/packages")
    assert page.status_code == 200 and "web-ui" in page.text
