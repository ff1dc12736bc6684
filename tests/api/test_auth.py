"""Credentials, scopes headers, fine-grained tokens, API versions."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from packyard.services.admin import revoke_token
from tests.conftest import ALICE, ALICE_FINE_GRAINED, ALICE_OAUTH, BOB_READ, Api, Clock

CLI = "/users/alice/packages/container/tools%2Fcli"


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {ALICE}",
        f"token {ALICE}",
        "Basic " + base64.b64encode(f"whoever:{ALICE}".encode()).decode(),
    ],
)
def test_credential_schemes(api: Api, world: Any, header: str) -> None:
    response = api.get("/user/packages?package_type=container", headers={"Authorization": header})
    assert response.status_code == 200
    assert response.headers["x-oauth-scopes"] == (
        "delete:packages, read:packages, repo, write:packages"
    )
    assert response.headers["x-accepted-oauth-scopes"] == "read:packages"


def test_missing_and_bad_credentials(api: Api, world: Any, store: Any, clock: Clock) -> None:
    missing = api.get("/user/packages?package_type=container")
    assert missing.status_code == 401 and missing.json()["message"] == "Requires authentication"
    assert api.delete(f"{CLI}/versions/3").status_code == 401
    for token in ("ghp_nope", ""):
        bad = api.get(f"{CLI}", headers={"Authorization": f"Bearer {token}"})
        assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
    revoke_token(store, BOB_READ, clock.now)
    assert api.get(CLI, BOB_READ).status_code == 401


def test_a_token_changed_elsewhere_counts_at_once(
    api: Api, world: Any, store: Any, clock: Clock
) -> None:
    """The server keeps token records by the row it read: revoking or narrowing a token in
    another process (here the `store`, not the app's) is seen by the next request."""
    from tests.conftest import seed

    assert api.get(CLI, BOB_READ).status_code == 200
    assert api.get(CLI, ALICE).headers["x-oauth-scopes"] == (
        "delete:packages, read:packages, repo, write:packages"
    )
    revoke_token(store, BOB_READ, clock.now)
    assert api.get(CLI, BOB_READ).json()["message"] == "Bad credentials"
    seed(
        store,
        {"tokens": [{"user": "alice", "token": ALICE, "kind": "classic", "scopes": ["repo"]}]},
        clock.now,
    )
    assert api.get(CLI, ALICE).headers["x-oauth-scopes"] == "repo"
    assert api.delete(f"{CLI}/versions/3", ALICE).status_code == 403


def test_expired_token(api: Api, world: Any, store: Any, clock: Clock) -> None:
    from tests.conftest import seed

    seed(
        store,
        {
            "tokens": [
                {
                    "user": "bob",
                    "token": "ghp_bob_soon",
                    "kind": "classic",
                    "scopes": ["read:packages"],
                    "expires_at": "2026-03-01T13:00:00Z",
                }
            ]
        },
        clock.now,
    )
    assert api.get(CLI, "ghp_bob_soon").status_code == 200
    clock.advance(timedelta(hours=1))
    assert api.get(CLI, "ghp_bob_soon").json()["message"] == "Bad credentials"


def test_anonymous_reads_public_only(api: Api, world: Any) -> None:
    assert api.get(CLI).status_code == 200
    assert "x-oauth-scopes" not in api.get(CLI).headers
    listing = api.get("/users/acme/packages?package_type=npm")
    assert listing.status_code == 200 and listing.json() == []
    assert api.get("/orgs/acme/packages/npm/web-ui").status_code == 404


def test_fine_grained_tokens_are_refused(api: Api, world: Any) -> None:
    for method, path in [
        ("GET", CLI),
        ("DELETE", f"{CLI}/versions/3"),
        ("GET", "/user/packages?package_type=npm"),
    ]:
        response = api.request(method, path, ALICE_FINE_GRAINED)
        assert response.status_code == 403
        assert "classic" in response.json()["message"]


def test_missing_scope_names_what_is_needed(api: Api, world: Any) -> None:
    # The OAuth token has read and delete but not write: restore needs write.
    response = api.post(f"{CLI}/versions/3/restore", ALICE_OAUTH)
    assert response.status_code == 403
    assert "write:packages" in response.json()["message"]
    assert response.headers["x-accepted-oauth-scopes"] == "read:packages, write:packages"
    assert response.headers["x-oauth-scopes"] == "delete:packages, read:packages"
    # A reader sees the package and learns the delete needs scopes it lacks.
    refused = api.delete(f"{CLI}/versions/3", BOB_READ)
    assert refused.status_code == 403 and "delete:packages" in refused.json()["message"]


def test_api_versions(api: Api, world: Any) -> None:
    for version in ("2022-11-28", "2026-03-10"):
        ok = api.get(CLI, ALICE, headers={"X-GitHub-Api-Version": version})
        assert ok.status_code == 200
        assert ok.headers["x-github-api-version-selected"] == version
    bad = api.get(CLI, ALICE, headers={"X-GitHub-Api-Version": "1999-01-01"})
    assert bad.status_code == 400 and "1999-01-01" in bad.json()["message"]


def test_actions_token_without_user(api: Api, world: Any) -> None:
    from tests.conftest import ACTIONS_WEB

    # acme/web's workflow has Actions access (admin) on alice's tools/cli.
    assert api.get(f"{CLI}/versions", ACTIONS_WEB).status_code == 200
    assert api.delete(f"{CLI}/versions/3", ACTIONS_WEB).status_code == 204
    me = api.get("/user/packages?package_type=container", ACTIONS_WEB)
    assert me.status_code == 403
    assert me.json()["message"] == "Resource not accessible by integration"


def test_unknown_routes_are_githubs_404(api: Api, world: Any) -> None:
    for method, path in [("GET", "/nope"), ("PUT", CLI), ("GET", f"{CLI}/extra/bits/here")]:
        response = api.request(method, path, ALICE)
        assert response.status_code == 404 and response.json()["message"] == "Not Found"


def test_users_and_rate_limit(api: Api, world: Any) -> None:
    me = api.get("/user", ALICE)
    assert me.status_code == 200 and me.json()["login"] == "alice"
    assert me.json()["type"] == "User" and me.json()["name"] == "Alice Liddell"
    assert api.get("/user").status_code == 401
    org = api.get("/users/ACME")
    assert org.status_code == 200 and org.json()["type"] == "Organization"
    assert org.json()["login"] == "acme"
    assert api.get("/users/nobody").status_code == 404
    limits = api.get("/rate_limit", ALICE)
    assert limits.status_code == 200
    assert limits.json()["resources"]["core"]["remaining"] == 5000


def test_asgi_path_end_to_end(asgi_api: Api, world: Any) -> None:
    """The whole ASGI app, raw path included: %2F stays one segment."""
    response = asgi_api.get(f"{CLI}/versions", ALICE)
    # tools/cli: three images, and the multi-platform one's two platforms and attestation
    assert response.status_code == 200 and len(response.json()) == 6
    assert asgi_api.get("/users/alice/packages/container/tools/cli", ALICE).status_code == 404
    assert asgi_api.client.get("/_packyard/ping").text == "ok"


def test_unexpected_errors_answer_in_githubs_shape(
    asgi_api: Api, world: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from packyard.services import packages

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(packages, "get_package", broken)
    response = asgi_api.get(CLI, ALICE, check=False)
    assert response.status_code == 500
    assert response.json() == {
        "message": "Server Error",
        "documentation_url": "https://docs.github.com/rest",
        "status": "500",
    }
    assert "the disk is on fire" in caplog.text
