"""GitHub's root document and GHES's `GET /meta`, against GitHub's description."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.testclient import TestClient

from packyard import __version__
from packyard.config import Settings
from packyard.server import create_app
from tests.conftest import ALICE, Api, Clock


def test_root_is_githubs_on_our_urls(api: Api) -> None:
    root = api.get("/")
    assert root.status_code == 200
    body = root.json()
    assert body["current_user_url"] == "http://testserver/api/v3/user"
    assert body["rate_limit_url"] == "http://testserver/api/v3/rate_limit"
    assert body["user_url"] == "http://testserver/api/v3/users/{user}"
    assert body["repository_url"] == "http://testserver/api/v3/repos/{owner}/{repo}"
    assert body["current_user_authorizations_html_url"] == (
        "http://testserver/settings/connections/applications{/client_id}"
    )
    assert not [url for url in body.values() if "github.com" in url]


def test_root_without_its_slash_and_through_asgi(asgi_api: Api) -> None:
    # api.github.com answers its root with and without the slash; the mount must too.
    with_slash = asgi_api.get("/")
    without = asgi_api.client.get("/api/v3")
    assert with_slash.status_code == without.status_code == 200
    assert without.json() == with_slash.json()
    assert without.headers["content-type"] == "application/json; charset=utf-8"


def test_root_under_api_version_2026_drops_what_github_dropped(api: Api) -> None:
    body = api.get("/", headers={"X-GitHub-Api-Version": "2026-03-10"}, check=False).json()
    assert "authorizations_url" not in body and "hub_url" not in body
    assert body["current_user_url"] == "http://testserver/api/v3/user"
    assert "hub_url" in api.get("/").json()


def test_meta_says_what_is_true_of_packyard(api: Api) -> None:
    meta = api.get("/meta")
    assert meta.status_code == 200
    assert meta.json() == {
        "verifiable_password_authentication": False,
        "domains": {"packages": ["testserver"]},
        "installed_version": __version__,
    }


def test_root_and_meta_need_no_login_and_take_a_token(api: Api, world: Any) -> None:
    for path in ("/", "/meta"):
        assert api.get(path).status_code == 200
        assert api.get(path, ALICE).status_code == 200
        assert api.get(path, "ghp_not_a_token").status_code == 401


def test_root_and_meta_count_against_the_quota(
    settings: Settings, engine: Any, clock: Clock
) -> None:
    app = create_app(replace(settings, rate_limit=3), engine, clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        api = Api(client)
        seen = [api.get(path) for path in ("/", "/meta", "/")]
        assert [r.headers["x-ratelimit-remaining"] for r in seen] == ["2", "1", "0"]
        assert api.get("/meta").status_code == 429
