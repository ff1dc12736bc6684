"""Signing in and out, the session cookie, CSRF, and sessions ending with their token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from packyard.services.admin import revoke_token
from tests.conftest import ALICE, ALICE_FINE_GRAINED, BOB_READ, Clock, seed
from tests.web.conftest import PRIVATE, Browser


def test_signing_in_sets_a_signed_http_only_cookie_without_the_token(
    browser: Browser, world: Any
) -> None:
    response = browser.sign_in(ALICE)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert ALICE not in cookie and ALICE[4:20] not in cookie
    page = browser.get("/")
    assert "Signed in as <strong>alice</strong>" in page.text


def test_signing_in_shows_what_the_token_may_read(browser: Browser, carol: str) -> None:
    assert browser.get(PRIVATE).status_code == 404
    browser.sign_in(carol)
    page = browser.get(PRIVATE)
    assert page.status_code == 200 and "web-ui" in page.text
    assert "npm install @acme/web-ui@1.1.0" in page.text


def test_signing_out_ends_the_session(browser: Browser, carol: str) -> None:
    browser.sign_in(carol)
    response = browser.sign_out()
    assert response.status_code == 303
    assert "HttpOnly" in response.headers["set-cookie"]
    assert browser.get(PRIVATE).status_code == 404
    assert 'href="/login"' in browser.get("/").text


def test_next_stays_on_this_site(browser: Browser, world: Any) -> None:
    csrf = browser.csrf()
    inside = browser.post("/login", {"token": ALICE, "csrf": csrf, "next": "/orgs/acme/packages"})
    assert inside.headers["location"] == "/orgs/acme/packages"
    for elsewhere in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\r\nSet-Cookie: x=y",
    ):
        csrf = browser.csrf()
        away = browser.post("/login", {"token": ALICE, "csrf": csrf, "next": elsewhere})
        assert away.headers["location"] == "/"


def test_bad_revoked_and_expired_tokens_are_refused(
    browser: Browser, world: Any, store: Any, clock: Clock
) -> None:
    wrong = browser.sign_in("ghp_not_a_token")
    assert wrong.status_code == 401 and "Bad credentials" in wrong.text
    assert "set-cookie" not in wrong.headers or "Max-Age" not in wrong.headers["set-cookie"]
    revoke_token(store, BOB_READ, clock.now)
    assert browser.sign_in(BOB_READ).status_code == 401
    seed(
        store,
        {
            "tokens": [
                {
                    "user": "bob",
                    "token": "ghp_bob_gone",
                    "kind": "classic",
                    "scopes": ["read:packages"],
                    "expires_at": "2026-03-01T11:00:00Z",
                }
            ]
        },
        clock.now,
    )
    assert browser.sign_in("ghp_bob_gone").status_code == 401
    refused = browser.sign_in(ALICE_FINE_GRAINED)
    assert refused.status_code == 403 and "Fine-grained" in refused.text


def test_revoking_the_token_ends_the_session_at_once(
    browser: Browser, carol: str, store: Any, clock: Clock
) -> None:
    browser.sign_in(carol)
    assert browser.get(PRIVATE).status_code == 200
    revoke_token(store, carol, clock.now)
    page = browser.get(PRIVATE)
    assert page.status_code == 404 and 'href="/login"' in page.text


def test_a_session_ends_when_its_token_expires(
    browser: Browser, world: Any, store: Any, clock: Clock
) -> None:
    seed(
        store,
        {
            "tokens": [
                {
                    "user": "carol",
                    "token": "ghp_carol_soon",
                    "kind": "classic",
                    "scopes": ["read:packages"],
                    "expires_at": "2026-03-01T13:00:00Z",
                }
            ]
        },
        clock.now,
    )
    browser.sign_in("ghp_carol_soon")
    assert browser.get(PRIVATE).status_code == 200
    clock.advance(timedelta(hours=1))
    assert browser.get(PRIVATE).status_code == 404


def test_a_forged_or_tampered_cookie_is_signed_out(browser: Browser, carol: str) -> None:
    browser.sign_in(carol)
    value = browser.client.cookies["packyard_session"]
    nonce, token_id, expires, mac = value.split(".")
    browser.client.cookies.clear()
    browser.client.cookies.set("packyard_session", value)
    assert browser.get(PRIVATE).status_code == 200  # the jar's cookie is what is sent
    for forged in (
        f"{nonce}.{token_id}.{int(expires) + 3600}.{mac}",  # a longer life
        f"{nonce}.{token_id}.{expires}.{mac[:-2]}AA",  # another MAC
        f"{nonce}.1.{expires}.{mac}",  # alice's token row
    ):
        browser.client.cookies.clear()
        browser.client.cookies.set("packyard_session", forged)
        assert browser.get(PRIVATE).status_code == 404


@pytest.mark.parametrize(
    ("path", "fields"),
    [("/login", {"token": ALICE}), ("/logout", {})],
)
def test_a_form_without_its_csrf_token_is_refused(
    browser: Browser, world: Any, path: str, fields: dict[str, str]
) -> None:
    browser.get("/")  # a session cookie, as a browser that visited has
    for csrf in (None, "", "not-the-token"):
        data = dict(fields) if csrf is None else {**fields, "csrf": csrf}
        response = browser.post(path, data)
        assert response.status_code == 403
        assert "did not come from this site" in response.text
        assert "Max-Age" not in response.headers.get("set-cookie", "")


def test_a_csrf_token_is_tied_to_its_browser(
    browser: Browser, stranger: Browser, carol: str
) -> None:
    """Another browser's token (an attacker's own page load) does not post for this one."""
    browser.sign_in(carol)
    theirs = stranger.csrf("/login")
    assert browser.post("/logout", {"csrf": theirs}).status_code == 403
    assert browser.get(PRIVATE).status_code == 200  # still signed in


def test_signing_in_replaces_the_browsers_nonce(browser: Browser, world: Any) -> None:
    """A cookie planted before sign-in (session fixation) is not the signed-in one."""
    browser.get("/")
    before = browser.client.cookies["packyard_session"]
    browser.sign_in(ALICE)
    after = browser.client.cookies["packyard_session"]
    assert not after.startswith(before)
